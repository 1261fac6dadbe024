/** `fl.metrics` as exported: data/metrics.ts with each function guarded. */
import * as M from '../../data/metrics.js';
import { guard, sig } from '../args.js';
import { posInt, tensor } from '../spec.js';

export * from '../../data/metrics.js';

export const accuracy = guard(
  sig('metrics.accuracy', { input: tensor, targets: tensor }),
  M.accuracy,
);
export const topKAccuracy = guard(
  sig('metrics.topKAccuracy', { logits: tensor, targets: tensor, k: posInt }),
  M.topKAccuracy,
);
export const confusionMatrix = guard(
  sig('metrics.confusionMatrix', { preds: tensor, targets: tensor, numClasses: posInt }),
  M.confusionMatrix,
);
