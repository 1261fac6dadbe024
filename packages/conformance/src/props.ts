/**
 * Property-based cases (fast-check, fixed seeds): random shapes with broadcasting, realised as
 * non-contiguous views (permute / flip / slice / expand over a contiguous base), for binary ops
 * and reductions. The reference is plain JS: the view's values are read from the base data
 * through the same strides Flint should compute, and the op is evaluated in float64.
 */
import * as fl from '@flint/core';
import { contiguousStrides } from '@flint/core/backend';
import fc from 'fast-check';
import { assertClose, assertShape, check, CheckError, EXACT, maxAbs } from './harness/compare.js';
import { readNested, read } from './harness/read.js';
import { Rng } from './harness/rng.js';
import type { Case, CaseContext } from './types.js';
import { indices, ravel } from './l0/common.js';
import { readLogical } from './l0/views.js';
import { flatTensor } from './l1/fixtures.js';

type Tensor = fl.Tensor;
interface Geo {
  shape: number[];
  strides: number[];
  offset: number;
}
/** A Flint view and the JS geometry that should describe it over `base`. */
interface Operand {
  t: Tensor;
  geo: Geo;
  base: number[];
}

const SEED = 20240601;
const RUNS = 100;

/** fc.assert, but the failure names the (shrunk) counterexample and the error it raised. */
async function holds<T>(prop: fc.IAsyncProperty<T>): Promise<void> {
  const r = await fc.check(prop, { seed: SEED, numRuns: RUNS });
  if (!r.failed) return;
  const inner =
    r.errorInstance instanceof Error
      ? `${r.errorInstance.name}: ${r.errorInstance.message}`
      : String(r.errorInstance);
  throw new CheckError(
    `property failed for ${JSON.stringify(r.counterexample)} (fast-check seed ${r.seed}, path "${r.counterexamplePath}", ` +
      `after ${r.numRuns} runs, shrunk ${r.numShrinks}×):\n${inner}`,
  );
}

const copyGeo = (g: Geo): Geo => ({
  shape: [...g.shape],
  strides: [...g.strides],
  offset: g.offset,
});

/** A contiguous tensor of random float32 values. */
function fromBase(target: number[], rng: Rng): Operand {
  const n = target.reduce((a, b) => a * b, 1);
  const base = Array.from({ length: n }, () => Math.fround(rng.uniform(-3, 3)));
  const geo = { shape: [...target], strides: contiguousStrides(target), offset: 0 };
  return { t: flatTensor(base, target, 'float32'), geo, base };
}

type Builder = (target: number[], rng: Rng, depth: number) => Operand | null;

const viaPermute: Builder = (target, rng, depth) => {
  if (target.length < 2) return null;
  const perm = shuffle([...target.keys()], rng);
  const b = new Array<number>(target.length);
  perm.forEach((p, i) => (b[p] = target[i]!));
  const inner = realise(b, rng, depth - 1);
  const geo = {
    shape: perm.map((p) => inner.geo.shape[p]!),
    strides: perm.map((p) => inner.geo.strides[p]!),
    offset: inner.geo.offset,
  };
  return { ...inner, t: inner.t.permute(...perm), geo };
};

const viaFlip: Builder = (target, rng, depth) => {
  if (target.length < 1) return null;
  const dims = [...target.keys()].filter(() => rng.next() < 0.5);
  const inner = realise(target, rng, depth - 1);
  const g = copyGeo(inner.geo);
  for (const d of dims)
    if (g.shape[d]! > 0) {
      g.offset += (g.shape[d]! - 1) * g.strides[d]!;
      g.strides[d] = -g.strides[d]!;
    }
  return { ...inner, t: inner.t.flip(dims), geo: g };
};

const viaSlice: Builder = (target, rng, depth) => {
  if (target.length < 1) return null;
  const d = rng.int(0, target.length);
  const step = rng.int(1, 4);
  const start = rng.int(0, 2);
  const len = target[d]!;
  const end = len === 0 ? start : start + (len - 1) * step + 1;
  const b = [...target];
  b[d] = len === 0 ? start : end + rng.int(0, 2);
  const inner = realise(b, rng, depth - 1);
  const g = copyGeo(inner.geo);
  g.offset += start * inner.geo.strides[d]!;
  g.shape[d] = len;
  g.strides[d] = inner.geo.strides[d]! * step;
  return { ...inner, t: inner.t.slice(d, start, end, step), geo: g };
};

