/** Loss functions: modules (`nn.CrossEntropyLoss`) and functional forms (`F.crossEntropy`). */
export { mseLoss, l1Loss, smoothL1Loss, huberLoss } from './regression.js';
export type { LossOptions, SmoothL1Options, HuberOptions } from './regression.js';
export { nllLoss, crossEntropy } from './classification.js';
export type { NLLLossOptions, CrossEntropyOptions } from './classification.js';
export { binaryCrossEntropy, binaryCrossEntropyWithLogits } from './binary.js';
export type { BCELossOptions, BCEWithLogitsLossOptions } from './binary.js';
export { klDiv } from './divergence.js';
export type { KLDivLossOptions } from './divergence.js';
export type { Reduction } from './checks.js';
export {
  MSELoss,
  L1Loss,
  SmoothL1Loss,
  HuberLoss,
  CrossEntropyLoss,
  NLLLoss,
  BCELoss,
  BCEWithLogitsLoss,
  KLDivLoss,
} from './modules.js';
