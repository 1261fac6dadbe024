/**
 * The Flint call for each fixture `op`: the mirror of scripts/fixtures/torch_ops.py. Both read
 * the same args object, so a fixture says what to call and PyTorch's answer in one place.
 */
import * as fl from '@flint/core';
import type { DType } from '@flint/core/backend';
import { num } from './fixtures.js';
import { NN_INVOKE } from './invoke-nn.js';
import { ACT_INVOKE } from './invoke-act.js';
import { RM_INVOKE } from './invoke-rm.js';
import { IX_INVOKE, indexSpecs } from './invoke-ix.js';
import { LAYERS_INVOKE } from './invoke-layers.js';
import { SORT_INVOKE } from './invoke-sort.js';

type Tensor = fl.Tensor;
export type Args = Record<string, unknown>;
export type OpResult = Tensor | { values: Tensor; indices: Tensor } | Tensor[];
export type Invoke = (x: Tensor[], a: Args) => OpResult;

/** The binary operand: the second input tensor, or the JS number in args.other. */
const other = (x: Tensor[], a: Args): Tensor | number => x[1] ?? num(a.other);
const dimOpts = (a: Args) => ({
  dim: a.dim as number | number[] | undefined,
  keepdim: (a.keepdim as boolean) ?? false,
});
const opt = <T>(a: Args, k: string, d: T): T => (a[k] === undefined ? d : (a[k] as T));

const UNARY = [
  'neg',
  'abs',
  'sign',
  'exp',
  'expm1',
  'log',
  'log1p',
  'log2',
  'sqrt',
  'rsqrt',
  'square',
  'reciprocal',
  'sin',
  'cos',
  'tanh',
  'sigmoid',
  'relu',
  'silu',
  'erf',
  'floor',
  'ceil',
  'round',
  'trunc',
  'logicalNot',
  'isnan',
  'isfinite',
] as const;
const BINARY = [
  'add',
  'sub',
  'mul',
  'div',
  'remainder',
  'pow',
  'maximum',
  'minimum',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'logicalAnd',
  'logicalOr',
] as const;

function reduction(name: 'sum' | 'mean' | 'prod' | 'all' | 'any'): Invoke {
  return ([x], a) => {
    if (a.style === 'positional') return x![name](a.dim as number, a.keepdim as boolean);
    return a.dim === undefined ? x![name]() : x![name](dimOpts(a));
  };
}

function maxmin(name: 'max' | 'min'): Invoke {
  return ([x], a) =>
    a.dim === undefined
      ? x![name]()
      : x![name]({ dim: a.dim as number, keepdim: opt(a, 'keepdim', false) });
}

function argred(name: 'argmax' | 'argmin'): Invoke {
  return ([x], a) =>
    a.dim === undefined
      ? x![name]()
      : x![name]({ dim: a.dim as number, keepdim: opt(a, 'keepdim', false) });
}

function varstd(name: 'var' | 'std'): Invoke {
  return ([x], a) => x![name]({ ...dimOpts(a), correction: opt(a, 'correction', 1) });
}

const dtypeOpt = (a: Args) => (a.dtype ? { dtype: a.dtype as DType } : {});

const views: Record<string, Invoke> = {
  reshape: ([x], a) => x!.reshape(a.shape as number[]),
  view: ([x], a) => x!.view(a.shape as number[]),
  flatten: ([x], a) => x!.flatten(opt(a, 'start', 0), opt(a, 'end', -1)),
  unsqueeze: ([x], a) => x!.unsqueeze(a.dim as number),
  squeeze: ([x], a) => (a.dim === undefined ? x!.squeeze() : x!.squeeze(a.dim as number)),
  permute: ([x], a) => x!.permute(...(a.dims as number[])),
  transpose: ([x], a) => x!.transpose(a.dim0 as number, a.dim1 as number),
  T: ([x]) => x!.T,
  expand: ([x], a) => x!.expand(...(a.sizes as number[])),
  broadcastTo: ([x], a) => x!.broadcastTo(a.shape as number[]),
  narrow: ([x], a) => x!.narrow(a.dim as number, a.start as number, a.length as number),
  slice: ([x], a) =>
    x!.slice(
      a.dim as number,
      a.start as number | undefined,
      a.end as number | undefined,
      opt(a, 'step', 1),
    ),
  flip: ([x], a) => x!.flip(a.dims as number[]),
  contiguous: ([x], a) => (a.transposed ? x!.transpose(0, 1).contiguous() : x!.contiguous()),
  index: (x, a) => x[0]!.index(...indexSpecs(a.indices, x)),
};

/** `.view(args.view)` after the op when asked: the result must be a plain contiguous tensor. */
const thenView = (t: Tensor, a: Args): Tensor => (a.view ? t.view(a.view as number[]) : t);

/** clamp with tensor bounds: inputs x, min, max (or x and the one bound args.only names). */
const clampTensor: Invoke = ([x, b, c], a) =>
  a.only === 'min'
    ? fl.clamp(x!, b!)
    : a.only === 'max'
      ? fl.clamp(x!, null, b!)
      : fl.clamp(x!, b!, c!);

