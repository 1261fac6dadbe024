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

/** Whether a primitive whose dtype set is `set` accepts inputs of dtype `d`. */
export function acceptsDType(set: DTypeSet, d: DType): boolean {
  if (set === 'all') return true;
  if (set === 'numeric') return d !== 'bool';
  return d === 'float32' || d === 'float64';
}

// The entries' schema. Its property comments document every entry of PRIMS in the API reference
// (apps/docs/scripts/typedoc-flint.mjs copies a property's comment from the table's type).
type Unary = {
  /** Element-wise, one input: the kernel maps each element; the output has the input's dtype. */
  kind: 'unary';
  /** The input dtypes the kernel accepts: `'float'`, `'numeric'` (not bool) or `'all'`. */
  dtypes: DTypeSet;
  /** The scalar reference: one element's result, as the conformance suite checks kernels. */
  ref: (x: number, dtype: DType) => number;
};
type Binary = {
  /** Element-wise, two inputs of one shape and dtype; the output has that dtype. */
  kind: 'binary';
  /** The input dtypes the kernel accepts: `'float'`, `'numeric'` (not bool) or `'all'`. */
  dtypes: DTypeSet;
  /** The scalar reference: one pair of elements' result, as the conformance suite checks kernels. */
  ref: (a: number, b: number, dtype: DType) => number;
};
type Compare = {
  /** Element-wise comparison of two inputs of one shape and dtype; the output is bool. */
  kind: 'compare';
  /** The scalar reference: one pair of elements' result. */
  ref: (a: number, b: number) => boolean;
};
type StridedWrite = {
  /** The one writing primitive: a copy of a whole buffer with a strided view of it replaced. */
  kind: 'stridedWrite';
  /** The reference on flat arrays (`stridedWriteRef`). */
  ref: typeof stridedWriteRef;
};

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

/**
 * The primitive table: every primitive a backend must implement, with its kind (kernel signature),
 * the dtypes it accepts and, for element-wise ones, the scalar reference function the conformance
 * suite checks kernels against.
 */
