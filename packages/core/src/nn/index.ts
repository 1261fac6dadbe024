/**
 * `fl.nn`: modules, layers, containers, initialisers and the functional forms (`nn.functional`,
 * alias `nn.F`), named as in torch.nn.
 * @example
 * import * as fl from '@flint/core';
 * const { nn } = fl;
 * const model = new nn.Sequential(new nn.Conv2d(1, 32, 3), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(5408, 10));
 * const logits = model.forward(fl.randn([8, 1, 28, 28]));
 */
export { Module } from './module.js';
// Functions are exported guarded: their arguments are checked against their specs (check/).
export { Parameter, isParameter } from '../check/guarded/nn.js';
export type { LoadOptions, LoadResult } from './module.js';
export { Sequential, ModuleList, ModuleDict } from './containers.js';
export * from './layers/index.js';
export { ReLU, LeakyReLU, GELU, SiLU, Sigmoid, Tanh, Softmax, LogSoftmax } from './activations.js';
export {
  ELU,
  SELU,
  CELU,
  Softplus,
  Mish,
  Softsign,
  LogSigmoid,
  Tanhshrink,
  Softmin,
  Softmax2d,
  GLU,
} from './activations-smooth.js';
export {
  Hardtanh,
  ReLU6,
  Hardsigmoid,
  Hardswish,
  Hardshrink,
  Softshrink,
  Threshold,
  PReLU,
  RReLU,
} from './activations-hard.js';
export type { PReLUOptions } from './activations-hard.js';
export * as init from '../check/guarded/init.js';
export * as functional from '../check/guarded/functional.js';
export * as F from '../check/guarded/functional.js';

// ---- Other families (recurrent, attention, losses) are exported below this line. ----
export { RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell } from './recurrent/index.js';
export type { RNNBaseOptions, RNNOptions, CellOptions, RNNCellOptions } from './recurrent/index.js';
export {
  MultiheadAttention,
  TransformerEncoderLayer,
  TransformerDecoderLayer,
  TransformerEncoder,
  TransformerDecoder,
  Transformer,
} from './attention/index.js';
export type {
  MultiheadAttentionOptions,
  MultiheadAttentionForwardOptions,
  TransformerEncoderLayerOptions,
  TransformerEncoderLayerForwardOptions,
  TransformerActivation,
  TransformerDecoderLayerOptions,
  TransformerDecoderLayerForwardOptions,
  TransformerEncoderOptions,
  TransformerEncoderForwardOptions,
  TransformerDecoderOptions,
  TransformerDecoderForwardOptions,
  TransformerOptions,
  TransformerForwardOptions,
} from './attention/index.js';
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
} from './losses/index.js';
export type {
  Reduction,
  LossOptions,
  SmoothL1Options,
  HuberOptions,
  NLLLossOptions,
  CrossEntropyOptions,
  BCELossOptions,
  BCEWithLogitsLossOptions,
  KLDivLossOptions,
} from './losses/index.js';
export * as utils from '../check/guarded/utils.js';

// Built-in layers print and save under these export names, whatever a minifier calls the classes.
import * as self from './index.js';
import { nameModules } from './names.js';
nameModules(self);
