/**
 * More fixture `op`s for INVOKE: amax/amin, clone, losses, linear, pooling, layerNorm — the
 * mirror of scripts/fixtures/torch_ops_nn.py (same args object on both sides).
 */
import * as fl from '@flint/core';
import type { Args, Invoke } from './invoke.js';

type Tensor = fl.Tensor;
const F = fl.nn.functional;
type Reduction = 'mean' | 'sum' | 'none';

const opt = <T>(a: Args, k: string, d: T): T => (a[k] === undefined ? d : (a[k] as T));
const reduction = (a: Args) => ({ reduction: opt<Reduction>(a, 'reduction', 'mean') });

function amaxLike(name: 'amax' | 'amin'): Invoke {
  return ([x], a) =>
    x![name]({ dim: a.dim as number | number[] | undefined, keepdim: opt(a, 'keepdim', false) });
}

type Pair = (input: Tensor, target: Tensor, o: object) => Tensor;
const pairLoss =
  (fn: Pair, extra: (a: Args) => object = () => ({})): Invoke =>
  ([x, t], a) =>
    fn(x!, t!, { ...reduction(a), ...extra(a) });

const pool = (a: Args) => ({
  stride: a.stride as number | number[] | undefined,
  padding: opt<number | number[]>(a, 'padding', 0),
  ceilMode: opt(a, 'ceilMode', false),
});

export const NN_INVOKE: Record<string, Invoke> = {
  amax: amaxLike('amax'),
  amin: amaxLike('amin'),
  clone: ([x]) => x!.clone(),
  mseLoss: pairLoss(F.mseLoss),
  l1Loss: pairLoss(F.l1Loss),
  smoothL1Loss: pairLoss(F.smoothL1Loss, (a) => ({ beta: opt(a, 'beta', 1) })),
  huberLoss: pairLoss(F.huberLoss, (a) => ({ delta: opt(a, 'delta', 1) })),
  binaryCrossEntropy: pairLoss(F.binaryCrossEntropy),
  binaryCrossEntropyWithLogits: pairLoss(F.binaryCrossEntropyWithLogits),
  crossEntropy: pairLoss(F.crossEntropy, (a) => ({
    ignoreIndex: opt(a, 'ignoreIndex', -100),
    labelSmoothing: opt(a, 'labelSmoothing', 0),
  })),
  nllLoss: pairLoss(F.nllLoss, (a) => ({ ignoreIndex: opt(a, 'ignoreIndex', -100) })),
  klDiv: ([x, t], a) =>
    F.klDiv(x!, t!, {
      reduction: opt(a, 'reduction', 'mean'),
      logTarget: opt(a, 'logTarget', false),
    }),
  linear: ([x, w, b]) => F.linear(x!, w!, b ?? null),
  maxPool2d: ([x], a) =>
    F.maxPool2d(x!, a.kernel as number | number[], {
      ...pool(a),
      dilation: opt<number | number[]>(a, 'dilation', 1),
    }),
  avgPool2d: ([x], a) =>
    F.avgPool2d(x!, a.kernel as number | number[], {
      ...pool(a),
      countIncludePad: opt(a, 'countIncludePad', true),
    }),
  adaptiveAvgPool2d: ([x], a) => F.adaptiveAvgPool2d(x!, a.outputSize as number | number[]),
  layerNorm: ([x, w, b], a) =>
    F.layerNorm(x!, a.normalizedShape as number[], w ?? null, b ?? null, opt(a, 'eps', 1e-5)),
};
