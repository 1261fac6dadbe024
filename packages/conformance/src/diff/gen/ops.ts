/**
 * The TypeScript generator's op catalog (the mirror of scripts/fixtures/diff_ops.py): for each op,
 * which chain values it takes, how to draw its args and extra inputs for a value, and what it
 * returns. Calls go through l1/invoke.ts, the same table the corpus uses.
 */
import type * as fl from '@flint/core';
import type { DType } from '@flint/core/backend';
import type { Args } from '../../l1/invoke.js';
import {
  ALL,
  broadcastShape,
  extra,
  factorShape,
  FLOATS,
  NUMERIC,
  P_BAD,
  sliceStr,
  X,
  type Domain,
  type Extra,
  type Rand,
} from './rand.js';

type Tensor = fl.Tensor;
export type Family = 'elementwise' | 'reduce' | 'views' | 'shape' | 'linalg' | 'losses' | 'nn';
export type Drawn = { args: Args; ins: (typeof X | Extra)[] } | null;
export type Gen = (r: Rand, x: Tensor) => Drawn;

export interface Op {
  name: string;
  family: Family;
  gen: Gen;
  dtypes: readonly DType[];
  shapeOk: (s: readonly number[]) => boolean;
  /** The first input when the op starts a program, if it needs a particular one. */
  first?: (r: Rand) => Extra;
  /** Value conditions for continuing a chain (read from the value itself). */
  accepts?: (x: Tensor) => boolean;
  out: 't' | 'vi' | 'list';
  weight: number;
}

export function op(
  family: Family,
  name: string,
  gen: Gen,
  o: Partial<Omit<Op, 'name' | 'family' | 'gen'>> = {},
): Op {
  return {
    name,
    family,
    gen,
    dtypes: o.dtypes ?? FLOATS,
    shapeOk: o.shapeOk ?? (() => true),
    first: o.first,
    accepts: o.accepts,
    out: o.out ?? 't',
    weight: o.weight ?? 1,
  };
}

export const isInt = (x: Tensor) => x.dtype === 'int32' || x.dtype === 'bool';
export const noArgs: Gen = () => ({ args: {}, ins: [X] });
const SPECIAL_SCALARS = ['nan', 'inf', '-inf', '-0'];

/** A JS scalar operand; for integer tensors a float one is never integral (2.0 reads as 2). */
export function scalarFor(r: Rand, x: Tensor, ints = 0.7): number | string {
  if (isInt(x)) {
    if (r.p(ints)) return r.int(-3, 3);
    const v = r.short();
    return Number.isInteger(v) ? v + 0.5 : v;
  }
  if (r.p(0.1)) return r.choice(SPECIAL_SCALARS);
  return r.p(0.8) ? r.short() : r.int(-3, 3);
}

const otherDType = (r: Rand, x: Tensor): DType => (r.p(0.8) ? x.dtype : r.choice(ALL));

/** `intBase = false` (pow): an integer x takes an integer exponent, as in the corpus. */
function binary(domain: Domain = null, scalars?: number[], intBase = true): Gen {
  return (r, x) => {
    if (r.p(0.3)) {
      const v = scalars && r.p(0.7) ? r.choice(scalars) : scalarFor(r, x);
      return { args: { other: v }, ins: [X] };
    }
    let dtype = otherDType(r, x);
    if (!intBase && isInt(x) && FLOATS.includes(dtype)) dtype = 'int32';
    return { args: {}, ins: [X, extra(broadcastShape(r, x.shape), dtype, domain)] };
  };
}

const whereGen: Gen = (r, x) => ({
  args: {},
  ins: [
    extra(broadcastShape(r, x.shape), 'bool', null, false),
    X,
    extra(broadcastShape(r, x.shape), otherDType(r, x)),
  ],
});

const clampGen: Gen = (r, x) => {
  const floats = !isInt(x);
  const bound = () => (floats ? r.short() : scalarFor(r, x, 0.8));
  let lo: number | string | undefined = r.p(0.3) ? undefined : bound();
  let hi: number | string | undefined = r.p(0.3) ? undefined : bound();
  if (floats && r.p(0.08)) [lo, hi] = r.p(0.5) ? ['nan', hi] : [lo, 'nan'];
  if (lo === undefined && hi === undefined && !r.p(P_BAD)) hi = bound();
  const args: Args = {};
  if (lo !== undefined) args.min = lo;
  if (hi !== undefined) args.max = hi;
  return { args, ins: [X] };
};

const nanToNumGen: Gen = (r) => {
  const args: Args = { nan: r.short() };
  if (r.p(0.5)) args.posinf = 9.5;
  if (r.p(0.5)) args.neginf = -9.5;
  return { args, ins: [X] };
};

function redArgs(r: Rand, x: Tensor, many = true, needDim = false): Args {
  const a: Args = {};
  if (needDim || r.p(0.7)) a.dim = many && x.ndim > 1 && r.p(0.4) ? r.dims(x.ndim) : r.dim(x.ndim);
  if (a.dim !== undefined && r.p(0.5)) a.keepdim = true;
  return a;
}

