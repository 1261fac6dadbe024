/** L0: reduce (sum, prod, max, min), argReduce (argmax, argmin) and scan (cumsum) kernels. */
import { coerce, reduceDType, type DType, type ReducePrim } from '@flint/core/backend';
import { assertClose, EXACT, maxAbs } from '../harness/compare.js';
import type { Rng } from '../harness/rng.js';
import type { Case } from '../types.js';
import { ALL, indices, layoutNeeds, primCase, randomValues, ravel } from './common.js';
import { input } from './elementwise.js';
import { withBuffers, type Layout } from './views.js';

const SHAPE3 = [3, 4, 2];
const LAYOUTS: readonly Layout[] = [
  'contiguous',
  'transposed',
  'negative',
  'broadcast',
  'stepped',
  'empty',
  'scalar',
  'high-rank',
];

/** Axis sets to reduce for a rank. */
function axisSets(rank: number): number[][] {
  if (rank === 0) return [[]];
  const sets = [[0], [rank - 1], [...Array(rank).keys()]];
  if (rank >= 3) sets.push([1], [0, 2]);
  if (rank >= 5) sets.push([1, 3, 4]);
  return sets;
}

type Acc = { init: number; step: (acc: number, v: number) => number };
function accumulator(p: ReducePrim, out: DType): Acc {
  const i32 = out === 'int32';
  switch (p) {
    case 'sum':
      return { init: 0, step: (a, v) => (i32 ? (a + v) | 0 : a + v) };
    case 'prod':
      return { init: 1, step: (a, v) => (i32 ? Math.imul(a, v) : a * v) };
    case 'max':
      return {
        init: -Infinity,
        step: (a, v) => (Number.isNaN(a) || Number.isNaN(v) ? NaN : Math.max(a, v)),
      };
    case 'min':
      return {
        init: Infinity,
        step: (a, v) => (Number.isNaN(a) || Number.isNaN(v) ? NaN : Math.min(a, v)),
      };
  }
}

/** Generic reference: reduce `x` (flat, shape) over `axes` with a per-output fold. */
export function reduceRef(
  x: readonly number[],
  shape: readonly number[],
  axes: readonly number[],
  acc: Acc,
) {
  const outShape = shape.filter((_, i) => !axes.includes(i));
  const out = new Array<number>(outShape.reduce((a, b) => a * b, 1)).fill(acc.init);
  let k = 0;
  for (const idx of indices(shape)) {
    const o = ravel(
      idx.filter((_, i) => !axes.includes(i)),
      outShape,
    );
    out[o] = acc.step(out[o]!, x[k++]!);
  }
  return { out, shape: outShape };
}

function reduceCase(p: ReducePrim, dtype: DType, variant: Layout | 'nan'): Case {
  const layout = variant === 'nan' ? 'contiguous' : variant;
  const od = reduceDType(p, dtype);
  return primCase(
    `l0/prim/${p}/${dtype}/${variant}`,
    p,
    dtype,
    layoutNeeds([dtype, od], [layout]),
    (ctx, rng) =>
      withBuffers(ctx.backend, async (bufs) => {
        const gen = variant === 'nan' ? withNaN : randomValues;
        const x = input(ctx, bufs, rng, dtype, layout, undefined, SHAPE3, gen);
        for (const axes of axisSets(x.view.shape.length)) {
          if ((p === 'max' || p === 'min') && axes.some((a) => x.view.shape[a] === 0)) continue; // core rejects these
          const ref = reduceRef(x.logical, x.view.shape, axes, accumulator(p, od));
          const out = await bufs.take(ctx.backend.kernels[p](x.view, axes), od, ref.out.length);
          const count = axes.reduce((a, ax) => a * x.view.shape[ax]!, 1);
          const tol = od === 'float32' || od === 'float64' ? ctx.tol(od) : EXACT;
          const scale = p === 'sum' ? count * maxAbs(x.logical) : 0;
          assertClose(
            out,
            ref.out.map((v) => coerce(v, od)),
            { tol, scale, what: `${p} over axes [${axes}]` },
          );
        }
      }),
  );
}

function withNaN(rng: Rng, dtype: DType, n: number): number[] {
  return randomValues(rng, dtype, n).map((v, i) => (i % 7 === 3 ? NaN : v));
}
function tiesValues(rng: Rng, dtype: DType, n: number): number[] {
  return rng.array(n, (r) => r.int(-2, 3)).map((v) => (dtype === 'bool' ? Math.abs(v) % 2 : v));
}

