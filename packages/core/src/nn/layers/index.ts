/** The layer classes (activations and containers live beside this folder). */
export { Linear, Identity, Flatten, Dropout, Embedding } from './basic.js';
export type { LinearOptions, EmbeddingOptions } from './basic.js';
export { Conv1d, Conv2d, ConvTranspose2d } from './conv.js';
export type { ConvLayerOptions, ConvTransposeLayerOptions, PaddingMode } from './conv.js';
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from './pool.js';
export type { MaxPool2dLayerOptions, AvgPool2dLayerOptions } from './pool.js';
export { BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm } from './norm.js';
export type { BatchNormLayerOptions, LayerNormOptions, GroupNormOptions } from './norm.js';
export type { FactoryOptions } from './common.js';
