/**
 * Batched matmul on the device: a [B,m,k] · b [B,k,n], both contiguous at an offset.
 *
 * On WebGL the tiled path runs: A's rows and B's columns are packed along k into vec4 textures
 * (one texel holds four consecutive k values), then each thread computes a 2×2 block of C from
 * two A texels and two B texels per step, and a last pass unpacks the blocks into the row-major
 * layout every other kernel reads. gpu.js stores scalar float textures four values per texel, so
 * each scalar fetch of the simple kernel pays an index decode and a channel select; the tiled
 * kernel does 16 multiply-adds per 4 vec4 fetches instead of 4 per 8 scalar ones (measured in
 * headless Chromium/SwiftShader: 4–6× faster at 256²–512²; see docs/backends/gpujs.md). Other
 * modes (WebAssembly, cpu, WebGPU) and tiny products keep the simple kernel.
 */
import type { KView } from '@flint/core/backend';
import type { DevData, Native, Runtime } from '../runtime.js';
import type { GBuf } from '../storage.js';
import type { Device } from './table.js';

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
 * A [B,m,k] → texels [B, m2, k4]: row r, texel j holds a[r][4j..4j+3]; rows ≥ m (padding to an
 * even count) and k positions ≥ k are zero, so the tiled kernel needs no bounds checks.
 */
export const PACK_ROWS_SRC = `function(a, ao, m, k, m2, k4) {
  const i = this.thread.x;
  const j = i % k4;
  const q = Math.floor(i / k4);
  const r = q % m2;
  const bb = Math.floor(q / m2);
  const t = 4 * j;
  const base = ao + (bb * m + r) * k + t;
  let x0 = 0;
  let x1 = 0;
  let x2 = 0;
  let x3 = 0;
  if (r < m) {
    if (t < k) { x0 = a[base]; }
    if (t + 1 < k) { x1 = a[base + 1]; }
    if (t + 2 < k) { x2 = a[base + 2]; }
    if (t + 3 < k) { x3 = a[base + 3]; }
  }
  return [x0, x1, x2, x3];
}`;

/** B [B,k,n] → texels [B, n2, k4]: column c, texel j holds b[4j..4j+3][c], zero-padded. */
export const PACK_COLS_SRC = `function(b, bo, k, n, n2, k4) {
  const i = this.thread.x;
  const j = i % k4;
  const q = Math.floor(i / k4);
  const c = q % n2;
  const bb = Math.floor(q / n2);
  const t = 4 * j;
  const base = bo + bb * k * n + t * n + c;
  let x0 = 0;
  let x1 = 0;
  let x2 = 0;
  let x3 = 0;
  if (c < n) {
    if (t < k) { x0 = b[base]; }
    if (t + 1 < k) { x1 = b[base + n]; }
    if (t + 2 < k) { x2 = b[base + 2 * n]; }
    if (t + 3 < k) { x3 = b[base + 3 * n]; }
  }
  return [x0, x1, x2, x3];
}`;

/** One 2×2 block of C per thread over [B, mh, nh]: [c00, c01, c10, c11]. */
const TILE_SRC = `function(a4, b4, mh, nh, k4) {
  const i = this.thread.x;
  const ch = i % nh;
  const q = Math.floor(i / nh);
  const rh = q % mh;
  const bb = Math.floor(q / mh);
  const a0 = (bb * mh + rh) * 2 * k4;
  const a1 = a0 + k4;
  const b0 = (bb * nh + ch) * 2 * k4;
  const b1 = b0 + k4;
  let s00 = 0;
  let s01 = 0;
  let s10 = 0;
  let s11 = 0;
  for (let j = 0; j < k4; j++) {
    const x = a4[a0 + j];
    const y = a4[a1 + j];
    const u = b4[b0 + j];
    const v = b4[b1 + j];
    s00 += (x[0] * u[0] + x[1] * u[1]) + (x[2] * u[2] + x[3] * u[3]);
    s01 += (x[0] * v[0] + x[1] * v[1]) + (x[2] * v[2] + x[3] * v[3]);
    s10 += (y[0] * u[0] + y[1] * u[1]) + (y[2] * u[2] + y[3] * u[3]);
    s11 += (y[0] * v[0] + y[1] * v[1]) + (y[2] * v[2] + y[3] * v[3]);
  }
  return [s00, s01, s10, s11];
}`;

/**
 * The same loop in GLSL (WebGL2): gpu.js turns every texture read into a linear index and an
 * integer division to find the texel, which on SwiftShader costs more than the 16 multiply-adds
 * it feeds. Here four texel cursors step through the 1-D texture layout (x + 1, wrapping to the
 * next row at the texture's width), so the loop does no division at all, and `texelFetch` takes
 * the integer coordinates directly. Texel t of a gpu.js 1-D output sits at (t mod w, t / w).
 */
