/** Binary cross-entropy on probabilities and on logits (the stable softplus form). */
import { FlintError } from '../../errors.js';
import { noGrad } from '../../autograd/mode.js';
import { record } from '../../autograd/record.js';
import type { GradRule } from '../../autograd/node.js';
import { tidy } from '../../scope.js';
import type { Tensor } from '../../tensor.js';
import { maximum } from '../../ops/elementwise.js';
import {
  checkBroadcastable,
  checkFloat,
  checkReduction,
  checkSameShape,
  reduce,
} from './checks.js';
import type { LossOptions } from './regression.js';

export interface BCELossOptions extends LossOptions {
  /** Rescaling weight of each element, broadcast against the input. */
  weight?: Tensor;
}
export interface BCEWithLogitsLossOptions extends BCELossOptions {
  /** Weight of the positive term, broadcast against the input (shape [C] for C labels). */
  posWeight?: Tensor;
}

function checkBinary(op: string, input: Tensor, target: Tensor, opts: BCELossOptions): string {
  const reduction = opts.reduction ?? 'mean';
  checkReduction(op, reduction);
  checkFloat(op, 'input', input);
  checkFloat(op, 'target', target);
  checkSameShape(op, input, target);
  checkBroadcastable(op, 'weight', opts.weight, input.shape);
  return reduction;
}

/** torch's EPSILON in the BCE backward: the float constant 1e-12, promoted as is for float64. */
const BCE_EPS = Math.fround(1e-12);

/**
 * torch's closed-form BCE gradients rather than those of the clamped logs, which are NaN at
 * p = 0 or 1 (0·∞ where the clamp's untaken side is differentiated): d/dp = (p − y)/max((1 − p)p,
 * ε), finite everywhere, 0 where p = y ∈ {0, 1}; d/dy = log(1 − p) − log p, unclamped (±∞ at
 * p = 0 or 1, as torch). Both are written with ops, so higher-order gradients work.
 */
const bceRule: GradRule<never> = {
  saves: [0, 1],
  grad: (g, c) => {
    const [p, y] = [c.inputs[0]!, c.inputs[1]!];
    const q = p.neg().add(1);
    return [
      c.needs[0] ? g.mul(p.sub(y)).div(maximum(q.mul(p), BCE_EPS)) : null,
      c.needs[1] ? g.mul(q.log().sub(p.log())) : null,
    ];
  },
};

/** Per-element −[y·max(log p, −100) + (1 − y)·max(log(1 − p), −100)] with bceRule's gradient. */
function bceElements(input: Tensor, target: Tensor): Tensor {
  const out = noGrad(() =>
    tidy(() => {
      // torch clamps each log at −100 so that p = 0 or 1 gives a finite loss.
      const logP = maximum(input.log(), -100);
      const logQ = maximum(input.neg().add(1).log(), -100);
      return target.mul(logP).add(target.neg().add(1).mul(logQ)).neg();
    }),
  );
  record('binaryCrossEntropy', bceRule, [input, target], out, undefined);
  return out;
}

/** @internal */
export function binaryCrossEntropyAs(
  op: string,
  input: Tensor,
  target: Tensor,
  opts: BCELossOptions = {},
): Tensor {
  const reduction = checkBinary(op, input, target, opts);
  const inRange =
    input.size === 0 || noGrad(() => tidy(() => input.ge(0).logicalAnd(input.le(1)).all().item()));
  if (!inRange)
    throw new FlintError(
      `${op}: every input element must be a probability in [0, 1]; use binaryCrossEntropyWithLogits for logits`,
    );
  return tidy(() => {
    let loss = bceElements(input, target);
    if (opts.weight) loss = loss.mul(opts.weight);
    return reduce(loss, reduction);
  });
}

/** log(1 + e^(−x)) for any x, without overflow: max(−x, 0) + log1p(e^(−|x|)). */
function softplusNeg(x: Tensor): Tensor {
  return maximum(x.neg(), 0).add(x.abs().neg().exp().log1p());
}

/** @internal */
export function binaryCrossEntropyWithLogitsAs(
  op: string,
  input: Tensor,
  target: Tensor,
  opts: BCEWithLogitsLossOptions = {},
): Tensor {
  const reduction = checkBinary(op, input, target, opts);
  checkBroadcastable(op, 'posWeight', opts.posWeight, input.shape);
  return tidy(() => {
    // −[p·y·log σ(x) + (1 − y)·log(1 − σ(x))] = (1 − y)·x + (1 + (p − 1)·y)·log(1 + e^(−x))
    const logWeight = opts.posWeight ? opts.posWeight.sub(1).mul(target).add(1) : null;
    const sp = softplusNeg(input);
    let loss = target
      .neg()
      .add(1)
      .mul(input)
      .add(logWeight ? sp.mul(logWeight) : sp);
    if (opts.weight) loss = loss.mul(opts.weight);
    return reduce(loss, reduction);
  });
}

/**
 * Binary cross-entropy between probabilities in [0, 1] and targets of the same shape.
 * @example
 * F.binaryCrossEntropy(fl.tensor([0.9, 0.2]), fl.tensor([1, 0])).item(); // −(log 0.9 + log 0.8) / 2
 */
export function binaryCrossEntropy(
  input: Tensor,
  target: Tensor,
  opts: BCELossOptions = {},
): Tensor {
  return binaryCrossEntropyAs('binaryCrossEntropy', input, target, opts);
}

/**
 * Sigmoid + binary cross-entropy in one stable expression (no overflow for large |logits|).
 * @example
 * F.binaryCrossEntropyWithLogits(fl.tensor([3, -2]), fl.tensor([1, 0]), { posWeight: fl.tensor([2, 2]) });
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  opts: BCEWithLogitsLossOptions = {},
): Tensor {
  return binaryCrossEntropyWithLogitsAs('binaryCrossEntropyWithLogits', input, target, opts);
}