/** First index of the max (sign +1) or min (sign -1) along axis; NaN counts as the extreme. */
export function argRef(x: readonly number[], shape: readonly number[], axis: number, sign: 1 | -1) {
  const outShape = shape.filter((_, i) => i !== axis);
  const best = new Array<number>(outShape.reduce((a, b) => a * b, 1)).fill(NaN);
  const arg = new Array<number>(best.length).fill(-1);
  let k = 0;
  for (const idx of indices(shape)) {
    const o = ravel(
      idx.filter((_, i) => i !== axis),
      outShape,
    );
    const v = x[k++]!;
    const cur = best[o]!;
    const better =
      arg[o] === -1 || (!Number.isNaN(cur) && (Number.isNaN(v) || sign * (v - cur) > 0));
    if (better) {
      best[o] = v;
      arg[o] = idx[axis]!;
    }
  }
  return arg;
}

function argCase(p: 'argmax' | 'argmin', dtype: DType, variant: Layout | 'nan'): Case {
  const layout = variant === 'nan' ? 'contiguous' : variant;
  return primCase(
    `l0/prim/${p}/${dtype}/${variant}`,
    p,
    dtype,
    layoutNeeds([dtype, 'int32'], [layout]),
    (ctx, rng) =>
      withBuffers(ctx.backend, async (bufs) => {
        const gen =
          variant === 'nan'
            ? (r: Rng, d: DType, n: number) =>
                withNaN(r, d, n).map((v) => (Number.isNaN(v) ? v : Math.round(v)))
            : tiesValues;
        const x = input(ctx, bufs, rng, dtype, layout, undefined, SHAPE3, gen);
        for (let axis = 0; axis < x.view.shape.length; axis++) {
          if (x.view.shape[axis] === 0) continue;
          const ref = argRef(x.logical, x.view.shape, axis, p === 'argmax' ? 1 : -1);
          const out = await bufs.take(ctx.backend.kernels[p](x.view, axis), 'int32', ref.length);
          assertClose(out, ref, { tol: EXACT, what: `${p} axis ${axis}` });
        }
      }),
  );
}

function scanCase(dtype: DType, variant: Layout | 'nan'): Case {
  const layout = variant === 'nan' ? 'contiguous' : variant;
  const od = reduceDType('cumsum', dtype);
  return primCase(
    `l0/prim/cumsum/${dtype}/${variant}`,
    'cumsum',
    dtype,
    layoutNeeds([dtype, od], [layout]),
    (ctx, rng) =>
      withBuffers(ctx.backend, async (bufs) => {
        const x = input(
          ctx,
          bufs,
          rng,
          dtype,
          layout,
          undefined,
          SHAPE3,
          variant === 'nan' ? withNaN : randomValues,
        );
        for (let axis = 0; axis < x.view.shape.length; axis++) {
          const ref = scanRef(x.logical, x.view.shape, axis, od === 'int32');
          const out = await bufs.take(ctx.backend.kernels.cumsum(x.view, axis), od, ref.length);
          const tol = od === 'int32' ? EXACT : ctx.tol(od);
          assertClose(
            out,
            ref.map((v) => coerce(v, od)),
            { tol, scale: x.view.shape[axis]! * maxAbs(x.logical), what: `cumsum axis ${axis}` },
          );
        }
      }),
  );
}

export function scanRef(
  x: readonly number[],
  shape: readonly number[],
  axis: number,
  i32: boolean,
): number[] {
  const out = x.slice();
  const stride = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  let k = 0;
  for (const idx of indices(shape)) {
    if (idx[axis]! > 0)
      out[k] = i32 ? (out[k - stride]! + out[k]!) | 0 : out[k - stride]! + out[k]!;
    k++;
  }
  return out;
}

export function reduceCases(): Case[] {
  const cases: Case[] = [];
  for (const d of ALL) {
    for (const p of ['sum', 'prod', 'max', 'min'] as const) {
      for (const l of LAYOUTS) cases.push(reduceCase(p, d, l));
      if (d === 'float32' || d === 'float64') cases.push(reduceCase(p, d, 'nan'));
    }
    for (const p of ['argmax', 'argmin'] as const) {
      for (const l of LAYOUTS) cases.push(argCase(p, d, l));
      if (d === 'float32' || d === 'float64') cases.push(argCase(p, d, 'nan'));
    }
    for (const l of LAYOUTS) cases.push(scanCase(d, l));
    if (d === 'float32') cases.push(scanCase(d, 'nan'));
  }
  return cases;
}
