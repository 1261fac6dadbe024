/**
 * Batched matmul on the device: a [B,m,k] · b [B,k,n], both contiguous at an offset.
 *
 * On WebGL the tiled path of tile.ts runs (operands packed along k into vec4 textures, a 2×2
 * block of C per thread), then a last pass unpacks the blocks into the row-major layout every
 * other kernel reads. Operands that are transposed views are packed from where they lie. Other
 * modes (WebAssembly, cpu, WebGPU) and tiny products keep the simple kernel.
 */
import type { KView } from '@flint/core/backend';
import type { GBuf } from '../storage.js';
import type { Device } from './table.js';
import { packCols, packedBlocks, packRows, TILED_MODES, unpackBlocks } from './tile.js';

/**
 * The simple kernel: one output per thread with four independent partial sums, which shortens
 * the dependency chain (and halves the float32 rounding growth) compared with one running sum.
 * The two loops use different index names: gpu.js's GLSL output redeclares a reused loop
 * variable (`user_t`).
 */
export const MATMUL_SRC = `function(a, ao, b, bo, m, k, n) {
  const i = this.thread.x;
  const c = i % n;
  const rb = Math.floor(i / n);
  const r = rb % m;
  const bb = Math.floor(rb / m);
  const ab = ao + (bb * m + r) * k;
  const bbase = bo + bb * k * n + c;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const k4 = k - (k % 4);
  for (let t = 0; t < k4; t += 4) {
    s0 += a[ab + t] * b[bbase + t * n];
    s1 += a[ab + t + 1] * b[bbase + (t + 1) * n];
    s2 += a[ab + t + 2] * b[bbase + (t + 2) * n];
    s3 += a[ab + t + 3] * b[bbase + (t + 3) * n];
  }
  for (let u = k4; u < k; u++) {
    s0 += a[ab + u] * b[bbase + u * n];
  }
  return (s0 + s1) + (s2 + s3);
}`;

/**
 * Below this many multiply-adds the four launches of the tiled path cost more than they save
 * (a launch is ~50 µs on WebGL); the choice never changes a result beyond float rounding.
 */
const TILED_MIN_MACS = 32 * 32 * 32;

/**
 * Whether the [B, r, c] view is the transpose of a contiguous [B, c, r] (`x.T`, `w.transpose`):
 * the tiled path then packs it from where it lies, with the other pack kernel, instead of a
 * strided copy first — the backward of every Linear layer multiplies by such views.
 */
function transposed(v: KView<GBuf>): boolean {
  const [B, r, c] = v.shape as [number, number, number];
  const [s0, s1, s2] = v.strides as [number, number, number];
  return r > 1 && c > 1 && s1 === 1 && s2 === r && (B === 1 || s0 === r * c);
}

/** C = A·B into a new float32 buffer, from rank-3 views a [B,m,k] and b [B,k,n]. */
export function matmulOnDevice(d: Device, a: KView<GBuf>, b: KView<GBuf>): GBuf {
  const rt = d.s.rt;
  const [B, m, k] = a.shape as [number, number, number];
  const n = b.shape[2]!;
  const temps: GBuf[] = [];
  try {
    if (!TILED_MODES.has(rt.mode) || k === 0 || B * m * n * k < TILED_MIN_MACS) {
      const [ad, ao] = d.flat(a, temps);
      const [bd, bo] = d.flat(b, temps);
      return d.out('float32', 'matmul', MATMUL_SRC, B * m * n, [ad, ao, bd, bo, m, k, n]);
    }
    const k4 = Math.ceil(k / 4);
    const mh = Math.ceil(m / 2);
    const nh = Math.ceil(n / 2);
    // A's rows along k: its rows as stored, or the columns of the [B,k,m] it transposes
    const [ad, ao] = transposed(a) ? [d.data(a), a.offset] : d.flat(a, temps);
    const packA = transposed(a) ? packCols(ad, ao, k, m) : packRows(ad, ao, m, k);
    // B's columns along k: its columns as stored, or the rows of the [B,n,k] it transposes
    const [bd, bo] = transposed(b) ? [d.data(b), b.offset] : d.flat(b, temps);
    const packB = transposed(b) ? packRows(bd, bo, n, k) : packCols(bd, bo, k, n);
    const blocks = packedBlocks(rt, packA, packB, [B, mh, nh, k4]);
    try {
      return d.s.fromDev('float32', B * m * n, unpackBlocks(rt, blocks, [B, m, n]));
    } finally {
      rt.release(blocks.t4);
    }
  } finally {
    d.free(temps);
  }
}
