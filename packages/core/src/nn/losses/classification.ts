/**
 * Multi-class losses: negative log-likelihood and cross-entropy, with torch's conventions. The
 * class dimension is 1 (0 for an unbatched [C] input); class-index targets are int32 with the
 * input's shape minus that dimension; the 'mean' of a weighted loss divides by the total weight of
 * the non-ignored targets, not by their count. Unweighted, unsmoothed cross-entropy of [N, C]
 * logits runs the backend's fused per-row `crossEntropy` when there is one.
 */
import { isFloat } from '../../dtype.js';
import { DTypeError, ShapeError, fmtShape } from '../../errors.js';
import { shapesEqual } from '../../shape.js';
import { noGrad } from '../../autograd/mode.js';
import { checkOnDevice, deferred } from '../../ops/checks.js';
import { gatherInRange } from '../../ops/indexing.js';
import { tidy } from '../../scope.js';
import type { Tensor } from '../../tensor.js';
import { where } from '../../ops/elementwise.js';
import { exec, execOverride } from '../../ops/dispatch.js';
import { overridesEnabled } from '../../ops/reduce.js';
import type { GradCtx, GradRule } from '../../autograd/node.js';
import {
  checkClassWeight,
  checkFloat,
  checkProbability,
  checkReduction,
  checkSameShape,
} from './checks.js';
import type { LossOptions } from './regression.js';

/** Options of `NLLLoss` and `F.nllLoss`. */
export interface NLLLossOptions extends LossOptions {
  /** Per-class rescaling weight, shape [C]. */
  weight?: Tensor;
  /** Targets equal to this class index contribute nothing (default −100). */
  ignoreIndex?: number;
}
/** Options of `CrossEntropyLoss` and `F.crossEntropy`. */
export interface CrossEntropyOptions extends NLLLossOptions {
  /** Mix the targets with the uniform distribution: (1 − ε)·target + ε/C (default 0). */
  labelSmoothing?: number;
}

function classDim(op: string, input: Tensor): number {
  if (input.ndim === 0)
    throw new ShapeError(
      `${op}: input must have a class dimension (shape [C], [N, C] or [N, C, d1, ...]), got a scalar`,
    );
  return input.ndim === 1 ? 0 : 1;
}

/** A class-index target is int32 with the input's shape minus the class dimension. */
function checkIndexTargetShape(op: string, input: Tensor, target: Tensor, cd: number): void {
  if (target.dtype !== 'int32')
    throw new DTypeError(
      `${op}: class-index target must be int32, got ${target.dtype}` +
        (target.dtype === 'bool'
          ? ''
          : ` (class-probability targets must be float with the input's shape ${fmtShape(input.shape)})`),
    );
  const expected = input.shape.filter((_, i) => i !== cd);
  if (!shapesEqual(expected, target.shape))
    throw new ShapeError(
      `${op}: expected target of shape ${fmtShape(expected)} for input ${fmtShape(input.shape)} (the input without its class dimension ${cd}), got ${fmtShape(target.shape)}`,
    );
}

/**
 * A float target holds class probabilities, with the input's shape. One shaped like class
 * indices (the input without its class dim) is the common slip of float labels: say how to fix it.
 */
function checkFloatTarget(op: string, input: Tensor, target: Tensor, cd: number): void {
  if (shapesEqual(input.shape, target.shape)) return;
  const indexShape = input.shape.filter((_, i) => i !== cd);
  if (shapesEqual(indexShape, target.shape))
    throw new DTypeError(
      `${op}: target ${fmtShape(target.shape)} ${target.dtype} looks like class indices, which must be int32: convert the labels with target.int() (or create them with { dtype: 'int32' }); a float target holds class probabilities and has the input's shape ${fmtShape(input.shape)}`,
    );
  checkSameShape(op, input, target);
}

/**
 * Shape, dtype and range of a class-index target. The range check reads two values back (whether
 * any target is bad, and the first bad one), at once or at the device's next read (ops/checks.ts).
 */
function checkIndexTarget(
  op: string,
  input: Tensor,
  target: Tensor,
  cd: number,
  ignore: number,
): void {
  checkIndexTargetShape(op, input, target, cd);
  const classes = input.shape[cd]!;
  if (target.size === 0) return;
  checkOnDevice(
    target,
    () => {
      const bad = target.lt(0).logicalOr(target.ge(classes)).logicalAnd(target.ne(ignore));
      const first = bad.reshape([-1]).to('int32').argmax().reshape([1]);
      return [bad.any(), gatherInRange(target.reshape([-1]), 0, first)];
    },
    ([anyBad, bad]) =>
      anyBad
        ? new ShapeError(
            `${op}: target ${bad} is out of bounds for ${classes} classes (valid: 0 to ${classes - 1}, or ignoreIndex ${ignore})`,
          )
        : undefined,
  );
}

