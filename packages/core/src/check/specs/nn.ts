/**
 * Constructor signatures of the `nn` layers, containers and losses. Each constructor calls
 * `checkArgs(NN.<Layer>, arguments)` first. `positional` lists PyTorch's positional order after
 * the required arguments: Flint takes those as options, and says which object to write when it
 * gets `new nn.Conv2d(1, 8, 3, 2)` (stride 2 in PyTorch) instead of guessing.
 */
import { sig, type Sig } from '../args.js';
import { Module } from '../../nn/module.js';
import {
  any,
  arrayOf,
  bool,
  dim,
  func,
  int,
  intList,
  named,
  nonNegInt,
  nonNegative,
  nullable,
  number,
  oneOf,
  optional,
  options,
  or,
  posInt,
  positive,
  probability,
  recordOf,
  type Spec,
  shape,
  tensor,
  instanceOf,
} from '../spec.js';
import { FACTORY, geluApproximate } from './common.js';
import { TransformerEncoderLayer } from '../../nn/attention/transformer.js';
import { TransformerDecoderLayer } from '../../nn/attention/decoder.js';

export const module = instanceOf(() => Module, 'a Module');
/** An int for every spatial dim, or one for all: `3`, `[3, 5]` (ranges are the layer's check). */
export const spatial = named(or(int, intList), 'an integer or an array of integers');
export const reduction = oneOf('none', 'mean', 'sum');
const paddingMode = oneOf('zeros', 'reflect', 'replicate', 'circular');
const nonlinearity = oneOf('tanh', 'relu');

const features = { inFeatures: nonNegInt, outFeatures: nonNegInt };
const channels = { inChannels: nonNegInt, outChannels: nonNegInt, kernelSize: spatial };
const convOptions = options(
  {
    stride: spatial,
    padding: or(spatial, oneOf('same', 'valid')),
    dilation: spatial,
    groups: posInt,
    bias: bool,
    paddingMode,
    ...FACTORY,
  },
  { positional: ['stride', 'padding', 'dilation', 'groups', 'bias', 'paddingMode'] },
);
const batchNorm = {
  numFeatures: nonNegInt,
  options: options(
    {
      eps: positive,
      momentum: nullable(number),
      affine: bool,
      trackRunningStats: bool,
      ...FACTORY,
    },
    { positional: ['eps', 'momentum', 'affine', 'trackRunningStats'] },
  ),
};
const rnnFields = {
  numLayers: int,
  bias: bool,
  batchFirst: bool,
  // Kinds only: the layer checks the ranges and says what they are.
  dropout: number,
  bidirectional: bool,
  ...FACTORY,
};
// torch.nn.RNN(input_size, hidden_size, num_layers, nonlinearity, bias, batch_first, dropout, …)
const rnnOrder = ['numLayers', 'bias', 'batchFirst', 'dropout', 'bidirectional'];
const sizes = { inputSize: nonNegInt, hiddenSize: nonNegInt };
const cellOptions = options({ bias: bool, ...FACTORY }, { positional: ['bias'] });
const loss = (fields: Record<string, Spec>, positional?: string[]) =>
  options({ reduction, ...fields }, { positional });
const classWeights = { weight: tensor, ignoreIndex: int };

/** Options of the Transformer encoder and decoder layers (torch's positional order). */
const transformerLayerOptions = options(
  {
    dimFeedforward: posInt,
    dropout: probability,
    activation: or(oneOf('relu', 'gelu'), func),
    layerNormEps: positive,
    batchFirst: bool,
    normFirst: bool,
    bias: bool,
    ...FACTORY,
  },
  {
    positional: [
      'dimFeedforward',
      'dropout',
      'activation',
      'layerNormEps',
      'batchFirst',
      'normFirst',
      'bias',
    ],
  },
);

const instanceNorm = {
  numFeatures: nonNegInt,
  options: options(
    { eps: positive, momentum: number, affine: bool, trackRunningStats: bool, ...FACTORY },
    { positional: ['eps', 'momentum', 'affine', 'trackRunningStats'] },
  ),
};
/** Upsample's size or scale factor: one for every spatial dim, or one per dim. */
const resize = {
  size: or(posInt, arrayOf(posInt, 'an array of sizes')),
  scaleFactor: or(positive, arrayOf(positive, 'an array of scale factors')),
};

