/**
 * The primitive table: the closed set of kernels every backend implements.
 *
 * Everything else in Flint is composed from these in core. Each entry says what kind of kernel it
 * is (which fixes its call signature, see backend/types.ts), which dtypes it accepts and a scalar
 * reference function used by the conformance suite as an oracle. Kernel and gradient tables are
 * mapped types over this table, so adding a primitive without a kernel or a gradient rule is a
 * compile error.
 */
import type { DType } from './dtype.js';

/** Which dtypes an element-wise primitive accepts (core casts before calling a kernel). */
export type DTypeSet = 'float' | 'numeric' | 'all';

export function acceptsDType(set: DTypeSet, d: DType): boolean {
  if (set === 'all') return true;
  if (set === 'numeric') return d !== 'bool';
  return d === 'float32' || d === 'float64';
}

type Unary = { kind: 'unary'; dtypes: DTypeSet; ref: (x: number, dtype: DType) => number };
type Binary = {
  kind: 'binary';
  dtypes: DTypeSet;
  ref: (a: number, b: number, dtype: DType) => number;
};
type Compare = { kind: 'compare'; ref: (a: number, b: number) => boolean };
type StridedWrite = { kind: 'stridedWrite'; ref: typeof stridedWriteRef };

/**
 * Reference of `stridedWrite`: `base` (a whole storage, flat) with the elements of the view
 * (`shape`, `strides`, `offset`) replaced by `values` (the view's elements in row-major order).
 * The view must lie inside `base` and no two of its elements may share a position (core checks).
 */
export function stridedWriteRef(
  base: readonly number[],
  values: readonly number[],
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
): number[] {
  const out = base.slice();
  const idx = shape.map(() => 0);
  for (let k = 0; k < values.length; k++) {
    out[offset + idx.reduce((acc, v, d) => acc + v * strides[d]!, 0)] = values[k]!;
    for (let d = idx.length - 1; d >= 0 && ++idx[d]! === shape[d]; d--) idx[d] = 0;
  }
  return out;
}

/** Round half to even, as torch.round does. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Error function to float64 accuracy: erf(x) = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3···(2n+1)).
 * Every term is positive, so the sum has no cancellation; beyond |x| = 6 erf is ±1 in float64.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const z = Math.abs(x);
  if (z >= 6) return x > 0 ? 1 : -1;
  const z2 = z * z;
  let term = z;
  let sum = z;
  for (let n = 1; n < 200 && term > sum * 1e-17; n++) {
    term *= (2 * z2) / (2 * n + 1);
    sum += term;
  }
  const r = Math.min(1, (2 / Math.sqrt(Math.PI)) * Math.exp(-z2) * sum);
  return x < 0 ? -r : r;
}

/** C's pow: 1^y = 1 and (−1)^±∞ = 1 even for NaN/infinite y, where JS's Math.pow gives NaN. */
export function floatPow(a: number, b: number): number {
  if (a === 1) return 1;
  if (a === -1 && (b === Infinity || b === -Infinity)) return 1;
  return Math.pow(a, b);
}

