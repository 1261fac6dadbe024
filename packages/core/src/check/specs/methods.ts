/**
 * Method signatures of the classes besides Tensor and Model: nn.Module and the containers, each
 * built-in layer's `forward`, the optimizers and schedulers, the datasets. Each class's module
 * applies its table with `guardMethods` on its last line. A subclass's own override (your
 * `forward`) is not checked: it is a different function.
 */
import { methods } from '../args.js';
import {
  any,
  arrayOf,
  bool,
  device,
  dtype,
  func,
  int,
  intList,
  named,
  nullable,
  number,
  object,
  oneOf,
  optional,
  options,
  or,
  string,
  type Spec,
  tensor,
} from '../spec.js';

/** Duck-typed: this module is imported by nn/module.ts, so it must not import Module back. */
const module: Spec = {
  kind: 'module',
  what: 'a Module',
  test: (v) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { parameters?: unknown }).parameters === 'function' &&
    typeof (v as { namedChildren?: unknown }).namedChildren === 'function',
};
const name = string;

export const MODULE_METHODS = methods('nn.Module', {
  registerParameter: { name, tensor: nullable(tensor) },
  registerBuffer: { name, tensor: nullable(tensor) },
  addModule: { name, module },
  namedChildren: {},
  children: {},
  namedModules: { prefix: optional(string) },
  modules: {},
  namedParameters: { prefix: optional(string) },
  parameters: {},
  namedBuffers: { prefix: optional(string) },
  buffers: {},
  numParameters: {},
  train: { mode: optional(bool) },
  eval: {},
  apply: { fn: func },
  zeroGrad: {},
  dispose: {},
  to: { target: or(dtype, named(device, 'a device name')) },
  stateDict: {},
  // loadStateDict is not here: it checks its whole input first itself (all or nothing), with
  // errors that name the class (Sequential.loadStateDict, SGD.loadStateDict).
  extraRepr: {},
  toString: {},
  registerForwardPreHook: { hook: func },
  registerForwardHook: { hook: func },
  registerFullBackwardHook: { hook: func },
});

export const LIST_METHODS = methods('nn.ModuleList', {
  at: { index: int },
  append: { module },
  extend: { modules: named(or(arrayOf(module), object), 'an iterable of Modules') },
  insert: { index: int, module },
});
export const DICT_METHODS = methods('nn.ModuleDict', {
  get: { key: string },
  set: { key: string, module },
  has: { key: string },
  keys: {},
  values: {},
  entries: {},
});

// ---- forward of the built-in layers ----
const one = { input: tensor };
/** nn.Identity and nn.Sequential pass any input on. */
export const ANY_FORWARD = { input: any };
const pair = named(arrayOf(tensor), 'a pair [h, c] of Tensors');
/** `forward(input)` for each named layer. */
export const forwardOf = (layer: string, params: Record<string, Spec> = one) =>
  methods(`nn.${layer}`, { forward: params });
export const LOSS_FORWARD = { input: tensor, target: tensor };
export const RECURRENT_FORWARD = {
  RNN: { input: tensor, h0: nullable(tensor) },
  GRU: { input: tensor, h0: nullable(tensor) },
  LSTM: { input: tensor, hx: nullable(pair) },
  RNNCell: { input: tensor, hx: nullable(tensor) },
  GRUCell: { input: tensor, hx: nullable(tensor) },
  LSTMCell: { input: tensor, hx: nullable(pair) },
};
const decoderMasks = {
  tgtMask: nullable(tensor),
  memoryMask: nullable(tensor),
  tgtKeyPaddingMask: nullable(tensor),
  memoryKeyPaddingMask: nullable(tensor),
};
export const ATTENTION_FORWARD = {
  MultiheadAttention: {
    query: tensor,
    key: tensor,
    value: tensor,
    options: options({
      keyPaddingMask: nullable(tensor),
      attnMask: nullable(tensor),
      needWeights: bool,
      averageAttnWeights: bool,
    }),
  },
  TransformerEncoderLayer: {
    src: tensor,
    options: options({ srcMask: nullable(tensor), srcKeyPaddingMask: nullable(tensor) }),
  },
  TransformerDecoderLayer: {
    tgt: tensor,
    memory: tensor,
    options: options({ ...decoderMasks, tgtIsCausal: bool }),
  },
  TransformerEncoder: {
    src: tensor,
    options: options({ mask: nullable(tensor), srcKeyPaddingMask: nullable(tensor) }),
  },
  TransformerDecoder: {
    tgt: tensor,
    memory: tensor,
    options: options({ ...decoderMasks, tgtIsCausal: bool }),
  },
  Transformer: {
    src: tensor,
    tgt: tensor,
    options: options({
      ...decoderMasks,
      srcMask: nullable(tensor),
      srcKeyPaddingMask: nullable(tensor),
      tgtIsCausal: bool,
    }),
  },
};

// ---- optimizers and schedulers ----
export const OPTIMIZER_METHODS = methods('Optimizer', {
  addParamGroup: { group: named(object, 'a parameter group { params, …options }') },
  zeroGrad: { setToNone: optional(bool) },
  step: { closure: optional(func) },
  stateDict: { options: options({ keys: oneOf('camel', 'torch') }) },
  dispose: {},
});
const schedulerTable = { step: {}, getLastLr: {}, stateDict: {} };
export const SCHEDULER_METHODS = methods('LRScheduler', schedulerTable);
export const CHAIN_METHODS = methods('ChainedScheduler', schedulerTable);
export const SEQUENTIAL_LR_METHODS = methods('SequentialLR', schedulerTable);
export const WARM_RESTARTS_METHODS = methods('CosineAnnealingWarmRestarts', {
  ...schedulerTable,
  step: { epoch: optional(number) },
});
export const PLATEAU_METHODS = methods('ReduceLROnPlateau', {
  ...schedulerTable,
  step: { metric: or(number, tensor) },
});

// ---- data ----
export const DATASET_METHODS = {
  TensorDataset: methods('data.TensorDataset', {
    get: { index: int },
    getBatch: { indices: intList },
  }),
  Subset: methods('data.Subset', { get: { index: int } }),
  CharDataset: methods('data.CharDataset', {
    encode: { word: string },
    decode: {
      ids: or(tensor, intList),
      options: options({ stopAtEnd: bool }),
    },
    get: { index: int },
    getBatch: { indices: intList },
  }),
  DataLoader: methods('data.DataLoader', { nextEpochIndices: {} }),
};
