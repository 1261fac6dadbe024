/**
 * Helpers for walking strided views. Kernels first simplify the iteration space with
 * `collapse` (dropping size-1 dims and merging dims that are laid out back to back in every
 * view), so the common cases — contiguous data, scalar broadcast, a broadcast row — become one
 * or two loops, and only genuinely strided views pay for the odometer.
 */
import { contiguousStrides, sizeOf } from '@flint/core/backend';
import type { View } from './types.js';

export { contiguousStrides, sizeOf };

/** True when `strides` are row-major for `shape` (size-1 dims may have any stride). */
export function isRowMajor(shape: readonly number[], strides: readonly number[]): boolean {
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!;
    if (d !== 1 && strides[i] !== acc) return false;
    acc *= d;
  }
  return true;
}

/** True when `v` occupies `size(v)` consecutive elements starting at `v.offset`. */
export function isContiguousView(v: View): boolean {
  return isRowMajor(v.shape, v.strides);
}

export interface Collapsed {
  shape: number[];
  /** One stride list per input view, each of `shape.length`. */
  strides: number[][];
}

/**
 * Simplify an iteration over `shape` in which view k steps by `strides[k]`: size-1 dims are
 * dropped and dim i is merged into dim i+1 when every view has stride[i] = stride[i+1]·shape[i+1].
 * The result always has rank ≥ 1 (a scalar becomes shape [1] with stride 0), so loops can treat
 * the last dim as the inner loop unconditionally.
 */
export function collapse(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): Collapsed {
  const views = strides.length;
  const outShape: number[] = [];
  const outStrides: number[][] = [];
  for (let k = 0; k < views; k++) outStrides.push([]);
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (d === 1) continue;
    const last = outShape.length - 1;
    let mergeable = last >= 0;
    for (let k = 0; k < views && mergeable; k++)
      mergeable = outStrides[k]![last] === strides[k]![i]! * d;
    if (mergeable) {
      outShape[last] = outShape[last]! * d;
      for (let k = 0; k < views; k++) outStrides[k]![last] = strides[k]![i]!;
    } else {
      outShape.push(d);
      for (let k = 0; k < views; k++) outStrides[k]!.push(strides[k]![i]!);
    }
  }
  if (outShape.length > 0) return { shape: outShape, strides: outStrides };
  for (let k = 0; k < views; k++) outStrides[k]!.push(0);
  return { shape: [1], strides: outStrides };
}

/**
 * Order of dims for walking `strides` most-local-last: larger |stride| outside. Used when an
 * input (not the output) decides the memory order, e.g. reductions of transposed views.
 * Stable, so row-major views keep their natural order.
 */
export function localityOrder(strides: readonly number[]): number[] {
  return strides
    .map((s, i) => [Math.abs(s), i] as const)
    .sort((p, q) => q[0] - p[0] || p[1] - q[1])
    .map((p) => p[1]);
}

export function permute<T>(xs: readonly T[], order: readonly number[]): T[] {
  return order.map((i) => xs[i]!);
}

/**
 * Calls `row(pos, n)` once per innermost row of a collapsed iteration space, where `pos[k]` is
 * view k's element offset at the row's start and `n` its length; the caller steps through the
 * row with the last entry of each stride list and must not modify `pos`. Per-row (not per-element) callbacks keep
 * irregular kernels such as gather simple without a closure call per element.
 */
export function forEachRow(
  c: Collapsed,
  offsets: readonly number[],
  row: (pos: Float64Array, n: number) => void,
): void {
  const rank = c.shape.length;
  const n = c.shape[rank - 1]!;
  const views = offsets.length;
  const pos = Float64Array.from(offsets);
  const idx = new Int32Array(rank);
  const rows = sizeOf(c.shape) / n;
  for (let r = 0; r < rows; r++) {
    row(pos, n);
    for (let d = rank - 2; d >= 0; d--) {
      for (let k = 0; k < views; k++) pos[k] += c.strides[k]![d]!;
      if (++idx[d]! < c.shape[d]!) break;
      idx[d] = 0;
      for (let k = 0; k < views; k++) pos[k] -= c.strides[k]![d]! * c.shape[d]!;
    }
  }
}

/** `xs` without its entry at `axis`: the shape/strides that remain after an axis reduction. */
export function withoutAxis<T>(xs: readonly T[], axis: number): T[] {
  return xs.filter((_, i) => i !== axis);
}

/**
 * Visits every line of x along `axis`: `visit` gets a run of `n` lines starting at x offset `xp`
 * and output offset `op`, stepping `sx` / `so` between lines. `outStrides` are the output's
 * strides for x's dims other than `axis`. A 0-d x is one line of length 1: PyTorch accepts
 * dim 0 on scalars, so axis kernels read missing sizes as 1 and missing strides as 0.
 */
export function alongAxis(
  x: View,
  axis: number,
  outStrides: readonly number[],
  visit: (xp: number, op: number, n: number, sx: number, so: number) => void,
): void {
  const rest = withoutAxis(x.shape, axis);
  if (sizeOf(rest) === 0 || x.shape[axis] === 0) return;
  const c = collapse(rest, [outStrides, withoutAxis(x.strides, axis)]);
  const last = c.shape.length - 1;
  forEachRow(c, [0, x.offset], (pos, n) =>
    visit(pos[1]!, pos[0]!, n, c.strides[1]![last]!, c.strides[0]![last]!),
  );
}
