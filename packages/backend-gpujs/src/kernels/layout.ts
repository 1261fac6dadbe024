/**
 * Layout kernels: materialising a strided view, constant padding, and the row-major helpers the
 * other families use. Shapes and strides travel as a small float32 metadata array (exact: every
 * index is below 2^24), so one compiled kernel serves every shape and rank.
 */
import type { KView } from '@flint/core/backend';

/** meta = [rank, offset, shape…, strides…]: output element i ← x[offset + Σ idx_d · stride_d]. */
export const STRIDED_SRC = `function(x, m) {
  const r = m[0];
  let rem = this.thread.x;
  let pos = m[1];
  for (let j = 0; j < r; j++) {
    const d = r - 1 - j;
    const s = m[2 + d];
    const q = Math.floor(rem / s);
    pos += (rem - q * s) * m[2 + r + d];
    rem = q;
  }
  return x[pos];
}`;

export function stridedMeta(shape: readonly number[], strides: readonly number[], offset: number) {
  return Float32Array.from([shape.length, offset, ...shape, ...strides]);
}

/**
 * meta = [rank, inOffset, outShape…, inShape…, before…]: an output element inside the input's
 * box reads the (contiguous) input, else takes the pad value v.
 */
export const PAD_SRC = `function(x, m, v) {
  const r = m[0];
  let rem = this.thread.x;
  let pos = 0;
  let mul = 1;
  let inside = 1;
  for (let j = 0; j < r; j++) {
    const d = r - 1 - j;
    const s = m[2 + d];
    const q = Math.floor(rem / s);
    const c = rem - q * s - m[2 + 2 * r + d];
    const n = m[2 + r + d];
    if (c < 0 || c >= n) { inside = 0; }
    pos += c * mul;
    mul = mul * n;
    rem = q;
  }
  if (inside === 0) { return v; }
  return x[m[1] + pos];
}`;

/** Whether a view is row-major contiguous (any offset). */
export function isContiguous(v: KView<unknown>): boolean {
  let expect = 1;
  for (let d = v.shape.length - 1; d >= 0; d--) {
    if (v.shape[d] !== 1 && v.strides[d] !== expect) return false;
    expect *= v.shape[d]!;
  }
  return true;
}
