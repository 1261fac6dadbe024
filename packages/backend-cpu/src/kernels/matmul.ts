/**
 * Batched matmul, [B,M,K] × [B,K,N] → [B,M,N], for float32, float64 and int32.
 *
 * Floats use a GotoBLAS-style blocked kernel: a KC-deep slab of B is packed into 4-column
 * panels and an MC×KC block of A into 4-row panels (both float64, zero-padded to whole
 * panels), then a 4×4 register-blocked micro-kernel runs over each pair of panels, keeping 16
 * accumulators in locals. Packing reads through the views' strides, so transposed operands and
 * broadcast batches (stride 0) cost nothing extra. Products accumulate in float64 (a scratch
 * C for float32 outputs, rounded once at the end). Small or skinny products skip packing.
 */
import { BackendError } from '@flint/core/backend';
import type { KernelSignatures, TypedArray } from '@flint/core/backend';
import type { Alloc, View } from '../types.js';

const KC = 256; // depth of a packed slab: a 4×KC float64 panel is 8 KiB and stays in L1
const MC = 128; // rows of A per packed block: 128×256 float64 = 256 KiB, sized for L2
const SMALL = 32 * 32 * 32; // below this many multiply-adds packing does not pay off

const packA = new Float64Array(MC * KC);
let packB = new Float64Array(0);
let scratch = new Float64Array(0);
const edge = new Float64Array(16);

/** Strided operand of one batch: element (r, c) is buf[off + r·rs + c·cs]. */
interface Mat {
  buf: TypedArray;
  off: number;
  rs: number;
  cs: number;
}

/** Pack rows [0, mc) × cols [0, kc) of `a` into 4-row panels: panel p, depth k, row r. */
function packRows(a: Mat, mc: number, kc: number): void {
  const A = a.buf;
  let q = 0;
  for (let i0 = 0; i0 < mc; i0 += 4) {
    const rows = Math.min(4, mc - i0);
    for (let r = 0; r < 4; r++) {
      // One row at a time: contiguous reads when A is row-major, strided writes into L1.
      if (r >= rows) {
        for (let k = 0; k < kc; k++) packA[q + 4 * k + r] = 0;
        continue;
      }
      let p = a.off + (i0 + r) * a.rs;
      for (let k = 0; k < kc; k++, p += a.cs) packA[q + 4 * k + r] = A[p]!;
    }
    q += 4 * kc;
  }
}

/** Pack rows [0, kc) × cols [0, n) of `b` into 4-column panels: panel p, depth k, col c. */
function packCols(b: Mat, kc: number, n: number): void {
  const B = b.buf;
  let q = 0;
  for (let j0 = 0; j0 < n; j0 += 4) {
    const cols = Math.min(4, n - j0);
    for (let k = 0; k < kc; k++, q += 4) {
      const p = b.off + k * b.rs + j0 * b.cs;
      for (let c = 0; c < 4; c++) packB[q + c] = c < cols ? B[p + c * b.cs]! : 0;
    }
  }
}

/** C[co + r·ldc + c] += Σ_k panelA[k][r]·panelB[k][c] for the valid rows × cols of a 4×4 tile. */
// prettier-ignore
function micro(
  kc: number, ao: number, bo: number, C: Float64Array, co: number, ldc: number,
  rows: number, cols: number,
): void {
  const pa = packA, pb = packB;
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let k = 0; k < kc; k++, ao += 4, bo += 4) {
    const a0 = pa[ao]!, a1 = pa[ao + 1]!, a2 = pa[ao + 2]!, a3 = pa[ao + 3]!;
    const b0 = pb[bo]!, b1 = pb[bo + 1]!, b2 = pb[bo + 2]!, b3 = pb[bo + 3]!;
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  if (rows === 4 && cols === 4) {
    C[co] += c00; C[co + 1] += c01; C[co + 2] += c02; C[co + 3] += c03; co += ldc;
    C[co] += c10; C[co + 1] += c11; C[co + 2] += c12; C[co + 3] += c13; co += ldc;
    C[co] += c20; C[co + 1] += c21; C[co + 2] += c22; C[co + 3] += c23; co += ldc;
    C[co] += c30; C[co + 1] += c31; C[co + 2] += c32; C[co + 3] += c33;
    return;
  }
  edge.set([c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33]);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) C[co + r * ldc + c] += edge[4 * r + c]!;
}

