/**
 * `nn.functional` (alias `nn.F`) as exported: everything of nn/functional/index.ts (types too),
 * with each function replaced by its guarded form below (a module's own export wins over one it
 * re-exports with `export *`). A function added there without a guard here is exported unguarded,
 * and the test that walks the exports fails until it has one.
 */
import * as F from '../../nn/functional/index.js';
import { guard, sig } from '../args.js';
import {
  bool,
  nonNegInt,
  nullable,
  number,
  oneOf,
  optional,
  options,
  or,
  posInt,
  positive,
  probability,
  shape,
  type Spec,
  tensor,
  int,
  arrayOf,
  nonNegative,
} from '../spec.js';
import { P } from '../specs/common.js';
import { reduction, spatial } from '../specs/nn.js';

export * from '../../nn/functional/index.js';

const input = { input: tensor };
const fn = <G extends (...a: never[]) => unknown>(
  name: string,
  params: Record<string, Spec>,
  f: G,
) => guard(sig(`F.${name}`, params), f);
const unary = <G extends (...a: never[]) => unknown>(
  name: string,
  params: Record<string, Spec>,
  f: G,
) => fn(name, { ...input, ...params }, f);

export const linear = fn('linear', { ...input, weight: tensor, bias: nullable(tensor) }, F.linear);
export const dropout = unary(
  'dropout',
  { p: optional(probability), training: optional(bool) },
  F.dropout,
);
export const dropout1d = unary(
  'dropout1d',
  { p: optional(probability), training: optional(bool) },
  F.dropout1d,
);
export const dropout2d = unary(
  'dropout2d',
  { p: optional(probability), training: optional(bool) },
  F.dropout2d,
);
export const embedding = fn(
  'embedding',
  { input: tensor, weight: tensor, options: options({ paddingIdx: nullable(int) }) },
  F.embedding,
);

const convFields = { stride: spatial, dilation: spatial, groups: posInt };
const conv = { ...input, weight: tensor, bias: nullable(tensor) };
const convOptions = options(
  { ...convFields, padding: or(spatial, oneOf('same', 'valid')) },
  { positional: ['stride', 'padding', 'dilation', 'groups'] },
);
export const conv1d = fn('conv1d', { ...conv, options: convOptions }, F.conv1d);
export const conv2d = fn('conv2d', { ...conv, options: convOptions }, F.conv2d);
export const convTranspose2d = fn(
  'convTranspose2d',
  {
    ...conv,
    options: options(
      { ...convFields, padding: spatial, outputPadding: spatial },
      { positional: ['stride', 'padding', 'outputPadding', 'groups', 'dilation'] },
    ),
  },
  F.convTranspose2d,
);

const window = { stride: nullable(spatial), padding: spatial, ceilMode: bool };
const maxPool = {
  ...input,
  kernelSize: spatial,
  options: options(
    { ...window, dilation: spatial, returnIndices: bool },
    { positional: ['stride', 'padding', 'dilation', 'ceilMode', 'returnIndices'] },
  ),
};
const avgOrder = ['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'];
export const maxPool1d = fn('maxPool1d', maxPool, F.maxPool1d);
export const maxPool2d = fn('maxPool2d', maxPool, F.maxPool2d);
export const avgPool1d = unary(
  'avgPool1d',
  {
    kernelSize: spatial,
    options: options({ ...window, countIncludePad: bool }, { positional: avgOrder }),
  },
  F.avgPool1d,
);
export const avgPool2d = unary(
  'avgPool2d',
  {
    kernelSize: spatial,
    options: options(
      { ...window, countIncludePad: bool, divisorOverride: nullable(posInt) },
      { positional: avgOrder },
    ),
  },
  F.avgPool2d,
);
export const adaptiveAvgPool2d = unary(
  'adaptiveAvgPool2d',
  { outputSize: or(nonNegInt, arrayOf(nullable(nonNegInt), 'an array of sizes (or null)')) },
  F.adaptiveAvgPool2d,
);

const size1d = or(posInt, arrayOf(posInt, 'an array of one size'));
const size2d = or(posInt, arrayOf(nullable(posInt), 'an array of sizes (or null)'));
const maxIndices = options({ returnIndices: bool });
export const adaptiveAvgPool1d = unary(
  'adaptiveAvgPool1d',
  { outputSize: size1d },
  F.adaptiveAvgPool1d,
);
export const adaptiveMaxPool1d = unary(
  'adaptiveMaxPool1d',
  { outputSize: size1d, options: maxIndices },
  F.adaptiveMaxPool1d,
);
export const adaptiveMaxPool2d = unary(
  'adaptiveMaxPool2d',
  { outputSize: size2d, options: maxIndices },
  F.adaptiveMaxPool2d,
);
export const interpolate = unary(
  'interpolate',
  {
    options: options({
      size: or(posInt, arrayOf(posInt, 'an array of sizes')),
      scaleFactor: or(positive, arrayOf(positive, 'an array of scale factors')),
      mode: oneOf('nearest', 'nearest-exact', 'linear', 'bilinear'),
      alignCorners: bool,
      recomputeScaleFactor: bool,
    }),
  },
  F.interpolate,
);