function reduction(many = true, needDim = false, more?: (r: Rand) => Args): Gen {
  return (r, x) => ({ args: { ...redArgs(r, x, many, needDim), ...more?.(r) }, ins: [X] });
}

const dimOnly: Gen = (r, x) => ({ args: { dim: r.dim(x.ndim) }, ins: [X] });

const UNARY_FLOAT = [
  'exp',
  'expm1',
  'log',
  'log1p',
  'log2',
  'sqrt',
  'rsqrt',
  'sin',
  'cos',
  'tanh',
  'sigmoid',
  'erf',
  'silu',
  'reciprocal',
];
const UNARY_NUM = ['neg', 'abs', 'sign', 'square', 'floor', 'ceil', 'round', 'trunc', 'relu'];

export function elementwiseOps(): Op[] {
  const e = (name: string, gen: Gen, o: Partial<Op> = {}) => op('elementwise', name, gen, o);
  return [
    ...UNARY_FLOAT.map((n) => e(n, noArgs, { dtypes: n === 'silu' ? FLOATS : NUMERIC })),
    ...UNARY_NUM.map((n) => e(n, noArgs, { dtypes: NUMERIC })),
    ...['logicalNot', 'isnan', 'isfinite'].map((n) => e(n, noArgs, { dtypes: ALL, weight: 0.5 })),
    ...['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'remainder'].map((n) =>
      e(n, binary(), { dtypes: NUMERIC }),
    ),
    e('pow', binary('small', [2, 3, 0.5, -1, 0, -2, 1.5], false), { dtypes: NUMERIC }),
    ...['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr'].map((n) =>
      e(n, binary(), { dtypes: ALL, weight: 0.5 }),
    ),
    e('where', whereGen, { dtypes: ALL }),
    e('leakyRelu', (r) => ({ args: { slope: r.choice([0.01, 0.2, -0.5, 0]) }, ins: [X] })),
    e('elu', (r) => ({ args: { alpha: r.choice([1, 0.5, 2]) }, ins: [X] })),
    e('gelu', (r) => ({ args: { approximate: r.choice(['none', 'tanh']) }, ins: [X] })),
    e('softplus', (r) => ({
      args: { beta: r.choice([1, 2, 0.5]), threshold: r.choice([20, 1, 5]) },
      ins: [X],
    })),
    e('clamp', clampGen, { dtypes: NUMERIC, weight: 1.5 }),
    e('nanToNum', nanToNumGen),
  ];
}

export function reduceOps(): Op[] {
  const e = (name: string, gen: Gen, o: Partial<Op> = {}) => op('reduce', name, gen, o);
  const correction = (r: Rand) => ({ correction: r.choice([0, 1, 1, 2]) });
  const norm: Gen = (r, x) => ({
    args: { ...redArgs(r, x, false), p: r.choice([2, 2, 1, 3, 'inf', '-inf', 0, 0.5]) },
    ins: [X],
  });
  return [
    e('sum', reduction(), { dtypes: ALL, weight: 1.5 }),
    e('mean', reduction(), { weight: 1.5 }),
    e('prod', reduction(false), { dtypes: NUMERIC }),
    e('all', reduction(false), { dtypes: ALL, weight: 0.5 }),
    e('any', reduction(false), { dtypes: ALL, weight: 0.5 }),
    e('amax', reduction(), { dtypes: NUMERIC }),
    e('amin', reduction(), { dtypes: NUMERIC }),
    e('max', (r, x) => ({ args: redArgs(r, x, false), ins: [X] }), { dtypes: NUMERIC, out: 'vi' }),
    e('min', (r, x) => ({ args: redArgs(r, x, false), ins: [X] }), { dtypes: NUMERIC, out: 'vi' }),
    e('argmax', reduction(false), { dtypes: NUMERIC }),
    e('argmin', reduction(false), { dtypes: NUMERIC }),
    e('var', reduction(true, false, correction)),
    e('std', reduction(true, false, correction)),
    e('logsumexp', reduction(true, true)),
    e('norm', norm),
    e('cumsum', dimOnly, { dtypes: NUMERIC }),
    e('softmax', dimOnly, { weight: 1.5 }),
    e('logSoftmax', dimOnly, { weight: 1.5 }),
  ];
}

function expandSizes(r: Rand, x: Tensor): number[] {
  let sizes = x.shape.map((d) => (d === 1 ? r.choice([1, 2, 3, -1]) : r.p(0.5) ? -1 : d));
  if (r.p(0.4) || !sizes.length) sizes = [r.int(1, 3), ...sizes];
  const i = x.shape.findIndex((d) => d > 1);
  if (r.p(P_BAD) && i >= 0) sizes[sizes.length - x.ndim + i] = x.shape[i]! + 1;
  return sizes;
}

