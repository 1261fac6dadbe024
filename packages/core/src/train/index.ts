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
export { EarlyStopping, ModelCheckpoint } from './callbacks.js';
export type {
  Callback,
  Logs,
  TrainingContext,
  EarlyStoppingOptions,
  ModelCheckpointOptions,
} from './callbacks.js';
