/** Keras-style training: `Model` (compile/fit/evaluate/predict) and callbacks. */
export { Model } from './model.js';
export type {
  CompileOptions,
  FitOptions,
  History,
  LossFn,
  LossName,
  MetricFn,
  Batches,
} from './model.js';
export type { OptimizerName } from './optimizers.js';
export type { SummaryOptions } from './summary.js';
export { EarlyStopping, ModelCheckpoint } from './callbacks.js';
export type {
  Callback,
  Logs,
  TrainingContext,
  EarlyStoppingOptions,
  ModelCheckpointOptions,
} from './callbacks.js';
