/**
 * The `fl.*` tensor ops as exported: each op guarded by its signature. The parameter lists are
 * the Tensor method's (specs/common.ts `P`) with the input tensor in front, so a method and its
 * function cannot drift apart. index.ts exports these; code inside core calls the ops directly.
 */
import * as ew from '../../ops/elementwise.js';
import * as act from '../../ops/activation.js';
import * as actPiece from '../../ops/activation-piecewise.js';
import * as actSmooth from '../../ops/activation-smooth.js';
import * as red from '../../ops/reduce.js';
import * as vw from '../../ops/views.js';
import * as sh from '../../ops/shape.js';
import * as ix from '../../ops/indexing.js';
import * as la from '../../ops/linalg.js';
import * as cv from '../../ops/convert.js';
import { guard, sig } from '../args.js';
import {
  arrayOf,
  dim,
  dtype,
  intList,
  operand,
  optional,
  shape,
  sizes,
  type Spec,
  tensor,
  int,
} from '../spec.js';
import { ARG_EXTREMUM, EXTREMUM, P, REDUCE, VAR } from './../specs/common.js';
import { isTensorValue } from '../spec.js';

const input = { input: tensor };
/** `fl.name(input, …params)`. */
const op = <F extends (...a: never[]) => unknown>(
  name: string,
  params: Record<string, Spec>,
  f: F,
): F => guard(sig(`fl.${name}`, { ...input, ...params }), f);

/** Element-wise binary ops take a number on either side, but not on both (as torch). */
const oneTensor = (args: ArrayLike<unknown>) =>
  isTensorValue(args[0]) || isTensorValue(args[1])
    ? undefined
    : 'at least one of input and other must be a Tensor';
const binary = <F extends (...a: never[]) => unknown>(name: string, f: F): F =>
  guard(sig(`fl.${name}`, { input: operand, other: operand }, { refine: oneTensor }), f);

// ---- element-wise ----
export const neg = op('neg', P.none, ew.neg);
export const abs = op('abs', P.none, ew.abs);
export const sign = op('sign', P.none, ew.sign);
export const exp = op('exp', P.none, ew.exp);
export const expm1 = op('expm1', P.none, ew.expm1);
export const log = op('log', P.none, ew.log);
export const log1p = op('log1p', P.none, ew.log1p);
export const log2 = op('log2', P.none, ew.log2);
export const sqrt = op('sqrt', P.none, ew.sqrt);
export const rsqrt = op('rsqrt', P.none, ew.rsqrt);
export const square = op('square', P.none, ew.square);
export const reciprocal = op('reciprocal', P.none, ew.reciprocal);
export const sin = op('sin', P.none, ew.sin);
export const cos = op('cos', P.none, ew.cos);
export const tanh = op('tanh', P.none, ew.tanh);
export const sigmoid = op('sigmoid', P.none, ew.sigmoid);
export const erf = op('erf', P.none, ew.erf);
export const floor = op('floor', P.none, ew.floor);
export const ceil = op('ceil', P.none, ew.ceil);
export const round = op('round', P.none, ew.round);
export const trunc = op('trunc', P.none, ew.trunc);
export const clamp = op('clamp', P.clamp, ew.clamp);
export const add = binary('add', ew.add);
export const sub = binary('sub', ew.sub);
export const mul = binary('mul', ew.mul);
export const div = binary('div', ew.div);
export const remainder = binary('remainder', ew.remainder);
export const pow = binary('pow', ew.pow);
export const maximum = binary('maximum', ew.maximum);
export const minimum = binary('minimum', ew.minimum);
export const eq = binary('eq', ew.eq);
export const ne = binary('ne', ew.ne);
export const lt = binary('lt', ew.lt);
export const le = binary('le', ew.le);
export const gt = binary('gt', ew.gt);
export const ge = binary('ge', ew.ge);
export const logicalAnd = binary('logicalAnd', ew.logicalAnd);
export const logicalOr = binary('logicalOr', ew.logicalOr);
export const logicalNot = op('logicalNot', P.none, ew.logicalNot);
export const isnan = op('isnan', P.none, ew.isnan);
export const isfinite = op('isfinite', P.none, ew.isfinite);
export const nanToNum = op('nanToNum', P.nanToNum, ew.nanToNum);
export const where = guard(
  sig('fl.where', { condition: tensor, input: operand, other: operand }),
  ew.where,
);