/** Python-style remainder: the result takes the sign of the divisor. */
export function remainder(a: number, b: number, dtype: DType): number {
  if (dtype === 'int32') {
    if (b === 0) return 0;
    const r = a % b;
    return r !== 0 && r < 0 !== b < 0 ? r + b : r;
  }
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

/** Integer power with int32 wrap-around; negative exponents give 0 except for bases ±1. */
export function intPow(a: number, b: number): number {
  if (b < 0) return a === 1 ? 1 : a === -1 ? (b % 2 === 0 ? 1 : -1) : 0;
  let r = 1;
  let base = a | 0;
  let e = b;
  while (e > 0) {
    if (e & 1) r = Math.imul(r, base);
    base = Math.imul(base, base);
    e = Math.floor(e / 2);
  }
  return r;
}

function nanMax(a: number, b: number): number {
  return Number.isNaN(a) || Number.isNaN(b) ? NaN : a > b ? a : b === a && Object.is(a, 0) ? a : b;
}
function nanMin(a: number, b: number): number {
  return Number.isNaN(a) || Number.isNaN(b) ? NaN : a < b ? a : b === a && Object.is(a, -0) ? a : b;
}

const int = (v: number, d: DType): number => (d === 'int32' ? v | 0 : v);

export const PRIMS = {
  // ---- element-wise unary: output dtype = input dtype ----
  neg: { kind: 'unary', dtypes: 'numeric', ref: (x, d) => int(-x, d) },
  abs: { kind: 'unary', dtypes: 'numeric', ref: (x, d) => int(Math.abs(x), d) },
  // torch: sign(NaN) = 0 and sign(−0) = +0.
  sign: { kind: 'unary', dtypes: 'numeric', ref: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0) },
  exp: { kind: 'unary', dtypes: 'float', ref: Math.exp },
  expm1: { kind: 'unary', dtypes: 'float', ref: Math.expm1 },
  log: { kind: 'unary', dtypes: 'float', ref: Math.log },
  log1p: { kind: 'unary', dtypes: 'float', ref: Math.log1p },
  sqrt: { kind: 'unary', dtypes: 'float', ref: Math.sqrt },
  sin: { kind: 'unary', dtypes: 'float', ref: Math.sin },
  cos: { kind: 'unary', dtypes: 'float', ref: Math.cos },
  tanh: { kind: 'unary', dtypes: 'float', ref: Math.tanh },
  sigmoid: {
    kind: 'unary',
    dtypes: 'float',
    ref: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  },
  erf: { kind: 'unary', dtypes: 'float', ref: erf },
  floor: { kind: 'unary', dtypes: 'float', ref: Math.floor },
  ceil: { kind: 'unary', dtypes: 'float', ref: Math.ceil },
  round: { kind: 'unary', dtypes: 'float', ref: roundHalfEven },
  trunc: { kind: 'unary', dtypes: 'float', ref: Math.trunc },

  // ---- element-wise binary: both inputs and the output share one dtype ----
  add: { kind: 'binary', dtypes: 'numeric', ref: (a, b, d) => int(a + b, d) },
  sub: { kind: 'binary', dtypes: 'numeric', ref: (a, b, d) => int(a - b, d) },
  mul: {
    kind: 'binary',
    dtypes: 'numeric',
    ref: (a, b, d) => (d === 'int32' ? Math.imul(a, b) : a * b),
  },
  div: { kind: 'binary', dtypes: 'float', ref: (a, b) => a / b },
  remainder: { kind: 'binary', dtypes: 'numeric', ref: remainder },
  pow: {
    kind: 'binary',
    dtypes: 'numeric',
    ref: (a, b, d) => (d === 'int32' ? intPow(a, b) : floatPow(a, b)),
  },
  maximum: { kind: 'binary', dtypes: 'numeric', ref: nanMax },
  minimum: { kind: 'binary', dtypes: 'numeric', ref: nanMin },
  logicalAnd: { kind: 'binary', dtypes: 'all', ref: (a, b) => (a !== 0 && b !== 0 ? 1 : 0) },
  logicalOr: { kind: 'binary', dtypes: 'all', ref: (a, b) => (a !== 0 || b !== 0 ? 1 : 0) },

  // ---- comparisons: inputs share a dtype, output is bool ----
  eq: { kind: 'compare', ref: (a, b) => a === b },
  ne: { kind: 'compare', ref: (a, b) => a !== b },
  lt: { kind: 'compare', ref: (a, b) => a < b },
  le: { kind: 'compare', ref: (a, b) => a <= b },
  gt: { kind: 'compare', ref: (a, b) => a > b },
  ge: { kind: 'compare', ref: (a, b) => a >= b },

  // ---- structural ----
  where: { kind: 'where' },
  cast: { kind: 'cast' },
  contiguous: { kind: 'contiguous' },
  fill: { kind: 'fill' },
  pad: { kind: 'pad' },
  // The one primitive that writes: a copy of a whole storage with a view of it replaced, so that
  // in-place ops on views write through without a kernel ever writing into its inputs.
  stridedWrite: { kind: 'stridedWrite', ref: stridedWriteRef },

  // ---- reductions over a set of axes (output drops them) ----
  sum: { kind: 'reduce' },
  prod: { kind: 'reduce' },
  max: { kind: 'reduce' },
  min: { kind: 'reduce' },
  argmax: { kind: 'argReduce' },
  argmin: { kind: 'argReduce' },
  cumsum: { kind: 'scan' },

  // ---- linear algebra, indexing, random ----
  matmul: { kind: 'matmul' },
  gather: { kind: 'gather' },
  scatterAdd: { kind: 'scatterAdd' },
  randomBits: { kind: 'randomBits' },
} as const satisfies Record<
  string,
  | Unary
  | Binary
  | Compare
  | StridedWrite
  | {
      kind:
        | 'where'
        | 'cast'
        | 'contiguous'
        | 'fill'
        | 'pad'
        | 'reduce'
        | 'argReduce'
        | 'scan'
        | 'matmul'
        | 'gather'
        | 'scatterAdd'
        | 'randomBits';
    }
>;

export type PrimName = keyof typeof PRIMS;
type PrimsOfKind<K extends string> = {
  [P in PrimName]: (typeof PRIMS)[P]['kind'] extends K ? P : never;
}[PrimName];
export type UnaryPrim = PrimsOfKind<'unary'>;
export type BinaryPrim = PrimsOfKind<'binary'>;
export type ComparePrim = PrimsOfKind<'compare'>;
export type ReducePrim = PrimsOfKind<'reduce'>;
export type ArgReducePrim = PrimsOfKind<'argReduce'>;

export const PRIM_NAMES = Object.keys(PRIMS) as PrimName[];
export const namesOfKind = <K extends string>(kind: K): PrimsOfKind<K>[] =>
  PRIM_NAMES.filter((n) => PRIMS[n].kind === kind) as PrimsOfKind<K>[];

/** Output dtype of a reduction: sums and products of bool/int accumulate in int32. */
export function reduceDType(prim: ReducePrim | 'cumsum', d: DType): DType {
  if (prim === 'max' || prim === 'min') return d;
  return d === 'bool' ? 'int32' : d;
}
