/** Binary cross-entropy on probabilities and on logits (the stable softplus form). */
import { FlintError } from '../../errors.js';
import { noGrad } from '../../autograd/mode.js';
import { record } from '../../autograd/record.js';
import { checkOnDevice } from '../../ops/checks.js';
import type { GradCtx, GradRule } from '../../autograd/node.js';
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

/** Options of `BCELoss` and `F.binaryCrossEntropy`. */
export interface BCELossOptions extends LossOptions {
  /** Rescaling weight of each element, broadcast against the input. */
  weight?: Tensor;
}
/** Options of `BCEWithLogitsLoss` and `F.binaryCrossEntropyWithLogits`. */
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
  // At once, or at the device's next read (ops/checks.ts); outside [0, 1] the loss is only NaN,
  // so nothing needs guarding meanwhile.
  if (input.size > 0)
    checkOnDevice(
      input,
      () => [input.ge(0).logicalAnd(input.le(1)).all()],
      ([ok]) =>
        ok
          ? undefined
          : new FlintError(
              `${op}: every input element must be a probability in [0, 1]; use binaryCrossEntropyWithLogits for logits`,
            ),
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

/**
 * torch's closed-form gradients of the per-element logits loss (x logits, y targets, p the
 * positive weight, 1 without): d/dx = ((p·y + 1 − y)·σ(x) − p·y)·g, d/dy = (−x + (p − 1)·sp(−x))·g
 * with sp(−x) = log(1 + e^(−x)), and d/dp = y·sp(−x)·g. Autograd of the stable forward would
 * differentiate its max/|x| kinks, whose second derivative is 0 at x = 0 where σ′(0) = 1/4.
 */
function bceLogitsGrad(g: Tensor, c: GradCtx<unknown>): (Tensor | null)[] {
  const [x, y, p] = [c.inputs[0]!, c.inputs[1]!, c.inputs[2]];
  const py = p ? p.mul(y) : y;
  const gx = p ? py.add(1).sub(y).mul(x.sigmoid()).sub(py) : x.sigmoid().sub(y);
  const gy = p ? x.neg().add(p.sub(1).mul(softplusNeg(x))) : x.neg();
  const grads = [gx, gy, p ? y.mul(softplusNeg(x)) : null];
  // A float64 target promotes the loss: each gradient goes back in its input's dtype.
  return grads.map((d, i) => (d && c.needs[i] ? d.mul(g).to(c.dtypes[i]!) : null));
}
const bceLogitsRule: GradRule<never> = { saves: [0, 1], grad: bceLogitsGrad };
const bceLogitsPosRule: GradRule<never> = { saves: [0, 1, 2], grad: bceLogitsGrad };

/** (1 − y)·x + (1 + (p − 1)·y)·log(1 + e^(−x)) per element, with bceLogitsRule's gradients. */
function bceLogitsElements(input: Tensor, target: Tensor, posWeight?: Tensor): Tensor {
  // The positive weight broadcasts against the input: expanded, its gradient sums back.
  const p = posWeight?.expand(input.shape);
  const out = noGrad(() =>
    tidy(() => {
      const sp = softplusNeg(input);
      const first = target.neg().add(1).mul(input);
      return first.add(p ? sp.mul(p.sub(1).mul(target).add(1)) : sp);
    }),
  );
  if (p) record('binaryCrossEntropyWithLogits', bceLogitsPosRule, [input, target, p], out, null);
  else record('binaryCrossEntropyWithLogits', bceLogitsRule, [input, target], out, null);
  return out;
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
    let loss = bceLogitsElements(input, target, opts.posWeight);
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