const viewGens: Record<string, Gen> = {
  reshape: (r, x) => ({ args: { shape: factorShape(r, x.numel()) }, ins: [X] }),
  flatten: (r, x) => {
    const n = Math.max(x.ndim, 1);
    const [a, b] = [r.int(0, n - 1), r.int(0, n - 1)].sort((p, q) => p - q) as [number, number];
    return { args: { start: r.p(0.3) ? a - n : a, end: r.p(0.3) ? b - n : b }, ins: [X] };
  },
  unsqueeze: (r, x) => {
    const n = x.ndim + 1;
    const d = r.p(P_BAD) ? n + 1 : r.int(0, n - 1);
    return { args: { dim: r.p(0.3) ? d - n : d }, ins: [X] };
  },
  squeeze: (r, x) => ({ args: r.p(0.6) ? { dim: r.dim(x.ndim) } : {}, ins: [X] }),
  permute: (r, x) => {
    if (!x.ndim) return null;
    const p = r.perm(x.ndim);
    if (r.p(P_BAD)) p[0] = p[p.length - 1]!;
    return { args: { dims: p.map((d) => (r.p(0.2) ? d - x.ndim : d)) }, ins: [X] };
  },
  transpose: (r, x) => ({ args: { dim0: r.dim(x.ndim), dim1: r.dim(x.ndim) }, ins: [X] }),
  expand: (r, x) => ({ args: { sizes: expandSizes(r, x) }, ins: [X] }),
  broadcastTo: (r, x) => {
    const sizes = expandSizes(r, x);
    const off = sizes.length - x.ndim;
    return { args: { shape: sizes.map((s, i) => (s === -1 ? x.shape[i - off]! : s)) }, ins: [X] };
  },
  narrow: (r, x) => {
    const d = r.dim(x.ndim);
    const n = d >= -x.ndim && d < x.ndim ? x.shape.at(d)! : 1;
    const start = n ? r.int(-n, n) : 0;
    const s = start < 0 ? start + n : start;
    const length = r.p(P_BAD) ? n + 1 : r.int(0, Math.max(n - s, 0));
    return { args: { dim: d, start, length }, ins: [X] };
  },
  slice: (r, x) => {
    const d = r.dim(x.ndim);
    const n = d >= -x.ndim && d < x.ndim ? x.shape.at(d)! : 1;
    const a: Args = { dim: d };
    if (r.p(0.8)) a.start = r.int(-n - 1, n + 1);
    if (r.p(0.8)) a.end = r.int(-n - 1, n + 2);
    if (r.p(0.4)) a.step = r.int(1, 3);
    return { args: a, ins: [X] };
  },
  flip: (r, x) => {
    const ds = r.subset([...x.shape.keys()]);
    if (!ds.length && x.ndim) ds.push(0);
    if (!ds.length && !r.p(P_BAD)) return null;
    return { args: { dims: ds.map((d) => (r.p(0.3) ? d - x.ndim : d)) }, ins: [X] };
  },
  index: (r, x) => {
    const items: (number | string | null)[] = [];
    let ellipsis = false;
    for (let d = 0; d < x.ndim && !(d && r.p(0.3)); d++) {
      const n = x.shape[d]!;
      const kind = r.weighted([
        ['int', 3],
        ['slice', 4],
        ['none', 1],
        ['ellipsis', ellipsis ? 0 : 1],
      ] as const);
      if (kind === 'int') items.push(n && !r.p(P_BAD) ? r.int(-n, n - 1) : n);
      else if (kind === 'slice') items.push(sliceStr(r, n));
      else if (kind === 'none') items.push(null);
      else {
        items.push('...');
        ellipsis = true;
      }
    }
    if (!items.length) items.push(r.p(0.5) ? null : '...');
    return { args: { indices: items }, ins: [X] };
  },
};

export function viewOps(): Op[] {
  const e = (name: string, gen: Gen, o: Partial<Op> = {}) =>
    op('views', name, gen, { dtypes: ALL, ...o });
  return [
    e('reshape', viewGens.reshape!),
    e('view', viewGens.reshape!, { weight: 0.5 }),
    ...['flatten', 'unsqueeze', 'squeeze', 'permute', 'broadcastTo', 'flip'].map((n) =>
      e(n, viewGens[n]!, { weight: 0.5 }),
    ),
    ...['transpose', 'expand', 'narrow', 'slice', 'index'].map((n) => e(n, viewGens[n]!)),
    e('T', noArgs, { shapeOk: (s) => s.length <= 2, weight: 0.3 }),
    e('contiguous', noArgs, { weight: 0.3 }),
    e('clone', noArgs, { weight: 0.3 }),
  ];
}

/** A first input of rank lo…hi (float unless given). */
export function firstRank(
  lo: number,
  hi: number,
  dtype?: DType,
  domain: Domain = null,
  minDim = 0,
) {
  return (r: Rand): Extra =>
    extra(
      r.shape(r.int(lo, hi), 48, minDim),
      dtype ??
        r.weighted([
          ['float32', 2],
          ['float64', 1],
        ] as const),
      domain,
    );
}