/** Targets outside [0, classes) replaced by ignoreIndex, while their deferred check is pending. */
function guardTarget(target: Tensor, classes: number, ignore: number): Tensor {
  return noGrad(() => where(target.ge(0).logicalAnd(target.lt(classes)), target, ignore));
}

/** Shape that lines a [C] vector up with the class dim of the input. */
function classShape(input: Tensor, cd: number): number[] {
  return input.shape.map((d, i) => (i === cd ? d : 1));
}

interface Picked {
  /** −w[y]·logp[y] per target, 0 where ignored. */
  nll: Tensor;
  /** w[y] per target (1 without weights), 0 where ignored. */
  w: Tensor;
  keep: Tensor;
}

function pick(
  logp: Tensor,
  target: Tensor,
  cd: number,
  ignore: number,
  weight: Tensor | undefined,
): Picked {
  const keep = target.ne(ignore);
  const safe = where(keep, target, 0).to('int32');
  const lp = logp.gather(cd, safe.unsqueeze(cd)).squeeze(cd);
  const perClass = weight ? weight.indexSelect(0, safe.flatten()).reshape(target.shape) : null;
  const w = perClass ? where(keep, perClass, 0) : keep.to(logp.dtype);
  // where, not a multiply by 0: an ignored row may hold −inf log-probabilities.
  const nll = where(keep, (perClass ? lp.mul(perClass) : lp).neg(), 0);
  return { nll, w, keep };
}

function reduceWeighted(nll: Tensor, w: Tensor, reduction: string): Tensor {
  if (reduction === 'none') return nll;
  if (reduction === 'sum') return nll.sum();
  return nll.sum().div(w.sum());
}

/**
 * torch accumulates a reduced (or unbatched, [C]-input) NLL into a +0 total, so a zero loss there
 * is +0, never the −0 of −log p = −0: adding +0 turns −0 into +0 and changes nothing else.
 */
function accumulated(loss: Tensor, input: Tensor, reduction: string): Tensor {
  return reduction !== 'none' || input.ndim === 1 ? loss.add(0) : loss;
}

/** @internal */
export function nllLossAs(
  op: string,
  input: Tensor,
  target: Tensor,
  opts: NLLLossOptions = {},
): Tensor {
  const reduction = opts.reduction ?? 'mean';
  const ignore = opts.ignoreIndex ?? -100;
  checkReduction(op, reduction);
  checkFloat(op, 'input', input);
  const cd = classDim(op, input);
  checkClassWeight(op, opts.weight, input.shape[cd]!);
  checkIndexTarget(op, input, target, cd, ignore);
  return tidy(() => {
    const { nll, w } = pick(input, target, cd, ignore, opts.weight?.to(input.dtype));
    return accumulated(reduceWeighted(nll, w, reduction), input, reduction);
  });
}

/** @internal */
export function crossEntropyAs(
  op: string,
  input: Tensor,
  target: Tensor,
  opts: CrossEntropyOptions = {},
): Tensor {
  const reduction = opts.reduction ?? 'mean';
  const eps = opts.labelSmoothing ?? 0;
  checkReduction(op, reduction);
  checkFloat(op, 'input', input);
  checkProbability(op, 'labelSmoothing', eps);
  const cd = classDim(op, input);
  checkClassWeight(op, opts.weight, input.shape[cd]!);
  if (isFloat(target.dtype)) {
    checkFloatTarget(op, input, target, cd);
    return tidy(() =>
      probabilityTargets(input, target, cd, eps, reduction, opts.weight?.to(input.dtype)),
    );
  }
  const ignore = opts.ignoreIndex ?? -100;
  // The fused kernel validates every target itself, so the (several-kernel, host-syncing)
  // range check runs only when it fails — to throw the same ShapeError as the composite path.
  // Deferred (no synchronous read-back): checked once up front, and the fused kernel gets a
  // target whose bad entries are ignored rows, so it never indexes with them.
  const later = deferred(target);
  if (later) checkIndexTarget(op, input, target, cd, ignore);
  if (eps === 0 && !opts.weight) {
    checkIndexTargetShape(op, input, target, cd);
    const out = tidy(() => {
      const t = later ? guardTarget(target, input.shape[cd]!, ignore) : target;
      let rows: Tensor | null;
      try {
        rows = fusedCrossEntropy(input, t, ignore);
      } catch (e) {
        if (!later) checkIndexTarget(op, input, target, cd, ignore);
        throw e;
      }
      return rows ? accumulated(reduceRows(rows, t, ignore, reduction), input, reduction) : null;
    });
    if (out) return out;
  }
  if (!later) checkIndexTarget(op, input, target, cd, ignore);
  return tidy(() => {
    const weight = opts.weight?.to(input.dtype);
    // An ignored row's logits do not enter the loss, so their gradient is exactly 0, as on the
    // fused path: zeroed here, a NaN in them cannot reach logSoftmax's backward (0·NaN). torch
    // gives NaN there; see docs/guide/losses.md.
    const rows = where(target.ne(ignore).unsqueeze(cd), input, 0);
    const logp = rows.logSoftmax(cd);
    const { nll, w, keep } = pick(logp, target, cd, ignore, weight);
    const base = accumulated(reduceWeighted(nll, w, reduction), input, reduction);
    if (eps === 0) return base;
    // Smoothing adds ε/C times the (weighted) sum of −log p over all classes, reduced like torch.
    const all = (weight ? logp.mul(weight.reshape(classShape(input, cd))) : logp).sum(cd).neg();
    const smooth = where(keep, all, 0);
    const s =
      reduction === 'none'
        ? smooth
        : reduction === 'sum'
          ? smooth.sum()
          : smooth.sum().div(w.sum());
    return base.mul(1 - eps).add(s.mul(eps / input.shape[cd]!));
  });
}

