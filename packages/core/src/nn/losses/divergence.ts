/** Kullback–Leibler divergence, with the input given as log-probabilities (as in torch). */
import { tidy } from '../../scope.js';
import type { Tensor } from '../../tensor.js';
import { where } from '../../ops/elementwise.js';
import { checkFloat, checkReduction, checkSameShape, reduce } from './checks.js';

/** Options of `KLDivLoss` and `F.klDiv`. */
export interface KLDivLossOptions {
  /**
   * 'mean' (default, as in torch) averages over every element; 'batchmean' divides the sum by the
   * batch size, which is the mathematical KL divergence; 'sum'; 'none'.
   */
  reduction?: 'none' | 'mean' | 'sum' | 'batchmean';
  /** The target is given as log-probabilities too (default false). */
  logTarget?: boolean;
}

/** @internal */
export function klDivAs(
  op: string,
  input: Tensor,
  target: Tensor,
  opts: KLDivLossOptions = {},
): Tensor {
  const reduction = opts.reduction ?? 'mean';
  checkReduction(op, reduction, ['none', 'mean', 'sum', 'batchmean']);
  checkFloat(op, 'input', input);
  checkFloat(op, 'target', target);
  checkSameShape(op, input, target);
  return tidy(() => {
    let loss: Tensor;
    if (opts.logTarget) loss = target.exp().mul(target.sub(input));
    else {
      // t·log t is taken as 0 at t = 0; the log reads a safe 1 there so no NaN reaches the gradient.
      const pos = target.gt(0);
      const tlogt = where(pos, target.mul(where(pos, target, 1).log()), 0);
      loss = tlogt.sub(target.mul(input));
    }
    if (reduction === 'batchmean')
      return input.ndim === 0 ? loss.sum() : loss.sum().div(input.shape[0]!);
    return reduce(loss, reduction);
  });
}

/**
 * KL(target ‖ input) point-wise: target·(log target − input), with `input` as log-probabilities.
 * @example
 * const logq = fl.tensor([[0.5, 0.5]]).log();
 * F.klDiv(logq, fl.tensor([[0.9, 0.1]]), { reduction: 'batchmean' }).item(); // ≈ 0.368
 */
export function klDiv(input: Tensor, target: Tensor, opts: KLDivLossOptions = {}): Tensor {
  return klDivAs('klDiv', input, target, opts);
}