const shaping: Record<string, Invoke> = {
  cat: (x, a) => fl.cat(x, opt(a, 'dim', 0)),
  stack: (x, a) => fl.stack(x, opt(a, 'dim', 0)),
  split: ([x], a) => x!.split(a.size as number | number[], opt(a, 'dim', 0)),
  chunk: ([x], a) => x!.chunk(a.chunks as number, opt(a, 'dim', 0)),
  pad: ([x], a) => fl.pad(x!, a.pad as number[], opt(a, 'mode', 'constant'), opt(a, 'value', 0)),
  repeat: ([x], a) => thenView(x!.repeat(...(a.sizes as number[])), a),
  tile: ([x], a) => thenView(x!.tile(a.dims as number[]), a),
  gather: ([x, i], a) => x!.gather(a.dim as number, i!),
  scatterAdd: ([x, i, s], a) => x!.scatterAdd(a.dim as number, i!, s!),
  indexSelect: ([x, i], a) => x!.indexSelect(a.dim as number, i!),
  maskedFill: ([x, m], a) => x!.maskedFill(m!, num(a.value)),
  oneHot: ([x], a) => fl.oneHot(x!, a.numClasses as number),
  tril: ([x], a) => x!.tril(opt(a, 'k', 0)),
  triu: ([x], a) => x!.triu(opt(a, 'k', 0)),
};

const linalg: Record<string, Invoke> = {
  matmul: ([a, b]) => fl.matmul(a!, b!),
  bmm: ([a, b]) => a!.bmm(b!),
  outer: ([a, b]) => fl.outer(a!, b!),
  dot: ([a, b]) => a!.dot(b!),
};

const creation: Record<string, Invoke> = {
  zeros: (_, a) => fl.zeros(a.shape as number[], dtypeOpt(a)),
  ones: (_, a) => fl.ones(a.shape as number[], dtypeOpt(a)),
  full: (_, a) => fl.full(a.shape as number[], num(a.value), dtypeOpt(a)),
  arange: (_, a) =>
    a.start === undefined
      ? fl.arange(a.end as number)
      : fl.arange(a.start as number, a.end as number, opt(a, 'step', 1)),
  linspace: (_, a) => fl.linspace(a.start as number, a.end as number, a.steps as number),
  eye: (_, a) => (a.m === undefined ? fl.eye(a.n as number) : fl.eye(a.n as number, a.m as number)),
  zerosLike: ([x]) => fl.zerosLike(x!),
  onesLike: ([x]) => fl.onesLike(x!),
  fullLike: ([x], a) => fl.fullLike(x!, num(a.value)),
};

export const INVOKE: Record<string, Invoke> = {
  ...Object.fromEntries(
    UNARY.map((n) => [n, ([x]: Tensor[]) => (fl[n] as (t: Tensor) => Tensor)(x!)]),
  ),
  ...Object.fromEntries(
    BINARY.map((n) => [
      n,
      (x: Tensor[], a: Args) =>
        (fl[n] as (t: Tensor, o: Tensor | number) => Tensor)(x[0]!, other(x, a)),
    ]),
  ),
  leakyRelu: ([x], a) => fl.leakyRelu(x!, opt(a, 'slope', 0.01)),
  elu: ([x], a) => fl.elu(x!, opt(a, 'alpha', 1)),
  gelu: ([x], a) => fl.gelu(x!, opt(a, 'approximate', 'none')),
  softplus: ([x], a) => fl.softplus(x!, opt(a, 'beta', 1), opt(a, 'threshold', 20)),
  clamp: ([x], a) =>
    fl.clamp(
      x!,
      a.min === undefined ? undefined : num(a.min),
      a.max === undefined ? undefined : num(a.max),
    ),
  clampTensor,
  nanToNum: ([x], a) =>
    fl.nanToNum(
      x!,
      opt(a, 'nan', 0),
      a.posinf as number | undefined,
      a.neginf as number | undefined,
    ),
  where: ([c, x, y]) => fl.where(c!, x!, y!),
  sum: reduction('sum'),
  mean: reduction('mean'),
  prod: reduction('prod'),
  all: reduction('all'),
  any: reduction('any'),
  max: maxmin('max'),
  min: maxmin('min'),
  argmax: argred('argmax'),
  argmin: argred('argmin'),
  var: varstd('var'),
  std: varstd('std'),
  logsumexp: ([x], a) => x!.logsumexp(a.dim as number, opt(a, 'keepdim', false)),
  norm: ([x], a) =>
    x!.norm(num(opt(a, 'p', 2)), a.dim as number | undefined, opt(a, 'keepdim', false)),
  cumsum: ([x], a) => x!.cumsum(a.dim as number),
  softmax: ([x], a) => x!.softmax(a.dim as number),
  logSoftmax: ([x], a) => x!.logSoftmax(a.dim as number),
  ...views,
  ...shaping,
  ...linalg,
  ...creation,
  ...NN_INVOKE,
  ...ACT_INVOKE,
  ...RM_INVOKE,
  ...IX_INVOKE,
  ...LAYERS_INVOKE,
  ...SORT_INVOKE,
  // pow with a number base (args.base) instead of a number exponent
  pow: (x, a) => (a.base === undefined ? fl.pow(x[0]!, other(x, a)) : fl.pow(num(a.base), x[0]!)),
};

/** Outputs that carry gradients, in the order the fixture's gradOutputs list them. */
export function diffOutputs(r: OpResult): Tensor[] {
  if (Array.isArray(r)) return r;
  if ('values' in r && 'indices' in r && !(r instanceof fl.Tensor)) return [r.values];
  return [r as Tensor];
}
