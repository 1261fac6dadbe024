/**
 * Argument checks and the reduction step shared by every loss. Errors name the loss (the module
 * name when called through a module, the functional name otherwise) so a user can find the call.
 */
import { isFloat } from '../../dtype.js';
import { DTypeError, FlintError, ShapeError, fmtShape } from '../../errors.js';
import { shapesEqual } from '../../shape.js';
import type { Tensor } from '../../tensor.js';

/** How a loss combines its element losses: averaged, summed, or kept (`'none'`). */
export type Reduction = 'none' | 'mean' | 'sum';

const REDUCTIONS: readonly string[] = ['none', 'mean', 'sum'];

export function checkReduction(
  op: string,
  reduction: string,
  allowed: readonly string[] = REDUCTIONS,
): void {
  if (!allowed.includes(reduction))
    throw new FlintError(
      `${op}: reduction must be one of ${allowed.map((r) => `'${r}'`).join(', ')}, got '${reduction}'`,
    );
}

/** Apply `reduction` to element-wise losses ('mean' divides by the element count). */
export function reduce(loss: Tensor, reduction: string): Tensor {
  if (reduction === 'sum') return loss.sum();
  if (reduction === 'mean') return loss.mean();
  return loss;
}

export function checkFloat(op: string, what: string, t: Tensor): void {
  if (!isFloat(t.dtype))
    throw new DTypeError(
      `${op}: ${what} must be float32 or float64, got ${t.dtype}${what === 'target' ? '' : '; convert with .float()'}`,
    );
}

/** Element-wise losses compare like with like: torch only warns on broadcasting, Flint refuses. */
export function checkSameShape(op: string, input: Tensor, target: Tensor): void {
  if (!shapesEqual(input.shape, target.shape))
    throw new ShapeError(
      `${op}: target shape ${fmtShape(target.shape)} must match input shape ${fmtShape(input.shape)}`,
    );
}

/** A per-class weight must be a float vector of length C. */
export function checkClassWeight(op: string, weight: Tensor | undefined, classes: number): void {
  if (!weight) return;
  checkFloat(op, 'weight', weight);
  if (weight.ndim !== 1 || weight.shape[0] !== classes)
    throw new ShapeError(
      `${op}: weight must have shape [${classes}] (one entry per class), got ${fmtShape(weight.shape)}`,
    );
}

/** Optional weights broadcast against the input (BCE's `weight`, `posWeight`). */
export function checkBroadcastable(
  op: string,
  what: string,
  w: Tensor | undefined,
  shape: readonly number[],
): void {
  if (!w) return;
  checkFloat(op, what, w);
  const off = shape.length - w.ndim;
  const ok = off >= 0 && w.shape.every((d, i) => d === 1 || d === shape[off + i]);
  if (!ok)
    throw new ShapeError(
      `${op}: ${what} of shape ${fmtShape(w.shape)} cannot be broadcast to input shape ${fmtShape(shape)}`,
    );
}

export function checkProbability(op: string, what: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new FlintError(`${op}: ${what} must be in [0, 1], got ${p}`);
}
