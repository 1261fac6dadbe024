/** Regression losses: mean squared error, L1, smooth L1 and Huber. */
import { FlintError } from '../../errors.js';
import { tidy } from '../../scope.js';
import type { Tensor } from '../../tensor.js';
import { where } from '../../ops/elementwise.js';
import { noGrad } from '../../autograd/mode.js';
import { record } from '../../autograd/record.js';
import type { GradRule } from '../../autograd/node.js';
import { type Reduction, checkFloat, checkReduction, checkSameShape, reduce } from './checks.js';

export interface LossOptions {
  /** 'mean' (default) averages over every element, 'sum' adds them, 'none' keeps the input's shape. */
  reduction?: Reduction;
}
export interface SmoothL1Options extends LossOptions {
  /** Where the loss switches from quadratic to linear (default 1; 0 gives the L1 loss). */
  beta?: number;
}
export interface HuberOptions extends LossOptions {
  /** Where the loss switches from quadratic to linear (default 1, must be positive). */
  delta?: number;
}

/** Checks shared by the element-wise losses; returns input − target. */
function difference(op: string, input: Tensor, target: Tensor, reduction: string): Tensor {
  checkReduction(op, reduction);
  checkFloat(op, 'input', input);
  checkFloat(op, 'target', target);
  checkSameShape(op, input, target);
  return input.sub(target);
}

/**
 * torch's β = 0 smooth-L1 gradient. Its backward tests x ≤ −β first, with x = input − target for
 * the input and x = target − input for the target, so at input = target both gradients are −1
 * (autograd of |d| would give 0 and 0).
 */
const l1Rule: GradRule<never> = {
  saves: [0, 1],
  grad: (g, c) => {
    const d = c.inputs[0]!.sub(c.inputs[1]!);
    return [
      c.needs[0] ? where(d.le(0), g.neg(), g) : null,
      c.needs[1] ? where(d.ge(0), g.neg(), g) : null,
    ];
  },
};

/** |input − target| with l1Rule's gradient. */
function absDifference(op: string, input: Tensor, target: Tensor, reduction: string): Tensor {
  const out = noGrad(() => tidy(() => difference(op, input, target, reduction).abs()));
  record(op, l1Rule, [input, target], out, undefined);
  return out;
}

/** @internal Named entry points: modules pass their class name for error messages. */
export function mseLossAs(
  op: string,
  input: Tensor,
  target: Tensor,
  opts: LossOptions = {},
): Tensor {
  const r = opts.reduction ?? 'mean';
  return tidy(() => reduce(difference(op, input, target, r).square(), r));
}

export function l1LossAs(
  op: string,
  input: Tensor,
  target: Tensor,
  opts: LossOptions = {},
): Tensor {
  const r = opts.reduction ?? 'mean';
  return tidy(() => reduce(difference(op, input, target, r).abs(), r));
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
  return tidy(() => {
    if (beta === 0) return reduce(absDifference(op, input, target, r), r);
    const a = difference(op, input, target, r).abs();
    return reduce(where(a.lt(beta), a.square().mul(0.5 / beta), a.sub(0.5 * beta)), r);
  });
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
  return tidy(() => {
    const a = difference(op, input, target, r).abs();
    return reduce(where(a.lt(delta), a.square().mul(0.5), a.sub(0.5 * delta).mul(delta)), r);
  });
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