export const NN = {
  Linear: sig('nn.Linear', {
    ...features,
    options: options({ bias: bool, ...FACTORY }, { positional: ['bias'] }),
  }),
  // torch.nn.Identity ignores any arguments, and so does Flint's.
  Identity: sig('nn.Identity', {}, { rest: any }),
  Flatten: sig('nn.Flatten', { startDim: optional(dim), endDim: optional(dim) }),
  Dropout: sig('nn.Dropout', { p: optional(probability) }),
  Dropout1d: sig('nn.Dropout1d', { p: optional(probability) }),
  Dropout2d: sig('nn.Dropout2d', { p: optional(probability) }),
  Embedding: sig('nn.Embedding', {
    numEmbeddings: nonNegInt,
    embeddingDim: nonNegInt,
    options: options({ paddingIdx: nullable(int), ...FACTORY }, { positional: ['paddingIdx'] }),
  }),
  Conv1d: sig('nn.Conv1d', { ...channels, options: convOptions }),
  Conv2d: sig('nn.Conv2d', { ...channels, options: convOptions }),
  ConvTranspose2d: sig('nn.ConvTranspose2d', {
    ...channels,
    options: options(
      {
        stride: spatial,
        padding: spatial,
        outputPadding: spatial,
        groups: posInt,
        bias: bool,
        dilation: spatial,
        ...FACTORY,
      },
      { positional: ['stride', 'padding', 'outputPadding', 'groups', 'bias', 'dilation'] },
    ),
  }),
  MaxPool2d: sig('nn.MaxPool2d', {
    kernelSize: spatial,
    options: options(
      { stride: nullable(spatial), padding: spatial, dilation: spatial, ceilMode: bool },
      { positional: ['stride', 'padding', 'dilation'] },
    ),
  }),
  AvgPool2d: sig('nn.AvgPool2d', {
    kernelSize: spatial,
    options: options(
      {
        stride: nullable(spatial),
        padding: spatial,
        ceilMode: bool,
        countIncludePad: bool,
        divisorOverride: nullable(posInt),
      },
      { positional: ['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'] },
    ),
  }),
  AdaptiveAvgPool2d: sig('nn.AdaptiveAvgPool2d', {
    outputSize: or(nonNegInt, arrayOf(nullable(nonNegInt), 'an array of sizes (or null)')),
  }),
  MaxPool1d: sig('nn.MaxPool1d', {
    kernelSize: spatial,
    options: options(
      { stride: nullable(spatial), padding: spatial, dilation: spatial, ceilMode: bool },
      { positional: ['stride', 'padding', 'dilation'] },
    ),
  }),
  AvgPool1d: sig('nn.AvgPool1d', {
    kernelSize: spatial,
    options: options(
      { stride: nullable(spatial), padding: spatial, ceilMode: bool, countIncludePad: bool },
      { positional: ['stride', 'padding', 'ceilMode', 'countIncludePad'] },
    ),
  }),
  AdaptiveAvgPool1d: sig('nn.AdaptiveAvgPool1d', { outputSize: posInt }),
  AdaptiveMaxPool1d: sig('nn.AdaptiveMaxPool1d', { outputSize: posInt }),
  AdaptiveMaxPool2d: sig('nn.AdaptiveMaxPool2d', {
    outputSize: or(posInt, arrayOf(nullable(posInt), 'an array of sizes (or null)')),
  }),
  InstanceNorm1d: sig('nn.InstanceNorm1d', instanceNorm),
  InstanceNorm2d: sig('nn.InstanceNorm2d', instanceNorm),
  RMSNorm: sig('nn.RMSNorm', {
    normalizedShape: or(nonNegInt, shape),
    options: options(
      { eps: nullable(positive), elementwiseAffine: bool, ...FACTORY },
      { positional: ['eps', 'elementwiseAffine'] },
    ),
  }),
  Upsample: sig('nn.Upsample', {
    options: options({
      size: resize.size,
      scaleFactor: resize.scaleFactor,
      mode: oneOf('nearest', 'nearest-exact', 'linear', 'bilinear'),
      alignCorners: bool,
      recomputeScaleFactor: bool,
    }),
  }),
  UpsamplingNearest2d: sig('nn.UpsamplingNearest2d', { options: options(resize) }),
  UpsamplingBilinear2d: sig('nn.UpsamplingBilinear2d', { options: options(resize) }),
  BatchNorm1d: sig('nn.BatchNorm1d', batchNorm),
  BatchNorm2d: sig('nn.BatchNorm2d', batchNorm),
  LayerNorm: sig('nn.LayerNorm', {
    normalizedShape: or(nonNegInt, shape),
    options: options(
      { eps: positive, elementwiseAffine: bool, bias: bool, ...FACTORY },
      { positional: ['eps', 'elementwiseAffine', 'bias'] },
    ),
  }),
  GroupNorm: sig('nn.GroupNorm', {
    numGroups: posInt,
    numChannels: nonNegInt,
    options: options(
      { eps: positive, affine: bool, ...FACTORY },
      { positional: ['eps', 'affine'] },
    ),
  }),
  ReLU: sig('nn.ReLU', {}),
  LeakyReLU: sig('nn.LeakyReLU', { negativeSlope: optional(number) }),
  GELU: sig('nn.GELU', { approximate: optional(geluApproximate) }),
  SiLU: sig('nn.SiLU', {}),
  Sigmoid: sig('nn.Sigmoid', {}),
  Tanh: sig('nn.Tanh', {}),
  Softmax: sig('nn.Softmax', { dim }),
  LogSoftmax: sig('nn.LogSoftmax', { dim }),
  ELU: sig('nn.ELU', { alpha: optional(number) }),
  SELU: sig('nn.SELU', {}),
  CELU: sig('nn.CELU', { alpha: optional(number) }),
  Softplus: sig('nn.Softplus', { beta: optional(number), threshold: optional(number) }),
  Mish: sig('nn.Mish', {}),
  Softsign: sig('nn.Softsign', {}),
  LogSigmoid: sig('nn.LogSigmoid', {}),
  Tanhshrink: sig('nn.Tanhshrink', {}),
  Softmin: sig('nn.Softmin', { dim }),
  GLU: sig('nn.GLU', { dim: optional(dim) }),
  Hardtanh: sig('nn.Hardtanh', { minVal: optional(number), maxVal: optional(number) }),
  ReLU6: sig('nn.ReLU6', {}),
  RReLU: sig('nn.RReLU', { lower: optional(number), upper: optional(number) }),
  Softmax2d: sig('nn.Softmax2d', {}),
  Hardsigmoid: sig('nn.Hardsigmoid', {}),
  Hardswish: sig('nn.Hardswish', {}),
  Hardshrink: sig('nn.Hardshrink', { lambd: optional(number) }),
  Softshrink: sig('nn.Softshrink', { lambd: optional(number) }),
  Threshold: sig('nn.Threshold', { threshold: number, value: number }),
  PReLU: sig('nn.PReLU', {
    numParameters: optional(posInt),
    options: options({ init: number, ...FACTORY }, { positional: ['init'] }),
  }),
  Sequential: sig(
    'nn.Sequential',
    {},
    { rest: or(module, recordOf(module, 'an object of Modules')) },
  ),
  ModuleList: sig('nn.ModuleList', {
    modules: optional(or(arrayOf(module, 'an array of Modules'), iterable())),
  }),
  ModuleDict: sig('nn.ModuleDict', { modules: optional(recordOf(module, 'an object of Modules')) }),
  RNN: sig('nn.RNN', {
    ...sizes,
    options: options(
      { ...rnnFields, nonlinearity },
      { positional: ['numLayers', 'nonlinearity', ...rnnOrder.slice(1)] },
    ),
  }),
  LSTM: sig('nn.LSTM', { ...sizes, options: options(rnnFields, { positional: rnnOrder }) }),
  GRU: sig('nn.GRU', { ...sizes, options: options(rnnFields, { positional: rnnOrder }) }),
  RNNCell: sig('nn.RNNCell', {
    ...sizes,
    options: options(
      { bias: bool, nonlinearity, ...FACTORY },
      { positional: ['bias', 'nonlinearity'] },
    ),
  }),
  LSTMCell: sig('nn.LSTMCell', { ...sizes, options: cellOptions }),
  GRUCell: sig('nn.GRUCell', { ...sizes, options: cellOptions }),
  MultiheadAttention: sig('nn.MultiheadAttention', {
    embedDim: posInt,
    numHeads: posInt,
    options: options(
      { bias: bool, batchFirst: bool, dropout: probability, ...FACTORY },
      { positional: ['dropout', 'bias'] },
    ),
  }),
  TransformerEncoderLayer: sig('nn.TransformerEncoderLayer', {
    dModel: posInt,
    nhead: posInt,
    options: options(
      {
        dimFeedforward: posInt,
        dropout: probability,
        activation: or(oneOf('relu', 'gelu'), func),
        layerNormEps: positive,
        batchFirst: bool,
        normFirst: bool,
        bias: bool,
        ...FACTORY,
      },
      {
        positional: [
          'dimFeedforward',
          'dropout',
          'activation',
          'layerNormEps',
          'batchFirst',
          'normFirst',
          'bias',
        ],
      },
    ),
  }),
  TransformerDecoderLayer: sig('nn.TransformerDecoderLayer', {
    dModel: posInt,
    nhead: posInt,
    options: transformerLayerOptions,
  }),
  TransformerEncoder: sig('nn.TransformerEncoder', {
    encoderLayer: instanceOf(() => TransformerEncoderLayer, 'a TransformerEncoderLayer'),
    numLayers: nonNegInt,
    options: options(
      { norm: nullable(module), enableNestedTensor: bool, maskCheck: bool },
      { positional: ['norm', 'enableNestedTensor', 'maskCheck'] },
    ),
  }),
  TransformerDecoder: sig('nn.TransformerDecoder', {
    decoderLayer: instanceOf(() => TransformerDecoderLayer, 'a TransformerDecoderLayer'),
    numLayers: nonNegInt,
    options: options({ norm: nullable(module) }, { positional: ['norm'] }),
  }),
  Transformer: sig('nn.Transformer', {
    options: options(
      {
        dModel: posInt,
        nhead: posInt,
        numEncoderLayers: nonNegInt,
        numDecoderLayers: nonNegInt,
        dimFeedforward: posInt,
        dropout: probability,
        activation: or(oneOf('relu', 'gelu'), func),
        customEncoder: nullable(module),
        customDecoder: nullable(module),
        layerNormEps: positive,
        batchFirst: bool,
        normFirst: bool,
        bias: bool,
        ...FACTORY,
      },
      {
        positional: [
          'dModel',
          'nhead',
          'numEncoderLayers',
          'numDecoderLayers',
          'dimFeedforward',
          'dropout',
          'activation',
          'customEncoder',
          'customDecoder',
          'layerNormEps',
          'batchFirst',
          'normFirst',
        ],
      },
    ),
  }),
  generateSquareSubsequentMask: sig('nn.Transformer.generateSquareSubsequentMask', {
    n: nonNegInt,
    options: options(FACTORY),
  }),
  MSELoss: sig('nn.MSELoss', { options: loss({}) }),
  L1Loss: sig('nn.L1Loss', { options: loss({}) }),
  SmoothL1Loss: sig('nn.SmoothL1Loss', { options: loss({ beta: nonNegative }) }),
  HuberLoss: sig('nn.HuberLoss', { options: loss({ delta: positive }) }),
  CrossEntropyLoss: sig('nn.CrossEntropyLoss', {
    options: loss({ ...classWeights, labelSmoothing: probability }, ['weight']),
  }),
  NLLLoss: sig('nn.NLLLoss', { options: loss(classWeights, ['weight']) }),
  BCELoss: sig('nn.BCELoss', { options: loss({ weight: tensor }, ['weight']) }),
  BCEWithLogitsLoss: sig('nn.BCEWithLogitsLoss', {
    options: loss({ weight: tensor, posWeight: tensor }, ['weight']),
  }),
  KLDivLoss: sig('nn.KLDivLoss', {
    options: options({ reduction: oneOf('none', 'mean', 'sum', 'batchmean'), logTarget: bool }),
  }),
} satisfies Record<string, Sig>;

/** Any iterable but a string (ModuleList takes a Set or a generator too). */
function iterable(): Spec {
  return {
    kind: 'iterable',
    what: 'an iterable of Modules',
    test: (v) =>
      typeof v === 'object' &&
      v !== null &&
      typeof (v as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function',
  };
}
