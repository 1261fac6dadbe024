/**
 * @flint/core — a PyTorch-shaped tensor library for TypeScript. This is the portable entry that
 * browsers and bundlers get: it imports no Node built-in. Node gets node.ts, which adds fl.data's
 * file and folder loaders (package.json's `node` export condition).
 * @example
 * import * as fl from '@flint/core';
 * import { cpuBackend } from '@flint/backend-cpu';
 * fl.use(cpuBackend());
 * const w = fl.randn([3, 2], { requiresGrad: true });
 * const loss = fl.tensor([[1, 2, 3]]).matmul(w).tanh().sum();
 * loss.backward();
 */
export { Tensor } from './tensor.js';
export type { Scalar, Operand, NestedArray, DimArg, ReduceOptions, VarOptions } from './tensor.js';
export type { DType, TypedArray } from './dtype.js';
export { DTYPES } from './dtype.js';
export * from './errors.js';
export {
  use,
  register,
  setDefaultDevice,
  getDefaultDevice,
  getBackend,
  listDevices,
  removeBackend,
  memory,
} from './check/guarded/runtime.js';
export type { MemoryInfo } from './device.js';
export { tidy, tidyAsync, keep } from './check/guarded/runtime.js';
export { dispose } from './check/guarded/memory.js';
export { config } from './config.js';
export type { Config } from './config.js';
export { noGrad, enableGrad, isGradEnabled, grad } from './check/guarded/runtime.js';
// Public functions are exported guarded: their arguments are checked against their specs (check/).
export { isTensor, resultType, fmtShape } from './check/guarded/runtime.js';
export type { BackwardOptions, GradOptions } from './autograd/backward.js';
export * as autograd from './autograd/public.js';
export { customGrad } from './autograd/public.js';
export {
  tensor,
  zeros,
  ones,
  full,
  zerosLike,
  onesLike,
  fullLike,
  arange,
  linspace,
  eye,
  rand,
  randn,
  randint,
  manualSeed,
} from './check/guarded/runtime.js';
export type { CreateOptions } from './ops/creation.js';
export {
  neg,
  abs,
  sign,
  exp,
  expm1,
  log,
  log1p,
  log2,
  sqrt,
  rsqrt,
  square,
  reciprocal,
  sin,
  cos,
  tanh,
  sigmoid,
  erf,
  floor,
  ceil,
  round,
  trunc,
  clamp,
  add,
  sub,
  mul,
  div,
  remainder,
  pow,
  maximum,
  minimum,
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  logicalAnd,
  logicalOr,
  logicalNot,
  isnan,
  isfinite,
  nanToNum,
  where,
} from './check/guarded/ops.js';
export {
  relu,
  leakyRelu,
  elu,
  gelu,
  silu,
  softplus,
  selu,
  celu,
  prelu,
  hardshrink,
  threshold,
} from './check/guarded/ops.js';
export {
  sum,
  mean,
  prod,
  amax,
  amin,
  argmax,
  argmin,
  variance as var,
  std,
  logsumexp,
  all,
  any,
  norm,
  cumsum,
  softmax,
  logSoftmax,
  maxOf as max,
  minOf as min,
} from './check/guarded/ops.js';
export type { ValuesIndices } from './ops/reduce.js';
export {
  tan,
  atan,
  asin,
  acos,
  atan2,
  isclose,
  allclose,
  logicalXor,
  unbind,
  roll,
  diag,
  cumprod,
  meshgrid,
  bernoulli,
  multinomial,
  normal,
  randLike,
  randnLike,
  randintLike,
} from './check/guarded/random-math.js';
export type { CloseOptions } from './ops/compare.js';
export type { MeshgridOptions } from './ops/rearrange.js';
export { sort, argsort, msort, topk, kthvalue, median, randperm } from './check/guarded/sort.js';
export type { SortOptions, TopkOptions, SelectOptions, RandpermOptions } from './ops/sort.js';
export {
  reshape,
  view,
  flatten,
  unsqueeze,
  squeeze,
  permute,
  transpose,
  expand,
  narrow,
  slice,
  flip,
  contiguous,
  clone,
  detach,
} from './check/guarded/ops.js';
export type { IndexSpec, IndexArray } from './ops/views.js';
export { cat, stack, split, chunk, pad, repeat, tile, tril, triu } from './check/guarded/ops.js';
export type { PadMode } from './ops/shape.js';
export { gather, scatterAdd, indexSelect, maskedFill, oneHot } from './check/guarded/ops.js';
export {
  maskedSelect,
  maskedSelectAsync,
  nonzero,
  nonzeroAsync,
  argwhere,
  indexPut,
  einsum,
} from './check/guarded/indexing.js';
export type { NonzeroOptions } from './ops/nonzero.js';
export { matmul, bmm, outer, dot, cast } from './check/guarded/ops.js';
export { decomposed } from './ops/reduce.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export { OptimizerError } from './optim/errors.js';
export * as io from './check/guarded/io.js';
export { save, load } from './check/guarded/io.js';
export * as data from './check/guarded/data.js';
export * as metrics from './check/guarded/metrics.js';
export { Model, EarlyStopping, ModelCheckpoint } from './train/index.js';
export type {
  CompileOptions,
  FitOptions,
  History,
  Callback,
  Logs,
  LossFn,
  MetricFn,
  OptimizerName,
  SummaryOptions,
} from './train/index.js';
export type { TensorJSON } from './show.js';