// ---- activations ----
export const relu = op('relu', P.none, act.relu);
export const leakyRelu = op('leakyRelu', P.leakyRelu, act.leakyRelu);
export const elu = op('elu', P.elu, act.elu);
export const gelu = op('gelu', P.gelu, act.gelu);
export const silu = op('silu', P.none, act.silu);
export const softplus = op('softplus', P.softplus, act.softplus);
// torch.selu, torch.celu, torch.prelu, torch.hardshrink and torch.threshold exist; the rest of
// the activations are nn.functional only.
export const selu = op('selu', P.none, actSmooth.selu);
export const celu = op('celu', P.elu, actSmooth.celu);
export const prelu = op('prelu', P.prelu, actPiece.prelu);
export const hardshrink = op('hardshrink', P.shrink, actPiece.hardshrink);
export const threshold = op('threshold', P.threshold, actPiece.threshold);

// ---- reductions ----
export const sum = op('sum', REDUCE, red.sum);
export const mean = op('mean', REDUCE, red.mean);
export const prod = op('prod', REDUCE, red.prod);
export const amax = op('amax', REDUCE, red.amax);
export const amin = op('amin', REDUCE, red.amin);
export const argmax = op('argmax', ARG_EXTREMUM, red.argmax);
export const argmin = op('argmin', ARG_EXTREMUM, red.argmin);
export const variance = op('var', VAR, red.variance);
export const std = op('std', VAR, red.std);
export const logsumexp = op('logsumexp', P.logsumexp, red.logsumexp);
export const all = op('all', REDUCE, red.all);
export const any = op('any', REDUCE, red.any);
export const norm = op('norm', P.norm, red.norm);
export const cumsum = op('cumsum', P.dimOnly, red.cumsum);
export const softmax = op('softmax', P.dimOnly, red.softmax);
export const logSoftmax = op('logSoftmax', P.dimOnly, red.logSoftmax);
export const maxOf = op('max', EXTREMUM, red.maxOf);
export const minOf = op('min', EXTREMUM, red.minOf);

// ---- views ----
export const reshape = op('reshape', { shape: sizes }, vw.reshape);
export const view = op('view', { shape: sizes }, vw.view);
export const flatten = op('flatten', P.flatten, vw.flatten);
export const unsqueeze = op('unsqueeze', P.dimOnly, vw.unsqueeze);
export const squeeze = op('squeeze', P.squeeze, vw.squeeze);
export const permute = op('permute', { dims: intList }, vw.permute);
export const transpose = op('transpose', P.transpose, vw.transpose);
export const expand = op('expand', { sizes }, vw.expand);
export const narrow = op('narrow', P.narrow, vw.narrow);
export const slice = op('slice', P.slice, vw.slice);
export const flip = op('flip', P.flip, vw.flip);
export const contiguous = op('contiguous', P.none, vw.contiguous);
export const clone = op('clone', P.none, vw.clone);
export const detach = op('detach', P.none, vw.detach);

// ---- joining, splitting, padding, indexing ----
const tensors = { tensors: arrayOf(tensor, 'an array of Tensors'), dim: optional(dim) };
export const cat = guard(sig('fl.cat', tensors), sh.cat);
export const stack = guard(sig('fl.stack', tensors), sh.stack);
export const split = op('split', P.split, sh.split);
export const chunk = op('chunk', P.chunk, sh.chunk);
export const pad = op('pad', P.pad, sh.pad);
export const repeat = op('repeat', { repeats: shape }, sh.repeat);
export const tile = op('tile', P.tile, sh.tile);
export const tril = op('tril', P.diagonal, sh.tril);
export const triu = op('triu', P.diagonal, sh.triu);
export const gather = op('gather', P.gather, ix.gather);
export const scatterAdd = op('scatterAdd', P.scatterAdd, ix.scatterAdd);
export const indexSelect = op('indexSelect', P.indexSelect, ix.indexSelect);
export const maskedFill = op('maskedFill', P.maskedFill, ix.maskedFill);
export const oneHot = op('oneHot', { numClasses: optional(int) }, ix.oneHot);
export const matmul = op('matmul', P.tensorOther, la.matmul);
export const bmm = op('bmm', P.tensorOther, la.bmm);
export const outer = op('outer', P.tensorOther, la.outer);
export const dot = op('dot', P.tensorOther, la.dot);
export const cast = op('cast', { dtype }, cv.cast);
