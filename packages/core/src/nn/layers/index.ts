/** The layer classes (activations and containers live beside this folder). */
export { Linear, Identity, Flatten, Dropout, Dropout1d, Dropout2d, Embedding } from './basic.js';
export type { LinearOptions, EmbeddingOptions } from './basic.js';
export { Conv1d, Conv2d, ConvTranspose2d } from './conv.js';
export type { ConvLayerOptions, ConvTransposeLayerOptions, PaddingMode } from './conv.js';
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from './pool.js';
export type { MaxPool2dLayerOptions, AvgPool2dLayerOptions } from './pool.js';
export {
  MaxPool1d,
  AvgPool1d,
  AdaptiveAvgPool1d,
  AdaptiveMaxPool1d,
  AdaptiveMaxPool2d,
} from './pool-adaptive.js';
export type { AvgPool1dLayerOptions } from './pool-adaptive.js';
export { BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm } from './norm.js';
export { InstanceNorm1d, InstanceNorm2d, RMSNorm } from './norm-instance.js';
export type { InstanceNormLayerOptions, RMSNormOptions } from './norm-instance.js';
export { Upsample, UpsamplingNearest2d, UpsamplingBilinear2d } from './upsample.js';
export type { UpsampleOptions, UpsamplingOptions } from './upsample.js';
export type { BatchNormLayerOptions, LayerNormOptions, GroupNormOptions } from './norm.js';
export type { FactoryOptions } from './common.js';
