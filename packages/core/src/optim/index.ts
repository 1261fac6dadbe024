/**
 * `fl.optim`: optimizers (SGD, Adam, AdamW, NAdam, RAdam, RMSprop, Adagrad), learning-rate schedulers and
 * gradient clipping, following torch.optim's formulas and state-dict layout.
 * @example
 * const opt = new fl.optim.Adam(model.parameters(), { lr: 1e-3 });
 * const sched = new fl.optim.StepLR(opt, { stepSize: 10, gamma: 0.5 });
 * for (let epoch = 0; epoch < 30; epoch++) {
 *   fl.tidy(() => {
 *     opt.zeroGrad();
 *     model.forward(x).sub(y).square().mean().backward();
 *     opt.step();
 *   });
 *   sched.step();
 * }
 */
export { Optimizer } from './optimizer.js';
export type { GroupBase, ParamGroup, ParamGroupInit, Params, StateValue } from './optimizer.js';
export { OptimizerError } from './errors.js';
export type { OptimizerStateDict, StateDictOptions, StateDictValue } from './state-dict.js';
export { SGD } from './sgd.js';
export type { SGDOptions, SGDState } from './sgd.js';
export { Adam, AdamW } from './adam.js';
export type { AdamOptions, AdamState } from './adam.js';
export { NAdam, RAdam } from './adam-variants.js';
export type { NAdamOptions, NAdamState, RAdamOptions, RAdamState } from './adam-variants.js';
export { RMSprop } from './rmsprop.js';
export type { RMSpropOptions, RMSpropState } from './rmsprop.js';
export { Adagrad } from './adagrad.js';
export type { AdagradOptions, AdagradState } from './adagrad.js';
// Functions are exported guarded: their arguments are checked against their specs (check/).
export {
  clipGradNorm_,
  clipGradValue_,
  sgdUpdate,
  adamUpdate,
  rmspropUpdate,
  adagradUpdate,
} from '../check/guarded/optim.js';
export type { ClipGradNormOptions } from './clip.js';
export * from './schedulers/index.js';
/** The schedulers again under torch's module name, for `fl.optim.lrScheduler.StepLR`. */
export * as lrScheduler from './schedulers/index.js';