const TILE_GLSL = `vec4 flintTile4(sampler2D a, ivec2 aSize, ivec3 aDim, sampler2D b, ivec2 bSize, ivec3 bDim, float a0, float a1, float b0, float b1, float k4) {
  int n = int(k4 + 0.5);
  int ia0 = int(a0 + 0.5); int ia1 = int(a1 + 0.5); int ib0 = int(b0 + 0.5); int ib1 = int(b1 + 0.5);
  int aw = aSize.x; int bw = bSize.x;
  ivec2 p0 = ivec2(ia0 - aw * (ia0 / aw), ia0 / aw);
  ivec2 p1 = ivec2(ia1 - aw * (ia1 / aw), ia1 / aw);
  ivec2 q0 = ivec2(ib0 - bw * (ib0 / bw), ib0 / bw);
  ivec2 q1 = ivec2(ib1 - bw * (ib1 / bw), ib1 / bw);
  vec4 s = vec4(0.0);
  for (int j = 0; j < n; j++) {
    vec4 x = texelFetch(a, p0, 0);
    vec4 y = texelFetch(a, p1, 0);
    vec4 u = texelFetch(b, q0, 0);
    vec4 v = texelFetch(b, q1, 0);
    s += vec4(dot(x, u), dot(x, v), dot(y, u), dot(y, v));
    p0.x++; if (p0.x == aw) { p0 = ivec2(0, p0.y + 1); }
    p1.x++; if (p1.x == aw) { p1 = ivec2(0, p1.y + 1); }
    q0.x++; if (q0.x == bw) { q0 = ivec2(0, q0.y + 1); }
    q1.x++; if (q1.x == bw) { q1 = ivec2(0, q1.y + 1); }
  }
  return s;
}`;

/** TILE_SRC's geometry around the GLSL loop (WebGL2 only: texelFetch is GLSL ES 3.00). */
const TILE_FETCH_SRC = `function(a4, b4, mh, nh, k4) {
  const i = this.thread.x;
  const ch = i % nh;
  const q = Math.floor(i / nh);
  const rh = q % mh;
  const bb = Math.floor(q / mh);
  const a0 = (bb * mh + rh) * 2 * k4;
  const b0 = (bb * nh + ch) * 2 * k4;
  return flintTile4(a4, b4, a0, a0 + k4, b0, b0 + k4, k4);
}`;

const TILE_NATIVE: Native[] = [
  {
    name: 'flintTile4',
    source: TILE_GLSL,
    returnType: 'Array(4)',
    argumentTypes: {
      a: 'ArrayTexture(4)',
      b: 'ArrayTexture(4)',
      a0: 'Number',
      a1: 'Number',
      b0: 'Number',
      b1: 'Number',
      k4: 'Number',
    },
  },
];

/** Runs the tile kernel: the texelFetch loop on WebGL2, the gpu.js loop on WebGL1/headless-gl. */
export function runTile(rt: Runtime, a4: DevData, b4: DevData, [B, mh, nh, k4]: number[]): DevData {
  const args = [a4, b4, mh, nh, k4] as never;
  if (rt.mode === 'webgl2')
    return rt.run('matmulTileFetch', TILE_FETCH_SRC, B! * mh! * nh!, args, true, TILE_NATIVE);
  return rt.run('matmulTile', TILE_SRC, B! * mh! * nh!, args, true);
}

/** The 2×2 blocks back to row-major C [B,m,n]. */
export const UNPACK_SRC = `function(t4, m, n, mh, nh) {
  const i = this.thread.x;
  const c = i % n;
  const q = Math.floor(i / n);
  const r = q % m;
  const bb = Math.floor(q / m);
  const v = t4[(bb * mh + Math.floor(r / 2)) * nh + Math.floor(c / 2)];
  if (r % 2 === 0) {
    if (c % 2 === 0) { return v[0]; }
    return v[1];
  }
  if (c % 2 === 0) { return v[2]; }
  return v[3];
}`;

/** gpu.js modes whose kernels take and return vec4 textures (the tiled path). */
export const TILED_MODES = new Set(['webgl2', 'webgl', 'headlessgl']);

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
    const packA: [string, string, unknown[]] = transposed(a)
      ? ['matmulPackCols', PACK_COLS_SRC, [ad, ao, k, m, 2 * mh, k4]]
      : ['matmulPackRows', PACK_ROWS_SRC, [ad, ao, m, k, 2 * mh, k4]];
    // B's columns along k: its columns as stored, or the rows of the [B,n,k] it transposes
    const [bd, bo] = transposed(b) ? [d.data(b), b.offset] : d.flat(b, temps);
    const packB: [string, string, unknown[]] = transposed(b)
      ? ['matmulPackRows', PACK_ROWS_SRC, [bd, bo, n, k, 2 * nh, k4]]
      : ['matmulPackCols', PACK_COLS_SRC, [bd, bo, k, n, 2 * nh, k4]];
    return tiledProduct(d, packA, packB, [B, m, n]);
  } finally {
    d.free(temps);
  }
}

/** Packs both operands, runs the tile kernel and unpacks C [B,m,n] (row-major). */
function tiledProduct(
  d: Device,
  [ak, asrc, aargs]: [string, string, unknown[]],
  [bk, bsrc, bargs]: [string, string, unknown[]],
  [B, m, n]: [number, number, number],
): GBuf {
  const rt = d.s.rt;
  const k4 = aargs[5] as number;
  const [mh, nh] = [Math.ceil(m / 2), Math.ceil(n / 2)];
  const temps: DevData[] = [];
  try {
    const a4 = rt.run(ak, asrc, B * 2 * mh * k4, aargs as never, true);
    temps.push(a4);
    const b4 = rt.run(bk, bsrc, B * 2 * nh * k4, bargs as never, true);
    temps.push(b4);
    const t4 = runTile(rt, a4, b4, [B, mh, nh, k4]);
    temps.push(t4);
    return d.out('float32', 'matmulUnpack', UNPACK_SRC, B * m * n, [t4, m, n, mh, nh]);
  } finally {
    for (const t of temps) rt.release(t);
  }
}