const viaExpand: Builder = (target, rng, depth) => {
  if (target.length < 1) return null;
  const b = target.map((s) => (s > 1 && rng.next() < 0.5 ? 1 : s));
  const inner = realise(b, rng, depth - 1);
  const strides = inner.geo.strides.map((s, i) => (b[i] === 1 && target[i] !== 1 ? 0 : s));
  const geo = { shape: [...target], strides, offset: inner.geo.offset };
  return { ...inner, t: inner.t.expand(...target), geo };
};

const BUILDERS: Builder[] = [(t, r) => fromBase(t, r), viaPermute, viaFlip, viaSlice, viaExpand];

/** Build a view of logical shape `target` through up to `depth` random view ops. */
function realise(target: number[], rng: Rng, depth: number): Operand {
  if (depth === 0) return fromBase(target, rng);
  return BUILDERS[rng.int(0, BUILDERS.length)]!(target, rng, depth) ?? fromBase(target, rng);
}

function shuffle<T>(a: T[], rng: Rng): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(0, i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

function flatten(x: unknown): number[] {
  return Array.isArray(x) ? x.flatMap(flatten) : [x as number];
}

function logical(o: Operand): number[] {
  return readLogical(o.base, o.geo);
}

/**
 * Check a view's own values against the JS geometry: through toArray() where the device reads
 * synchronously, else through `await data()`.
 */
async function checkView(ctx: CaseContext, o: Operand, what: string): Promise<number[]> {
  const want = logical(o);
  assertShape([...o.t.shape], o.geo.shape, `${what} shape`);
  const sync = ctx.backend.caps.syncRead !== false;
  const flat = flatten(sync ? o.t.toArray() : await readNested(o.t));
  assertClose(flat, want, {
    tol: EXACT,
    what: `${what} values via ${sync ? 'toArray()' : 'data()'}`,
  });
  return want;
}

/** Two shapes that broadcast to `out`: suffixes of it with some dims set to 1. */
const broadcastPair = fc
  .record({ out: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 }), seed: fc.integer() })
  .map(({ out, seed }) => {
    const rng = new Rng(seed);
    const side = () => out.slice(rng.int(0, out.length + 1)).map((d) => (rng.next() < 0.3 ? 1 : d));
    return { a: side(), b: side(), seed };
  });

const BINARY: Record<
  string,
  { f: (a: Tensor, b: Tensor) => Tensor; ref: (x: number, y: number) => number; bool?: boolean }
> = {
  add: { f: fl.add, ref: (x, y) => x + y },
  sub: { f: fl.sub, ref: (x, y) => x - y },
  mul: { f: fl.mul, ref: (x, y) => x * y },
  div: { f: fl.div, ref: (x, y) => x / y },
  maximum: { f: fl.maximum, ref: (x, y) => Math.max(x, y) },
  lt: { f: fl.lt, ref: (x, y) => (x < y ? 1 : 0), bool: true },
};

function broadcastShape(a: number[], b: number[]): number[] {
  const r = Math.max(a.length, b.length);
  return Array.from({ length: r }, (_, i) => {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    return x === 1 ? y : x;
  });
}

function broadcastRef(
  av: number[],
  as: number[],
  bv: number[],
  bs: number[],
  out: number[],
  f: (x: number, y: number) => number,
): number[] {
  const pick = (v: number[], s: number[], idx: number[]) =>
    v[
      ravel(
        s.map((d, i) => (d === 1 ? 0 : idx[idx.length - s.length + i]!)),
        s,
      )
    ]!;
  return [...indices(out)].map((idx) => f(pick(av, as, idx), pick(bv, bs, idx)));
}

function binaryProp(name: string): Case {
  const op = BINARY[name]!;
  return {
    id: `props/binary/${name}`,
    layer: 'props',
    op: name,
    dtype: 'float32',
    run: async (ctx: CaseContext) => {
      await holds(
        fc.asyncProperty(broadcastPair, ({ a, b, seed }) =>
          fl.tidyAsync(async () => {
            const rng = new Rng(seed);
            const x = realise(a, rng, 2);
            const y = realise(b, rng, 2);
            const xv = await checkView(ctx, x, 'a');
            const yv = await checkView(ctx, y, 'b');
            const out = broadcastShape(a, b);
            const got = op.f(x.t, y.t);
            assertShape([...got.shape], out);
            const ref = broadcastRef(xv, a, yv, b, out, op.ref).map((v) =>
              op.bool ? v : Math.fround(v),
            );
            assertClose(await read(got), ref, {
              tol: op.bool ? EXACT : ctx.tol('float32'),
              what: `${name} [${a}] [${b}]`,
            });
          }),
        ),
      );
    },
  };
}

