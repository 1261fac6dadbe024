/**
 * Argument normalisation shared by the functional forms: torch accepts an int or a tuple for
 * every spatial hyperparameter, and Flint accepts a number or an array in the same places.
 */
import { ShapeError, fmtShape } from '../../errors.js';
import type { Tensor } from '../../tensor.js';

/** One value per spatial dim, or a single value used for all of them. */
export type SpatialArg = number | readonly number[];

/** Expand `v` to `n` positive (or, with `min: 0`, non-negative) integers. */
export function ntuple(op: string, name: string, v: SpatialArg, n: number, min = 1): number[] {
  const out = typeof v === 'number' ? new Array<number>(n).fill(v) : v.slice();
  if (out.length !== n || out.some((d) => !Number.isInteger(d) || d < min))
    throw new ShapeError(
      `${op}: ${name} must be ${min === 0 ? 'a non-negative' : 'a positive'} integer or ${n} of them, got ${JSON.stringify(v)}`,
    );
  return out;
}

/** Throw unless `x` has one of the ranks in `ranks`; `what` describes the expected layout. */
export function expectRank(op: string, x: Tensor, ranks: readonly number[], what: string): void {
  if (!ranks.includes(x.ndim))
    throw new ShapeError(`${op}: expected ${what}, got input of shape ${fmtShape(x.shape)}`);
}

/**
 * Output length of a sliding window: torch's ⌊(size + pads − d(k−1) − 1)/s⌋ + 1, or with
 * `ceil` the ceiling, dropping a last window that would start in the right padding.
 */
export function windowCount(
  size: number,
  padBefore: number,
  padAfter: number,
  kernel: number,
  stride: number,
  dilation: number,
  ceil = false,
): number {
  const span = size + padBefore + padAfter - dilation * (kernel - 1) - 1;
  if (span < 0) return 0;
  let n = (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  if (ceil && (n - 1) * stride >= size + padBefore) n--;
  return n;
}
