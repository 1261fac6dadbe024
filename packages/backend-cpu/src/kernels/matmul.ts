/**
 * Batched matmul, [B,M,K] × [B,K,N] → [B,M,N], for float32, float64 and int32.
 *
 * Floats use a GotoBLAS-style blocked kernel: a KC-deep slab of B is packed into 4-column
 * panels and an MC×KC block of A into 4-row panels (both float64, zero-padded to whole
 * panels), then a 4×4 register-blocked micro-kernel runs over each pair of panels, keeping 16
 * accumulators in locals, into a float64 copy of C that is rounded into the output once. Packing
 * reads through the views' strides, so transposed operands and broadcast batches (stride 0)
 * cost nothing extra. Small or skinny products skip packing.
 *
 * Written so that V8 compiles it the same way every run (issue 14: the same 1024² product took
 * 455 ms in one run of a program and 1,060 ms in the next):
 * - the hot loop (`micro`) only ever sees float64 scratch arrays, whatever the dtype: the
 *   dtype-dependent reads happen once per element while packing, so its feedback stays
 *   monomorphic when float32 and float64 products share a process;
 * - the packers take plain numbers (buffer, offset, strides), and a product's operands come
 *   from one object literal. The spread copies used before (`{ ...b, off }`) had a different
 *   hidden class from the original, which deoptimised the packers ("wrong map") and the
 *   blocking loop on the first product of every process;
 * - C accumulates in a padded float64 scratch, so every tile is a whole 4×4 tile: no edge branch
 *   and no temporary array (`edge.set([...])`) in the micro-kernel, and the row pitch sits one
 *   cache line off a power of two, so a tile's 4 rows do not compete for the same cache sets;
 * - scratch buffers are module-level and only grow (the largest output seen, in float64, plus
 *   one KC×N slab of B), so a steady workload allocates nothing per call.
 */
import { BackendError } from '@flint/core/backend';
import type { KernelSignatures, TypedArray } from '@flint/core/backend';
import type { Alloc, View } from '../types.js';

const KC = 256; // depth of a packed slab: a 4×KC float64 panel is 8 KiB and stays in L1
const MC = 128; // rows of A per packed block: 128×256 float64 = 256 KiB, sized for L2
const SMALL = 32 * 32 * 32; // below this many multiply-adds packing does not pay off
const PITCH_PAD = 8; // extra float64s per row of the C scratch: one cache line off 2^k

const packA = new Float64Array(MC * KC);
let packB = new Float64Array(0);
let cbuf = new Float64Array(0);
let row = new Float64Array(0);

const up4 = (x: number): number => (x + 3) & ~3;

/** Pack mc rows × kc cols of A (element (r, c) at A[off + r·rs + c·cs]) into 4-row panels. */
// prettier-ignore
function packRows(A: TypedArray, off: number, rs: number, cs: number, mc: number, kc: number): void {
  const pa = packA;
  let q = 0;
  for (let i0 = 0; i0 < mc; i0 += 4) {
    for (let r = 0; r < 4; r++) {
      // One row at a time: contiguous reads when A is row-major, strided writes into L1.
      if (i0 + r >= mc) {
        for (let k = 0; k < kc; k++) pa[q + 4 * k + r] = 0;
        continue;
      }
      let p = off + (i0 + r) * rs;
      for (let k = 0; k < kc; k++, p += cs) pa[q + 4 * k + r] = A[p]!;
    }
    q += 4 * kc;
  }
}

/** Pack kc rows × n cols of B (element (r, c) at B[off + r·rs + c·cs]) into 4-col panels at q. */
// prettier-ignore
function packCols(B: TypedArray, off: number, rs: number, cs: number, kc: number, n: number, q: number): void {
  const pb = packB;
  for (let j0 = 0; j0 < n; j0 += 4) {
    const cols = Math.min(4, n - j0);
    for (let k = 0; k < kc; k++, q += 4) {
      const p = off + k * rs + j0 * cs;
      for (let c = 0; c < 4; c++) pb[q + c] = c < cols ? B[p + c * cs]! : 0;
    }
  }
}