const reduceInput = fc.record({
  shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
  seed: fc.integer(),
  keepdim: fc.boolean(),
});

function reduceRef(
  v: number[],
  shape: number[],
  dims: number[],
  keepdim: boolean,
  f: (xs: number[]) => number,
) {
  const outShape = shape.map((d, i) => (dims.includes(i) ? 1 : d));
  const groups = new Map<number, number[]>();
  let k = 0;
  for (const idx of indices(shape)) {
    const o = ravel(
      idx.map((x, i) => (dims.includes(i) ? 0 : x)),
      outShape,
    );
    if (!groups.has(o)) groups.set(o, []);
    groups.get(o)!.push(v[k++]!);
  }
  const out = [...indices(outShape)].map((_, o) => f(groups.get(o) ?? []));
  return { out, shape: keepdim ? outShape : shape.filter((_, i) => !dims.includes(i)) };
}

const REDUCE: Record<string, (xs: number[]) => number> = {
  sum: (xs) => xs.reduce((a, b) => a + b, 0),
  mean: (xs) => xs.reduce((a, b) => a + b, 0) / xs.length,
  amax: (xs) => Math.max(...xs),
};

function reduceProp(name: string): Case {
  return {
    id: `props/reduce/${name}`,
    layer: 'props',
    op: name,
    dtype: 'float32',
    run: async (ctx: CaseContext) => {
      await holds(
        fc.asyncProperty(reduceInput, ({ shape, seed, keepdim }) =>
          fl.tidyAsync(async () => {
            const rng = new Rng(seed);
            const x = realise(shape, rng, 2);
            const xv = await checkView(ctx, x, 'input');
            const dims = [...shape.keys()].filter(() => rng.next() < 0.5);
            const all = dims.length === 0;
            const useDims = all ? [...shape.keys()] : dims;
            const ref = reduceRef(xv, shape, useDims, keepdim, REDUCE[name]!);
            const opts = all
              ? { keepdim }
              : { dim: dims.map((d) => (rng.next() < 0.5 ? d - shape.length : d)), keepdim };
            const got =
              name === 'amax'
                ? x.t.amax(opts)
                : (x.t[name as 'sum' | 'mean'] as (o: object) => Tensor)(opts);
            assertShape([...got.shape], ref.shape, `${name} shape`);
            assertClose(await read(got), ref.out.map(Math.fround), {
              tol: ctx.tol('float32'),
              scale: maxAbs(xv) * Math.sqrt(xv.length),
              what: `${name} of [${shape}] over [${useDims}]`,
            });
          }),
        ),
      );
    },
  };
}

function argmaxProp(): Case {
  return {
    id: 'props/reduce/max-dim',
    layer: 'props',
    op: 'max',
    dtype: 'float32',
    run: async (ctx: CaseContext) => {
      await holds(
        fc.asyncProperty(reduceInput, ({ shape, seed, keepdim }) =>
          fl.tidyAsync(async () => {
            const rng = new Rng(seed);
            const x = realise(shape, rng, 2);
            const xv = await checkView(ctx, x, 'input');
            const dim = rng.int(0, shape.length);
            const { values, indices: idx } = x.t.max({ dim, keepdim });
            const ref = reduceRef(xv, shape, [dim], keepdim, (xs) => Math.max(...xs));
            const refIdx = reduceRef(
              xv.map((v, i) => i),
              shape,
              [dim],
              keepdim,
              (is) => {
                const m = Math.max(...is.map((i) => xv[i]!));
                return is.findIndex((i) => xv[i] === m);
              },
            );
            assertClose(await read(values), ref.out, { tol: EXACT, what: 'max values' });
            assertClose(await read(idx), refIdx.out, {
              tol: EXACT,
              what: 'max indices (first on ties)',
            });
            check(idx.dtype === 'int32', `indices dtype ${idx.dtype}`);
          }),
        ),
      );
    },
  };
}

export function propCases(): Case[] {
  return [
    ...Object.keys(BINARY).map(binaryProp),
    ...Object.keys(REDUCE).map(reduceProp),
    argmaxProp(),
  ];
}