export const PRIMS = {
  // ---- element-wise unary: output dtype = input dtype ----
  /** −x. */
  neg: { kind: 'unary', dtypes: 'numeric', ref: (x, d) => int(-x, d) },
  /** |x|. */
  abs: { kind: 'unary', dtypes: 'numeric', ref: (x, d) => int(Math.abs(x), d) },
  // torch: sign(NaN) = 0 and sign(−0) = +0.
  /** −1, 0 or 1 by the sign of x (0 for NaN and −0). */
  sign: { kind: 'unary', dtypes: 'numeric', ref: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0) },
  /** eˣ. */
  exp: { kind: 'unary', dtypes: 'float', ref: Math.exp },
  /** eˣ − 1. */
  expm1: { kind: 'unary', dtypes: 'float', ref: Math.expm1 },
  /** Natural logarithm. */
  log: { kind: 'unary', dtypes: 'float', ref: Math.log },
  /** ln(1 + x). */
  log1p: { kind: 'unary', dtypes: 'float', ref: Math.log1p },
  /** √x. */
  sqrt: { kind: 'unary', dtypes: 'float', ref: Math.sqrt },
  /** Sine. */
  sin: { kind: 'unary', dtypes: 'float', ref: Math.sin },
  /** Cosine. */
  cos: { kind: 'unary', dtypes: 'float', ref: Math.cos },
  /** Hyperbolic tangent. */
  tanh: { kind: 'unary', dtypes: 'float', ref: Math.tanh },
  /** 1/(1 + e⁻ˣ), computed without overflow for either sign. */
  sigmoid: {
    kind: 'unary',
    dtypes: 'float',
    ref: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  },
  /** Gauss error function. */
  erf: { kind: 'unary', dtypes: 'float', ref: erf },
  /** Round down. */
  floor: { kind: 'unary', dtypes: 'float', ref: Math.floor },
  /** Round up. */
  ceil: { kind: 'unary', dtypes: 'float', ref: Math.ceil },
  /** Round to nearest, ties to even. */
  round: { kind: 'unary', dtypes: 'float', ref: roundHalfEven },
  /** Round toward zero. */
  trunc: { kind: 'unary', dtypes: 'float', ref: Math.trunc },

  // ---- element-wise binary: both inputs and the output share one dtype ----
  /** a + b (int32 wraps around). */
  add: { kind: 'binary', dtypes: 'numeric', ref: (a, b, d) => int(a + b, d) },
  /** a − b (int32 wraps around). */
  sub: { kind: 'binary', dtypes: 'numeric', ref: (a, b, d) => int(a - b, d) },
  /** a · b (int32 wraps around). */
  mul: {
    kind: 'binary',
    dtypes: 'numeric',
    ref: (a, b, d) => (d === 'int32' ? Math.imul(a, b) : a * b),
  },
  /** a / b (floats only; core casts integers first). */
  div: { kind: 'binary', dtypes: 'float', ref: (a, b) => a / b },
  /** Python-style remainder, with the sign of the divisor. */
  remainder: { kind: 'binary', dtypes: 'numeric', ref: remainder },
  /** aᵇ (int32: wrap-around integer power). */
  pow: {
    kind: 'binary',
    dtypes: 'numeric',
    ref: (a, b, d) => (d === 'int32' ? intPow(a, b) : floatPow(a, b)),
  },
  /** The larger of a and b; NaN if either is NaN. */
  maximum: { kind: 'binary', dtypes: 'numeric', ref: nanMax },
  /** The smaller of a and b; NaN if either is NaN. */
  minimum: { kind: 'binary', dtypes: 'numeric', ref: nanMin },
  /** 1 where both are nonzero, else 0. */
  logicalAnd: { kind: 'binary', dtypes: 'all', ref: (a, b) => (a !== 0 && b !== 0 ? 1 : 0) },
  /** 1 where either is nonzero, else 0. */
  logicalOr: { kind: 'binary', dtypes: 'all', ref: (a, b) => (a !== 0 || b !== 0 ? 1 : 0) },

  // ---- comparisons: inputs share a dtype, output is bool ----
  /** a == b, as bool. */
  eq: { kind: 'compare', ref: (a, b) => a === b },
  /** a != b, as bool. */
  ne: { kind: 'compare', ref: (a, b) => a !== b },
  /** a < b, as bool. */
  lt: { kind: 'compare', ref: (a, b) => a < b },
  /** a <= b, as bool. */
  le: { kind: 'compare', ref: (a, b) => a <= b },
  /** a > b, as bool. */
  gt: { kind: 'compare', ref: (a, b) => a > b },
  /** a >= b, as bool. */
  ge: { kind: 'compare', ref: (a, b) => a >= b },

  // ---- structural ----
  /** Select from a where cond is true, else from b. */
  where: { kind: 'where' },
  /** Convert to another dtype. */
  cast: { kind: 'cast' },
  /** Materialise a strided view as a row-major buffer. */
  contiguous: { kind: 'contiguous' },
  /** A new buffer with one value everywhere. */
  fill: { kind: 'fill' },
  /** Constant padding of each axis. */
  pad: { kind: 'pad' },
  // The one primitive that writes: a copy of a whole storage with a view of it replaced, so that
  // in-place ops on views write through without a kernel ever writing into its inputs.
  /** A copy of a whole buffer with one strided view of it replaced by given values. */
  stridedWrite: { kind: 'stridedWrite', ref: stridedWriteRef },

  // ---- reductions over a set of axes (output drops them) ----
  /** Sum over a set of axes. */
  sum: { kind: 'reduce' },
  /** Product over a set of axes. */
  prod: { kind: 'reduce' },
  /** Maximum over a set of axes (NaN propagates). */
  max: { kind: 'reduce' },
  /** Minimum over a set of axes (NaN propagates). */
  min: { kind: 'reduce' },
  /** Index of the first maximum along one axis. */
  argmax: { kind: 'argReduce' },
  /** Index of the first minimum along one axis. */
  argmin: { kind: 'argReduce' },
  /** Inclusive prefix sum along one axis. */
  cumsum: { kind: 'scan' },

  // ---- linear algebra, indexing, random ----
  /** Batched matrix product [b, m, k] × [b, k, n]. */
  matmul: { kind: 'matmul' },
  /** Values picked along an axis by an int32 index. */
  gather: { kind: 'gather' },
  /** A copy with values added at the positions an index names along an axis. */
  scatterAdd: { kind: 'scatterAdd' },
  /** Counter-based random 32-bit words (Threefry-2x32-20). */
  randomBits: { kind: 'randomBits' },

  // ---- sorting ----
  /**
   * Stable sort of each row along the last axis: sorted values and their int32 source indices
   * (NaN sorts above +∞, −0 and +0 tie).
   */
  sort: { kind: 'sort' },
} as const satisfies Record<
  string,
  | Unary
  | Binary
  | Compare
  | StridedWrite
  | {
      /** The kernel's signature family (backend/types.ts gives each kind's parameters). */
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
        | 'randomBits'
        | 'sort';
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

/** Every primitive's name, in table order. */
export const PRIM_NAMES = Object.keys(PRIMS) as PrimName[];
/** Names of the primitives of one kind (`'unary'`, `'binary'`, `'reduce'`…), in table order. */
export const namesOfKind = <K extends string>(kind: K): PrimsOfKind<K>[] =>
  PRIM_NAMES.filter((n) => PRIMS[n].kind === kind) as PrimsOfKind<K>[];

/**
 * The order `sort` puts two elements in: negative when `a` comes first, as torch orders them —
 * NaN above everything (last ascending, first descending), −0 equal to +0. Equal elements
 * compare 0, so a stable sort keeps them in their original order.
 */
export function sortCompare(a: number, b: number, descending: boolean): number {
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  const up = an || bn ? (an ? (bn ? 0 : 1) : -1) : a < b ? -1 : a > b ? 1 : 0;
  return descending ? -up : up;
}

/** Output dtype of a reduction: sums and products of bool/int accumulate in int32. */
export function reduceDType(prim: ReducePrim | 'cumsum', d: DType): DType {
  if (prim === 'max' || prim === 'min') return d;
  return d === 'bool' ? 'int32' : d;
}