/** C[co + r·ldc + c] += Σ_k panelA[k][r]·panelB[k][c] over one whole 4×4 tile. */
// prettier-ignore
function micro(kc: number, ao: number, bo: number, C: Float64Array, co: number, ldc: number): void {
  const pa = packA, pb = packB;
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (const end = ao + 4 * kc; ao < end; ao += 4, bo += 4) {
    const a0 = pa[ao]!, a1 = pa[ao + 1]!, a2 = pa[ao + 2]!, a3 = pa[ao + 3]!;
    const b0 = pb[bo]!, b1 = pb[bo + 1]!, b2 = pb[bo + 2]!, b3 = pb[bo + 3]!;
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  C[co] += c00; C[co + 1] += c01; C[co + 2] += c02; C[co + 3] += c03; co += ldc;
  C[co] += c10; C[co + 1] += c11; C[co + 2] += c12; C[co + 3] += c13; co += ldc;
  C[co] += c20; C[co + 1] += c21; C[co + 2] += c22; C[co + 3] += c23; co += ldc;
  C[co] += c30; C[co + 1] += c31; C[co + 2] += c32; C[co + 3] += c33;
}

/** Operands of one product: element (r, c) of a is a.buf[ao + r·ars + c·acs], same for b. */
interface Operands {
  a: TypedArray;
  ao: number;
  ars: number;
  acs: number;
  b: TypedArray;
  bo: number;
  brs: number;
  bcs: number;
}

/** Grows the scratch buffers an m×n product needs (never shrinks them); returns C's pitch. */
function reserve(m: number, n: number): number {
  const ldc = up4(n) + PITCH_PAD;
  if (packB.length < up4(n) * KC) packB = new Float64Array(up4(n) * KC);
  if (cbuf.length < up4(m) * ldc) cbuf = new Float64Array(up4(m) * ldc);
  return ldc;
}

/** out[oo + r·n + j] = C[r·ldc + j]: the store rounds to float32 (or copies float64) once. */
// prettier-ignore
function copyRows(C: Float64Array, ldc: number, out: TypedArray, oo: number, rows: number, n: number): void {
  for (let r = 0; r < rows; r++)
    for (let j = 0, p = r * ldc, q = oo + r * n; j < n; j++) out[q + j] = C[p + j]!;
}

/** out[oo…] = a·b, blocked and packed; each operand is packed exactly once. */
// prettier-ignore
function blocked(o: Operands, m: number, n: number, k: number, out: TypedArray, oo: number): void {
  const ldc = reserve(m, n), np = up4(n), C = cbuf;
  C.fill(0, 0, up4(m) * ldc);
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = Math.min(KC, k - p0);
    packCols(o.b, o.bo + p0 * o.brs, o.brs, o.bcs, kc, n, 0);
    for (let i0 = 0; i0 < m; i0 += MC) {
      const mc = Math.min(MC, m - i0), mp = up4(mc);
      packRows(o.a, o.ao + i0 * o.ars + p0 * o.acs, o.ars, o.acs, mc, kc);
      for (let j0 = 0; j0 < np; j0 += 4)
        for (let ir = 0; ir < mp; ir += 4) micro(kc, ir * kc, j0 * kc, C, (i0 + ir) * ldc + j0, ldc);
    }
  }
  copyRows(C, ldc, out, oo, m, n);
}

/** out[oo…] = a·b without packing, for small or skinny products (i-k-j: streams rows of b). */
function direct(o: Operands, m: number, n: number, k: number, out: TypedArray, oo: number): void {
  if (row.length < n) row = new Float64Array(n);
  const { a: A, ao, ars, acs, b: B, bo, brs, bcs } = o;
  const acc = row;
  for (let i = 0; i < m; i++) {
    acc.fill(0, 0, n);
    for (let kk = 0; kk < k; kk++) {
      const aik = A[ao + i * ars + kk * acs]!;
      for (let j = 0, p = bo + kk * brs; j < n; j++, p += bcs) acc[j] += aik * B[p]!;
    }
    copyRows(acc, n, out, oo + i * n, 1, n);
  }
}

/** int32: wrapping multiply-adds (Math.imul), exactly as the scalar definition. */
function intMatmul(o: Operands, m: number, n: number, k: number, C: Int32Array, co: number) {
  const { a: A, ao, ars, acs, b: B, bo, brs, bcs } = o;
  for (let i = 0; i < m; i++) {
    const ci = co + i * n;
    for (let kk = 0; kk < k; kk++) {
      const aik = A[ao + i * ars + kk * acs]!;
      if (aik === 0) continue;
      for (let j = 0, p = bo + kk * brs; j < n; j++, p += bcs)
        C[ci + j] = (C[ci + j]! + Math.imul(aik, B[p]!)) | 0;
    }
  }
}

/** Batch i of a and b, always built by this one literal so every Operands has one shape. */
function operands(a: View, b: View, i: number): Operands {
  return {
    a: a.buf,
    ao: a.offset + i * a.strides[0]!,
    ars: a.strides[1]!,
    acs: a.strides[2]!,
    b: b.buf,
    bo: b.offset + i * b.strides[0]!,
    brs: b.strides[1]!,
    bcs: b.strides[2]!,
  };
}

export function matmulKernel(alloc: Alloc): KernelSignatures<TypedArray>['matmul'] {
  return (a, b) => {
    const [batch, m, k] = a.shape as [number, number, number];
    const n = b.shape[2]!;
    if (a.dtype === 'bool') throw new BackendError('cpu: matmul has no kernel for dtype bool');
    const out = alloc(a.dtype, batch * m * n);
    // Outputs may be recycled buffers: int32 accumulates in place, floats overwrite every
    // element (so only an empty reduction needs the zeros written explicitly).
    if (out instanceof Int32Array || k === 0) out.fill(0);
    if (out.length === 0 || k === 0) return out;
    const small = m < 4 || n < 4 || m * n * k <= SMALL;
    for (let i = 0; i < batch; i++) {
      const o = operands(a, b, i);
      if (out instanceof Int32Array) intMatmul(o, m, n, k, out, i * m * n);
      else if (small) direct(o, m, n, k, out, i * m * n);
      else blocked(o, m, n, k, out, i * m * n);
    }
    return out;
  };
}
