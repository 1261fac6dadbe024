/** Regression losses: mean squared error, L1, smooth L1 and Huber. */
import { isFloat } from '../../dtype.js';
import { DTypeError, FlintError } from '../../errors.js';
import { tidy } from '../../scope.js';
import type { Tensor } from '../../tensor.js';
import { type Reduction, checkFloat, checkReduction, checkSameShape, reduce } from './checks.js';
import { pointwiseLoss } from './pointwise.js';

/** Options shared by every loss. */
export interface LossOptions {
  /** 'mean' (default) averages over every element, 'sum' adds them, 'none' keeps the input's shape. */
  reduction?: Reduction;
}
/** Options of `SmoothL1Loss` and `F.smoothL1Loss`. */
export interface SmoothL1Options extends LossOptions {
  /** Where the loss switches from quadratic to linear (default 1; 0 gives the L1 loss). */
  beta?: number;
}
/** Options of `HuberLoss` and `F.huberLoss`. */
export interface HuberOptions extends LossOptions {
  /** Where the loss switches from quadratic to linear (default 1, must be positive). */
  delta?: number;
}

/** Checks shared by the float element-wise losses. */
function checkPointwise(op: string, input: Tensor, target: Tensor, reduction: string): void {
  checkReduction(op, reduction);
  checkFloat(op, 'input', input);
  checkFloat(op, 'target', target);
  checkSameShape(op, input, target);
}

/**
 * l1Loss takes int32 too, as torch: 'none' keeps int32, 'sum' sums it (int32 here, int64 in
 * torch); only 'mean' needs a float, as torch's `mean`. bool has no subtraction.
 */
function checkL1(op: string, input: Tensor, target: Tensor, reduction: string): void {
  checkReduction(op, reduction);
  for (const [what, t] of [
    ['input', input],
    ['target', target],
  ] as const)
    if (t.dtype === 'bool')
      throw new DTypeError(`${op}: ${what} must be float32, float64 or int32, got bool`);
  checkSameShape(op, input, target);
  if (reduction === 'mean' && !isFloat(input.dtype) && !isFloat(target.dtype))
    throw new DTypeError(
      `${op}: reduction 'mean' needs a float input or target, got ${input.dtype} and ${target.dtype}; convert with .float() or use reduction 'sum'`,
    );
}

/** @internal Named entry points: modules pass their class name for error messages. */
export function mseLossAs(
  op: string,
  input: Tensor,
  target: Tensor,
  opts: LossOptions = {},
): Tensor {
  const r = opts.reduction ?? 'mean';
  checkPointwise(op, input, target, r);
  return pointwiseLoss(op, { kind: 'mse', k: 0 }, input, target, r);
}

export function l1LossAs(
  op: string,
  input: Tensor,
  target: Tensor,
  opts: LossOptions = {},
): Tensor {
  const r = opts.reduction ?? 'mean';
  checkL1(op, input, target, r);
  return tidy(() => reduce(input.sub(target).abs(), r));
}

export function smoothL1LossAs(
  op: string,
  input: Tensor,
  target: Tensor,
  opts: SmoothL1Options = {},
): Tensor {
  const r = opts.reduction ?? 'mean';
  const beta = opts.beta ?? 1;
  if (!(beta >= 0)) throw new FlintError(`${op}: beta must be non-negative, got ${beta}`);
  checkPointwise(op, input, target, r);
  return pointwiseLoss(op, { kind: 'smoothL1', k: beta }, input, target, r);
}

export function huberLossAs(
  op: string,
  input: Tensor,
  target: Tensor,
  opts: HuberOptions = {},
): Tensor {
  const r = opts.reduction ?? 'mean';
  const delta = opts.delta ?? 1;
  if (!(delta > 0)) throw new FlintError(`${op}: delta must be positive, got ${delta}`);
  checkPointwise(op, input, target, r);
  return pointwiseLoss(op, { kind: 'huber', k: delta }, input, target, r);
}

/**
 * Mean squared error: (input − target)², reduced.
 * @example
 * F.mseLoss(fl.tensor([1, 2]), fl.tensor([1, 4])).item(); // 2
 */
export function mseLoss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  return mseLossAs('mseLoss', input, target, opts);
}

/**
 * Mean absolute error: |input − target|, reduced.
 * @example
 * F.l1Loss(fl.tensor([1, 2]), fl.tensor([1, 4])).item(); // 1
 */
export function l1Loss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  return l1LossAs('l1Loss', input, target, opts);
}

/**
 * 0.5·d²/β where |d| < β, else |d| − 0.5·β (d = input − target).
 * @example
 * F.smoothL1Loss(fl.tensor([0, 3]), fl.tensor([0.5, 0]), { beta: 1 }).item(); // (0.125 + 2.5) / 2
 */
export function smoothL1Loss(input: Tensor, target: Tensor, opts: SmoothL1Options = {}): Tensor {
  return smoothL1LossAs('smoothL1Loss', input, target, opts);
}

/**
 * 0.5·d² where |d| < δ, else δ·(|d| − 0.5·δ): smooth L1 scaled by δ.
 * @example
 * F.huberLoss(fl.tensor([0, 3]), fl.tensor([0.5, 0]), { delta: 2 }).item(); // (0.125 + 4) / 2
 */
export function huberLoss(input: Tensor, target: Tensor, opts: HuberOptions = {}): Tensor {
  return huberLossAs('huberLoss', input, target, opts);
}
