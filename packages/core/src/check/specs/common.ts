/**
 * Specs shared by several families: reduction dims, creation and factory options, index specs,
 * and the parameter lists that a Tensor method and its `fl.*` function have in common (the
 * function adds the input tensor in front).
 */
import {
  any,
  bool,
  device,
  dim,
  dims,
  dtype,
  finite,
  int,
  intList,
  nonNegative,
  nullable,
  number,
  oneOf,
  operand,
  optional,
  options,
  or,
  shape,
  type Spec,
  string,
  tensor,
  arrayOf,
  nonNegInt,
  named,
} from '../spec.js';

/** `x.sum(1)`, `x.sum([0, 1])`, `x.sum({ dim: 1, keepdim: true })`. */
export const reduceOptions = options({ dim: dims, keepdim: bool });
export const reduceDim = or(dims, reduceOptions);
export const REDUCE = { dim: reduceDim, keepdim: optional(bool) };

export const varOptions = options({ dim: dims, keepdim: bool, correction: number });
export const VAR = { dim: or(dims, varOptions), keepdim: optional(bool) };

/** max/min: nothing, a dim (values and indices), options, or another tensor (element-wise). */
export const EXTREMUM = { dim: or(dims, tensor, reduceOptions), keepdim: optional(bool) };
export const ARG_EXTREMUM = {
  dim: or(nullable(dim), options({ dim: nullable(dim), keepdim: bool })),
  keepdim: optional(bool),
};

export const createOptions = options({ dtype, device, requiresGrad: bool });
/** Where a layer's parameters live (torch's factory kwargs). */
export const FACTORY = { dtype, device };

export const padMode = oneOf('constant', 'reflect', 'replicate');
export const geluApproximate = oneOf('none', 'tanh');

/**
 * One entry of `x.index(…)`: an int, a 'start:stop:step' string, null, '...', or an advanced
 * index (a tensor, or nested arrays of integers or booleans, checked in depth by the op).
 */
export const indexSpec: Spec = named(
  or(int, string, oneOf(null), tensor, arrayOf(any)),
  "an index: an integer, a slice 'start:stop:step', null, '...', an int32 or bool Tensor, or an array of integers or booleans",
);

// ---- parameter lists of a Tensor method; the fl.* function takes `input` first ----
export const P = {
  none: {},
  other: { other: operand },
  clamp: { min: nullable(operand), max: nullable(operand) },
  dimOnly: { dim },
  leakyRelu: { negativeSlope: optional(number) },
  elu: { alpha: optional(number) },
  gelu: { approximate: optional(geluApproximate) },
  softplus: { beta: optional(number), threshold: optional(number) },
  hardtanh: { minVal: optional(number), maxVal: optional(number) },
  shrink: { lambd: optional(number) },
  threshold: { threshold: number, value: number },
  prelu: { weight: tensor },
  glu: { dim: optional(dim) },
  nanToNum: { nan: optional(number), posinf: optional(number), neginf: optional(number) },
  logsumexp: { dim: dims, keepdim: optional(bool) },
  norm: { p: optional(number), dim: dims, keepdim: optional(bool) },
  flatten: { startDim: optional(dim), endDim: optional(dim) },
  squeeze: { dim: optional(or(dim, intList)) },
  transpose: { dim0: dim, dim1: dim },
  narrow: { dim, start: int, length: int },
  slice: { dim, start: nullable(int), end: nullable(int), step: optional(int) },
  flip: { dims: or(dim, intList) },
  split: { splitSizeOrSections: or(int, intList), dim: optional(dim) },
  chunk: { chunks: int, dim: optional(dim) },
  pad: { pad: intList, mode: optional(padMode), value: optional(number) },
  tile: { dims: intList },
  diagonal: { diagonal: optional(int) },
  gather: { dim, index: tensor },
  scatterAdd: { dim, index: tensor, src: tensor },
  indexSelect: { dim, index: or(tensor, intList) },
  maskedFill: { mask: tensor, value: operand },
  tensorOther: { other: tensor },
  uniform: { low: optional(finite), high: optional(finite) },
  normal: { mean: optional(finite), std: optional(nonNegative) },
} satisfies Record<string, Record<string, Spec>>;

export { shape, nonNegInt };
