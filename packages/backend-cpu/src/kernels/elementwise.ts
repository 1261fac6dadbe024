/**
 * Element-wise kernels: unary and binary math, comparisons, `where` and `cast`. Each primitive
 * is an expression string per dtype class; the loops themselves come from codegen.ts. The
 * expressions transcribe the PRIMS reference functions exactly (same operations in the same
 * order), so float64/int32/bool results are bit-identical to the refs and float32 results are
 * the refs rounded once on store.
 */
import { BackendError, contiguousStrides, sizeOf } from '@flint/core/backend';
import type {
  BinaryPrim,
  ComparePrim,
  DType,
  KernelSignatures,
  TypedArray,
  UnaryPrim,
} from '@flint/core/backend';
import type { Alloc, View } from '../types.js';
import { isContiguousView } from '../strided.js';
import { loops, mapInto } from './codegen.js';
import type { LoopSet } from './codegen.js';

/** Expression per dtype class; a missing class means the primitive rejects that dtype. */
interface Exprs {
  float?: string;
  int32?: string;
  bool?: string;
}

// Python-style remainder: take the sign of the divisor (ref: prims.remainder).
const FLOAT_REM = '((t = a % b), t !== 0 && t < 0 !== b < 0 ? t + b : t)';
// NaN-propagating max/min that order the zeros as the refs do (max(+0, -0) = +0).
const FLOAT_MAX = 'a > b ? a : a === b ? (a === 0 && 1 / a > 0 ? a : b) : a !== a ? a : b';
const FLOAT_MIN = 'a < b ? a : a === b ? (a === 0 && 1 / a < 0 ? a : b) : a !== a ? a : b';

const float = (e: string): Exprs => ({ float: e });
const numeric = (f: string, i: string): Exprs => ({ float: f, int32: i });
const all = (e: string): Exprs => ({ float: e, int32: e, bool: e });

export const UNARY: Record<UnaryPrim, Exprs> = {
  neg: numeric('-a', '(-a) | 0'),
  abs: numeric('Math.abs(a)', 'Math.abs(a) | 0'),
  sign: numeric('a > 0 ? 1 : a < 0 ? -1 : 0', 'a > 0 ? 1 : a < 0 ? -1 : 0'),
  exp: float('Math.exp(a)'),
  expm1: float('Math.expm1(a)'),
  log: float('Math.log(a)'),
  log1p: float('Math.log1p(a)'),
  sqrt: float('Math.sqrt(a)'),
  sin: float('Math.sin(a)'),
  cos: float('Math.cos(a)'),
  tanh: float('Math.tanh(a)'),
  // The stable form: never exponentiates a large positive number.
  sigmoid: float('a >= 0 ? 1 / (1 + Math.exp(-a)) : ((t = Math.exp(a)), t / (1 + t))'),
  erf: float('erf(a)'),
  floor: float('Math.floor(a)'),
  ceil: float('Math.ceil(a)'),
  round: float('roundHalfEven(a)'),
  trunc: float('Math.trunc(a)'),
};

export const BINARY: Record<BinaryPrim, Exprs> = {
  add: numeric('a + b', '(a + b) | 0'),
  sub: numeric('a - b', '(a - b) | 0'),
  mul: numeric('a * b', 'Math.imul(a, b)'),
  div: float('a / b'),
  remainder: numeric(FLOAT_REM, `b === 0 ? 0 : ${FLOAT_REM} | 0`),
  pow: numeric('floatPow(a, b)', 'intPow(a, b)'),
  maximum: numeric(FLOAT_MAX, 'a > b ? a : b'),
  minimum: numeric(FLOAT_MIN, 'a < b ? a : b'),
  logicalAnd: all('a !== 0 && b !== 0 ? 1 : 0'),
  logicalOr: all('a !== 0 || b !== 0 ? 1 : 0'),
};

export const COMPARE: Record<ComparePrim, string> = {
  eq: 'a === b ? 1 : 0',
  ne: 'a !== b ? 1 : 0',
  lt: 'a < b ? 1 : 0',
  le: 'a <= b ? 1 : 0',
  gt: 'a > b ? 1 : 0',
  ge: 'a >= b ? 1 : 0',
};

/** Compiled loops per dtype class; a missing class means the primitive rejects that dtype. */
interface Sets {
  float?: LoopSet;
  int32?: LoopSet;
  bool?: LoopSet;
}

function setsFor(table: Exprs, arity: number): Sets {
  const sets: Sets = {};
  for (const k of ['float', 'int32', 'bool'] as const)
    if (table[k] !== undefined) sets[k] = loops(table[k], arity);
  return sets;
}

function setFor(op: string, sets: Sets, dtype: DType): LoopSet {
  const set = dtype === 'float32' || dtype === 'float64' ? sets.float : sets[dtype];
  if (set === undefined) throw new BackendError(`cpu: ${op} has no kernel for dtype ${dtype}`);
  return set;
}

export const COPY = loops('a', 1);
// Typed-array stores already coerce like core's coerce(): Float32Array rounds, Int32Array
// truncates toward zero and wraps (NaN/±inf → 0). Only bool needs an explicit test.
const TO_BOOL = loops('a !== 0 ? 1 : 0', 1);
const WHERE = loops('a !== 0 ? b : c', 3);

/** Evaluate a loop over same-shape views into a fresh contiguous buffer of `dtype`. */
export function mapNew(
  alloc: Alloc,
  set: LoopSet,
  dtype: DType,
  shape: readonly number[],
  inputs: readonly View[],
): TypedArray {
  const out = alloc(dtype, sizeOf(shape));
  mapInto(set, out, 0, contiguousStrides(shape), shape, inputs);
  return out;
}

/** Copy of a view as a contiguous buffer: a plain `set` when the view already is one. */
export function copyOf(alloc: Alloc, x: View): TypedArray {
  const n = sizeOf(x.shape);
  const out = alloc(x.dtype, n);
  if (n === 0) return out;
  if (isContiguousView(x)) out.set(x.buf.subarray(x.offset, x.offset + n));
  else mapInto(COPY, out, 0, contiguousStrides(x.shape), x.shape, [x]);
  return out;
}

type Sig = KernelSignatures<TypedArray>;

export function elementwiseKernels(alloc: Alloc) {
  const unary = (op: UnaryPrim): Sig['unary'] => {
    const sets = setsFor(UNARY[op], 1);
    return (x) => mapNew(alloc, setFor(op, sets, x.dtype), x.dtype, x.shape, [x]);
  };
  const binary = (op: BinaryPrim): Sig['binary'] => {
    const sets = setsFor(BINARY[op], 2);
    return (a, b) => mapNew(alloc, setFor(op, sets, a.dtype), a.dtype, a.shape, [a, b]);
  };
  const compare = (op: ComparePrim): Sig['compare'] => {
    const set = loops(COMPARE[op], 2);
    return (a, b) => mapNew(alloc, set, 'bool', a.shape, [a, b]);
  };
  const where: Sig['where'] = (cond, a, b) => mapNew(alloc, WHERE, a.dtype, a.shape, [cond, a, b]);
  const cast: Sig['cast'] = (x, dtype) =>
    dtype === x.dtype
      ? copyOf(alloc, x)
      : mapNew(alloc, dtype === 'bool' ? TO_BOOL : COPY, dtype, x.shape, [x]);
  return { unary, binary, compare, where, cast };
}