const affine = { weight: nullable(tensor), bias: nullable(tensor), eps: optional(positive) };
export const batchNorm = unary(
  'batchNorm',
  {
    runningMean: nullable(tensor),
    runningVar: nullable(tensor),
    options: options({
      weight: nullable(tensor),
      bias: nullable(tensor),
      training: bool,
      momentum: number,
      eps: positive,
    }),
  },
  F.batchNorm,
);
export const layerNorm = unary(
  'layerNorm',
  { normalizedShape: or(nonNegInt, shape), ...affine },
  F.layerNorm,
);
export const groupNorm = unary('groupNorm', { numGroups: posInt, ...affine }, F.groupNorm);
export const instanceNorm = unary(
  'instanceNorm',
  {
    options: options({
      runningMean: nullable(tensor),
      runningVar: nullable(tensor),
      weight: nullable(tensor),
      bias: nullable(tensor),
      useInputStats: bool,
      momentum: number,
      eps: positive,
    }),
  },
  F.instanceNorm,
);
export const rmsNorm = unary(
  'rmsNorm',
  {
    normalizedShape: or(nonNegInt, shape),
    weight: optional(nullable(tensor)),
    eps: optional(nullable(positive)),
  },
  F.rmsNorm,
);

export const relu = unary('relu', P.none, F.relu);
export const leakyRelu = unary('leakyRelu', P.leakyRelu, F.leakyRelu);
export const elu = unary('elu', P.elu, F.elu);
export const gelu = unary('gelu', P.gelu, F.gelu);
export const silu = unary('silu', P.none, F.silu);
export const softplus = unary('softplus', P.softplus, F.softplus);
export const selu = unary('selu', P.none, F.selu);
export const celu = unary('celu', P.elu, F.celu);
export const softsign = unary('softsign', P.none, F.softsign);
export const mish = unary('mish', P.none, F.mish);
export const logsigmoid = unary('logsigmoid', P.none, F.logsigmoid);
export const tanhshrink = unary('tanhshrink', P.none, F.tanhshrink);
export const hardsigmoid = unary('hardsigmoid', P.none, F.hardsigmoid);
export const hardswish = unary('hardswish', P.none, F.hardswish);
export const hardtanh = unary('hardtanh', P.hardtanh, F.hardtanh);
export const relu6 = unary('relu6', P.none, F.relu6);
export const hardshrink = unary('hardshrink', P.shrink, F.hardshrink);
export const softshrink = unary('softshrink', P.shrink, F.softshrink);
export const threshold = unary('threshold', P.threshold, F.threshold);
export const prelu = unary('prelu', P.prelu, F.prelu);
export const softmin = unary('softmin', P.dimOnly, F.softmin);
export const glu = unary('glu', P.glu, F.glu);
export const rrelu = unary(
  'rrelu',
  { lower: optional(number), upper: optional(number), training: optional(bool) },
  F.rrelu,
);
export const sigmoid = unary('sigmoid', P.none, F.sigmoid);
export const tanh = unary('tanh', P.none, F.tanh);
export const softmax = unary('softmax', P.dimOnly, F.softmax);
export const logSoftmax = unary('logSoftmax', P.dimOnly, F.logSoftmax);
export const pad = unary('pad', P.pad, F.pad);

// ---- losses: (input, target, options); PyTorch's positional weight is the options' weight ----
const loss = <G extends (...a: never[]) => unknown>(
  name: string,
  fields: Record<string, Spec>,
  f: G,
  positional?: string[],
) => fn(name, { ...input, target: tensor, options: options(fields, { positional }) }, f);
const classWeights = { weight: tensor, ignoreIndex: int, reduction };
export const mseLoss = loss('mseLoss', { reduction }, F.mseLoss);
export const l1Loss = loss('l1Loss', { reduction }, F.l1Loss);
export const smoothL1Loss = loss('smoothL1Loss', { reduction, beta: nonNegative }, F.smoothL1Loss);
export const huberLoss = loss('huberLoss', { reduction, delta: positive }, F.huberLoss);
export const nllLoss = loss('nllLoss', classWeights, F.nllLoss, ['weight']);
export const crossEntropy = loss(
  'crossEntropy',
  { ...classWeights, labelSmoothing: probability },
  F.crossEntropy,
  ['weight'],
);
export const binaryCrossEntropy = loss(
  'binaryCrossEntropy',
  { weight: tensor, reduction },
  F.binaryCrossEntropy,
  ['weight'],
);
export const binaryCrossEntropyWithLogits = loss(
  'binaryCrossEntropyWithLogits',
  { weight: tensor, posWeight: tensor, reduction },
  F.binaryCrossEntropyWithLogits,
  ['weight'],
);
export const klDiv = loss(
  'klDiv',
  { reduction: oneOf('none', 'mean', 'sum', 'batchmean'), logTarget: bool },
  F.klDiv,
);
export const scaledDotProductAttention = fn(
  'scaledDotProductAttention',
  {
    query: tensor,
    key: tensor,
    value: tensor,
    options: options(
      {
        attnMask: nullable(tensor),
        dropoutP: probability,
        isCausal: bool,
        scale: nullable(number),
      },
      { positional: ['attnMask', 'dropoutP', 'isCausal', 'scale'] },
    ),
  },
  F.scaledDotProductAttention,
);
