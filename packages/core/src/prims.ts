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
type Binary = { kind: 'binary'; dtypes: DTypeSet; ref: (a: number, b: number, dtype: DType) => number };
type Compare = { kind: 'compare'; ref: (a: number, b: number) => boolean };

/** Round half to even, as torch.round does. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Error function, |error| < 1.2e-7 relative (Numerical Recipes' erfc Chebyshev fit, float64). */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - r : r - 1;
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
  sign: { kind: 'unary', dtypes: 'numeric', ref: (x) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : x) },
  exp: { kind: 'unary', dtypes: 'float', ref: Math.exp },
  expm1: { kind: 'unary', dtypes: 'float', ref: Math.expm1 },
  log: { kind: 'unary', dtypes: 'float', ref: Math.log },
  log1p: { kind: 'unary', dtypes: 'float', ref: Math.log1p },
  sqrt: { kind: 'unary', dtypes: 'float', ref: Math.sqrt },
  sin: { kind: 'unary', dtypes: 'float', ref: Math.sin },
  cos: { kind: 'unary', dtypes: 'float', ref: Math.cos },
  tanh: { kind: 'unary', dtypes: 'float', ref: Math.tanh },
  sigmoid: { kind: 'unary', dtypes: 'float', ref: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))) },
  erf: { kind: 'unary', dtypes: 'float', ref: erf },
  floor: { kind: 'unary', dtypes: 'float', ref: Math.floor },
  ceil: { kind: 'unary', dtypes: 'float', ref: Math.ceil },
  round: { kind: 'unary', dtypes: 'float', ref: roundHalfEven },
  trunc: { kind: 'unary', dtypes: 'float', ref: Math.trunc },

  // ---- element-wise binary: both inputs and the output share one dtype ----
  add: { kind: 'binary', dtypes: 'numeric', ref: (a, b, d) => int(a + b, d) },
  sub: { kind: 'binary', dtypes: 'numeric', ref: (a, b, d) => int(a - b, d) },
  mul: { kind: 'binary', dtypes: 'numeric', ref: (a, b, d) => (d === 'int32' ? Math.imul(a, b) : a * b) },
  div: { kind: 'binary', dtypes: 'float', ref: (a, b) => a / b },
  remainder: { kind: 'binary', dtypes: 'numeric', ref: remainder },
  pow: { kind: 'binary', dtypes: 'numeric', ref: (a, b, d) => (d === 'int32' ? intPow(a, b) : Math.pow(a, b)) },
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
