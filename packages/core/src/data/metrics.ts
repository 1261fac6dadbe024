/** Classification metrics over logits or predicted class ids, computed on the tensors' device. */
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { tidy } from '../scope.js';
import { noGrad } from '../autograd/mode.js';
import { ones, zeros } from '../ops/creation.js';

function checkTargets(op: string, targets: Tensor): void {
  if (targets.dtype !== 'int32')
    throw new DTypeError(`${op}: targets must be int32 class ids, got ${targets.dtype}`);
}

/** Class ids from logits [..., C] (argmax of the last dim) or ids shaped like targets. */
function predictions(op: string, x: Tensor, targets: Tensor): Tensor {
  const same = (a: readonly number[], b: readonly number[]) =>
    a.length === b.length && a.every((d, i) => d === b[i]);
  if (x.ndim === targets.ndim + 1 && same(x.shape.slice(0, -1), targets.shape))
    // argmax rejects empty inputs, so an empty batch predicts nothing directly
    return targets.size === 0
      ? zeros(targets.shape, { dtype: 'int32', device: x.device })
      : x.argmax(-1);
  if (same(x.shape, targets.shape)) {
    if (x.dtype !== 'int32')
      throw new DTypeError(
        `${op}: predictions shaped like the targets must be int32 class ids, got ${x.dtype}`,
      );
    return x;
  }
  throw new ShapeError(
    `${op}: expected logits [..., C] with leading shape ${fmtShape(targets.shape)} or predictions of that shape, got ${fmtShape(x.shape)}`,
  );
}

/**
 * Fraction of correct predictions, from logits [N, C] (argmax) or class ids [N]. NaN for no samples.
 * @example
 * fl.metrics.accuracy(fl.tensor([[0.1, 0.9], [0.8, 0.2]]), fl.tensor([1, 1], { dtype: 'int32' })); // 0.5
 */
export function accuracy(logitsOrPreds: Tensor, targets: Tensor): number {
  checkTargets('accuracy', targets);
  return noGrad(() =>
    tidy(() => {
      const p = predictions('accuracy', logitsOrPreds, targets);
      return targets.size === 0 ? NaN : p.eq(targets).to('float64').mean().item();
    }),
  );
}

/**
 * Fraction of samples whose target is among the k highest logits. Ties count in the target's
 * favour: a sample is correct when fewer than k classes score strictly higher than the target.
 * @example
 * fl.metrics.topKAccuracy(logits, labels, 5);
 */
export function topKAccuracy(logits: Tensor, targets: Tensor, k: number): number {
  checkTargets('topKAccuracy', targets);
  if (logits.ndim !== 2 || targets.ndim !== 1 || logits.shape[0] !== targets.shape[0])
    throw new ShapeError(
      `topKAccuracy: expected logits [N, C] and targets [N], got ${fmtShape(logits.shape)} and ${fmtShape(targets.shape)}`,
    );
  const c = logits.shape[1]!;
  if (!Number.isInteger(k) || k < 1 || k > c)
    throw new ShapeError(
      `topKAccuracy: k must be an integer from 1 to ${c} (the number of classes), got ${k}`,
    );
  if (targets.size === 0) return NaN;
  return noGrad(() =>
    tidy(() => {
      const target = logits.gather(1, targets.unsqueeze(1));
      const higher = logits.gt(target).to('int32').sum(1);
      return higher.lt(k).to('float64').mean().item();
    }),
  );
}

/**
 * Counts of (true class, predicted class) pairs: int32 [C, C], rows are the true class.
 * Accepts logits [N, C] (argmax) or class ids [N]; ids outside [0, C) throw ShapeError.
 * @example
 * fl.metrics.confusionMatrix(fl.tensor([0, 1, 1], { dtype: 'int32' }), fl.tensor([0, 0, 1], { dtype: 'int32' }), 2);
 * // [[1, 1], [0, 1]]
 */
export function confusionMatrix(preds: Tensor, targets: Tensor, numClasses: number): Tensor {
  checkTargets('confusionMatrix', targets);
  if (!Number.isInteger(numClasses) || numClasses < 1)
    throw new ShapeError(
      `confusionMatrix: numClasses must be a positive integer, got ${numClasses}`,
    );
  const c = numClasses;
  return noGrad(() =>
    tidy(() => {
      const p = predictions('confusionMatrix', preds, targets).flatten();
      const t = targets.flatten();
      if (t.size === 0) return zeros([c, c], { dtype: 'int32', device: t.device });
      {
        const lo = Math.min(p.amin().item(), t.amin().item());
        const hi = Math.max(p.amax().item(), t.amax().item());
        if (lo < 0 || hi >= c)
          throw new ShapeError(
            `confusionMatrix: class id ${lo < 0 ? lo : hi} is outside [0, ${c}) for numClasses ${c}`,
          );
      }
      const cell = t.mul(c).add(p);
      const counts = zeros([c * c], { dtype: 'int32', device: t.device }).scatterAdd(
        0,
        cell,
        ones([t.size], { dtype: 'int32', device: t.device }),
      );
      return counts.reshape([c, c]);
    }),
  );
}