/** C (m×n, row-major at `co`) += a·b, blocked and packed. */
function blocked(a: Mat, b: Mat, m: number, n: number, k: number, C: Float64Array, co: number) {
  const np = Math.ceil(n / 4) * 4;
  if (packB.length < np * KC) packB = new Float64Array(np * KC);
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = Math.min(KC, k - p0);
    packCols({ ...b, off: b.off + p0 * b.rs }, kc, n);
    for (let i0 = 0; i0 < m; i0 += MC) {
      const mc = Math.min(MC, m - i0);
      packRows({ ...a, off: a.off + i0 * a.rs + p0 * a.cs }, mc, kc);
      for (let j0 = 0; j0 < n; j0 += 4) {
        const cols = Math.min(4, n - j0);
        for (let ir = 0; ir < mc; ir += 4) {
          const rows = Math.min(4, mc - ir);
          micro(kc, ir * kc, j0 * kc, C, co + (i0 + ir) * n + j0, n, rows, cols);
        }
      }
    }
  }
}

/** C += a·b without packing, for small or skinny products (i-k-j: streams rows of b and C). */
function direct(a: Mat, b: Mat, m: number, n: number, k: number, C: Float64Array, co: number) {
  const A = a.buf,
    B = b.buf;
  for (let i = 0; i < m; i++) {
    const ci = co + i * n;
    for (let kk = 0; kk < k; kk++) {
      const aik = A[a.off + i * a.rs + kk * a.cs]!;
      for (let j = 0, p = b.off + kk * b.rs; j < n; j++, p += b.cs) C[ci + j] += aik * B[p]!;
    }
  }
}

/** int32: wrapping multiply-adds (Math.imul), exactly as the scalar definition. */
function intMatmul(a: Mat, b: Mat, m: number, n: number, k: number, C: Int32Array, co: number) {
  const A = a.buf,
    B = b.buf;
  for (let i = 0; i < m; i++) {
    const ci = co + i * n;
    for (let kk = 0; kk < k; kk++) {
      const aik = A[a.off + i * a.rs + kk * a.cs]!;
      if (aik === 0) continue;
      for (let j = 0, p = b.off + kk * b.rs; j < n; j++, p += b.cs)
        C[ci + j] = (C[ci + j]! + Math.imul(aik, B[p]!)) | 0;
    }
  }
}

function batchMat(v: View, i: number): Mat {
  return { buf: v.buf, off: v.offset + i * v.strides[0]!, rs: v.strides[1]!, cs: v.strides[2]! };
}

export function matmulKernel(alloc: Alloc): KernelSignatures<TypedArray>['matmul'] {
  return (a, b) => {
    const [batch, m, k] = a.shape as [number, number, number];
    const n = b.shape[2]!;
    if (a.dtype === 'bool') throw new BackendError('cpu: matmul has no kernel for dtype bool');
    const out = alloc(a.dtype, batch * m * n);
    // Outputs may be recycled buffers; the float64 and int32 paths accumulate in place.
    if (!(out instanceof Float32Array) || k === 0) out.fill(0);
    if (out.length === 0 || k === 0) return out;
    const small = m < 4 || n < 4 || m * n * k <= SMALL;
    const wide = out instanceof Float32Array;
    if (wide && scratch.length < m * n) scratch = new Float64Array(m * n);
    for (let i = 0; i < batch; i++) {
      const am = batchMat(a, i),
        bm = batchMat(b, i);
      if (out instanceof Int32Array) {
        intMatmul(am, bm, m, n, k, out, i * m * n);
        continue;
      }
      // float64 accumulates straight into the (zeroed) output; float32 via float64 scratch.
      const C = wide ? scratch : (out as Float64Array);
      const co = wide ? 0 : i * m * n;
      if (wide) C.fill(0, 0, m * n);
      (small ? direct : blocked)(am, bm, m, n, k, C, co);
      if (wide) out.set(C.subarray(0, m * n), i * m * n);
    }
    return out;
  };
}
