/** Learning-rate schedulers (torch.optim.lr_scheduler). */
export { LRScheduler } from './scheduler.js';
export type { SchedulableOptimizer } from './scheduler.js';
export {
  StepLR,
  MultiStepLR,
  ConstantLR,
  LinearLR,
  ExponentialLR,
  CosineAnnealingLR,
  LambdaLR,
} from './basic.js';
export type {
  StepLROptions,
  MultiStepLROptions,
  ConstantLROptions,
  LinearLROptions,
  CosineAnnealingLROptions,
  LrLambda,
} from './basic.js';
export { CosineAnnealingWarmRestarts, CyclicLR } from './cyclic.js';
export type {
  CosineAnnealingWarmRestartsOptions,
  CyclicLROptions,
  CyclicScaleFn,
} from './cyclic.js';
export { OneCycleLR } from './one-cycle.js';
export type { OneCycleLROptions } from './one-cycle.js';
export { ReduceLROnPlateau } from './plateau.js';
export type { ReduceLROnPlateauOptions } from './plateau.js';
export { ChainedScheduler, SequentialLR } from './chain.js';
export type { SequentialLROptions } from './chain.js';