/**
 * Closed-form gradient of the per-row loss: (softmax(x) − onehot(t))·g, exactly 0 on ignored
 * rows. The one-hot term is a scatter of −g at the targets; all of it is differentiable, so
 * higher-order gradients work.
 */
const crossEntropyRule: GradRule<never> = {
  saves: [0, 1],
  grad: (g, c: GradCtx<{ ignoreIndex: number }>) => {
    const [x, t] = [c.inputs[0]!, c.inputs[1]!];
    const keep = t.ne(c.params.ignoreIndex).unsqueeze(1);
    const safe = where(keep, t.unsqueeze(1), 0).to('int32');
    const gm = where(keep, g.unsqueeze(1), 0);
    const p = x.softmax(1).mul(gm);
    const d = exec('scatterAdd', [p, safe, gm.neg()], [1], p.shape, p.dtype, {
      gradParams: { axis: 1 },
    });
    return [where(keep, d, 0), null];
  },
};

/** Per-row losses [N] from the backend's fused crossEntropy: 2-D float logits only; else null. */
function fusedCrossEntropy(input: Tensor, target: Tensor, ignoreIndex: number): Tensor | null {
  const kernel = overridesEnabled() ? input.storage.backend.overrides?.crossEntropy : undefined;
  if (!kernel || input.ndim !== 2 || target.dtype !== 'int32') return null;
  const out = { shape: [input.shape[0]!], dtype: input.dtype };
  return execOverride(
    'crossEntropy',
    (v) => [kernel(v[0]!, v[1]!, ignoreIndex)],
    crossEntropyRule,
    [input, target],
    [out],
    { ignoreIndex },
  )[0]!;
}

/** torch's reductions of unweighted per-row losses: 'mean' divides by the non-ignored count. */
function reduceRows(rows: Tensor, target: Tensor, ignore: number, reduction: string): Tensor {
  if (reduction === 'none') return rows;
  if (reduction === 'sum') return rows.sum();
  return rows.sum().div(target.ne(ignore).sum().to(rows.dtype));
}

/** Soft targets: −Σ_c w_c·t_c·log p_c; 'mean' divides by the number of samples, unweighted. */
function probabilityTargets(
  input: Tensor,
  target: Tensor,
  cd: number,
  eps: number,
  reduction: string,
  weight?: Tensor,
): Tensor {
  const classes = input.shape[cd]!;
  const t = eps > 0 ? target.mul(1 - eps).add(eps / classes) : target;
  let prod = input.logSoftmax(cd).mul(t);
  if (weight) prod = prod.mul(weight.reshape(classShape(input, cd)));
  if (reduction === 'none') return prod.sum(cd).neg();
  if (reduction === 'sum') return prod.sum().neg();
  return prod
    .sum()
    .neg()
    .div(input.size / classes);
}

/**
 * Negative log-likelihood of log-probabilities (e.g. from `logSoftmax`) at int32 class indices.
 * @example
 * const logp = fl.tensor([[0.2, 0.8], [0.6, 0.4]]).log();
 * F.nllLoss(logp, fl.tensor([1, 0], { dtype: 'int32' })).item(); // −(log 0.8 + log 0.6) / 2
 */
export function nllLoss(input: Tensor, target: Tensor, opts: NLLLossOptions = {}): Tensor {
  return nllLossAs('nllLoss', input, target, opts);
}

/**
 * Cross-entropy of unnormalised logits against int32 class indices, or against class
 * probabilities (a float target of the input's shape). Computed as `logSoftmax` + NLL, which is
 * stable for large logits.
 * @example
 * const logits = fl.tensor([[2, 0, -1], [0.5, 0.5, 3]]);
 * F.crossEntropy(logits, fl.tensor([0, 2], { dtype: 'int32' }), { labelSmoothing: 0.1 });
 */
export function crossEntropy(
  input: Tensor,
  target: Tensor,
  opts: CrossEntropyOptions = {},
): Tensor {
  return crossEntropyAs('crossEntropy', input, target, opts);
}
