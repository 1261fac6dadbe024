/**
 * `nn.functional` (alias `F`): the stateless forms of the layers, torch.nn.functional in camelCase.
 * Activations are the core ops, re-exported so model code can take everything from one place.
 * @example
 * const { F } = fl.nn;
 * const y = F.relu(F.conv2d(x, w, b, { padding: 1 }));
 */
export { linear, dropout, dropout1d, dropout2d, embedding } from './basic.js';
export type { EmbeddingOptions } from './basic.js';
export { conv1d, conv2d } from './conv.js';
export type { ConvOptions, Conv2dParams } from './conv.js';
export { convTranspose2d } from './convtranspose.js';
export type { ConvTransposeOptions } from './convtranspose.js';
export { maxPool1d, maxPool2d, avgPool1d, avgPool2d, adaptiveAvgPool2d } from './pool.js';
export type {
  MaxPool1dOptions,
  MaxPool2dOptions,
  AvgPool1dOptions,
  AvgPool2dOptions,
} from './pool.js';
export { batchNorm, layerNorm, groupNorm } from './norm.js';
export type { BatchNormOptions } from './norm.js';
export { adaptiveAvgPool1d, adaptiveMaxPool1d, adaptiveMaxPool2d } from './adaptive-pool.js';
export type { AdaptiveMaxPoolOptions } from './adaptive-pool.js';
export { instanceNorm, rmsNorm } from './norm-instance.js';
export type { InstanceNormOptions } from './norm-instance.js';
export { interpolate } from './interpolate.js';
export type { InterpolateMode, InterpolateOptions } from './interpolate.js';
export type { SpatialArg } from './args.js';
export { relu, leakyRelu, elu, gelu, silu, softplus } from '../../ops/activation.js';
export {
  hardtanh,
  relu6,
  hardsigmoid,
  hardswish,
  hardshrink,
  softshrink,
  threshold,
  prelu,
  rrelu,
} from '../../ops/activation-piecewise.js';
export {
  selu,
  celu,
  softsign,
  tanhshrink,
  mish,
  logsigmoid,
  softmin,
  glu,
} from '../../ops/activation-smooth.js';
export { sigmoid, tanh } from '../../ops/elementwise.js';
export { softmax, logSoftmax } from '../../ops/reduce.js';
export { pad } from '../../ops/shape.js';

// ---- Other families' functional forms (losses, attention) are re-exported below this line. ----
export {
  mseLoss,
  l1Loss,
  smoothL1Loss,
  huberLoss,
  nllLoss,
  crossEntropy,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  klDiv,
} from '../losses/index.js';
export { scaledDotProductAttention } from '../attention/sdpa.js';
export type { ScaledDotProductAttentionOptions } from '../attention/sdpa.js';
