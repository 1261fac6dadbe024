/** L0: element-wise primitives (unary, binary, compare, where, cast) called directly on KViews. */
import {
  acceptsDType,
  coerce,
  DTYPES,
  namesOfKind,
  PRIMS,
  type BinaryPrim,
  type ComparePrim,
  type DType,
  type UnaryPrim,
} from '@flint/core/backend';
import { assertClose, EXACT } from '../harness/compare.js';
import type { Case, CaseContext } from '../types.js';
import { ALL, layoutNeeds, primCase, randomValues, specials } from './common.js';
import { layoutGeometry, SHAPE2, withBuffers, type Buffers, type Layout } from './views.js';
import type { Rng } from '../harness/rng.js';

export const UNARY_LAYOUTS: readonly Layout[] = [
  'contiguous',
  'offset',
  'transposed',
  'stepped',
  'broadcast',
  'negative',
  'empty',
  'scalar',
  'high-rank',
];
/** Layout pairs for two-input kernels: [name, layout of a, layout of b]. */
export const PAIRS: readonly (readonly [string, Layout, Layout])[] = [
  ['contiguous', 'contiguous', 'contiguous'],
  ['offset+transposed', 'offset', 'transposed'],
  ['broadcast+negative', 'broadcast', 'negative'],
  ['stepped', 'stepped', 'contiguous'],
  ['empty', 'empty', 'empty'],
  ['scalar', 'scalar', 'scalar'],
  ['high-rank', 'high-rank', 'high-rank'],
];
const SIGNED_ZERO = new Set(['neg', 'abs', 'sign']);

const maxRank = (ctx: CaseContext): number => Math.min(ctx.backend.caps.maxRank, 6);

/** A view of `layout` over random values (or over `values`, contiguous, when given). */
export function input(
  ctx: CaseContext,
  bufs: Buffers,
  rng: Rng,
  dtype: DType,
  layout: Layout,
  values?: number[],
  shape: readonly number[] = SHAPE2,
  gen: (rng: Rng, dtype: DType, n: number) => number[] = randomValues,
) {
  if (values)
    return bufs.view(
      dtype,
      { shape: [values.length], strides: [1], offset: 0, size: values.length },
      values,
    );
  const g = layoutGeometry(layout, shape, maxRank(ctx));
  return bufs.view(dtype, g, gen(rng, dtype, g.size));
}

function outTol(ctx: CaseContext, dtype: DType) {
  return dtype === 'float32' || dtype === 'float64' ? ctx.tol(dtype) : EXACT;
}

function unaryCase(p: UnaryPrim, dtype: DType, variant: Layout | 'special'): Case {
  const layout = variant === 'special' ? 'contiguous' : variant;
  return primCase(
    `l0/prim/${p}/${dtype}/${variant}`,
    p,
    dtype,
    layoutNeeds([dtype], [layout]),
    (ctx, rng) =>
      withBuffers(ctx.backend, async (bufs) => {
        const x = input(
          ctx,
          bufs,
          rng,
          dtype,
          layout,
          variant === 'special' ? specials(dtype) : undefined,
        );
        const out = await bufs.take(ctx.backend.kernels[p](x.view), dtype, x.logical.length);
        const ref = x.logical.map((v) => coerce(PRIMS[p].ref(v, dtype), dtype));
        assertClose(out, ref, {
          tol: outTol(ctx, dtype),
          signedZero: variant === 'special' && SIGNED_ZERO.has(p),
          what: p,
        });
      }),
  );
}

function grid(dtype: DType): [number[], number[]] {
  const s = specials(dtype);
  return [s.flatMap((v) => s.map(() => v)), s.flatMap(() => s)];
}

function twoInputCase(
  p: BinaryPrim | ComparePrim,
  dtype: DType,
  variant: string,
  la: Layout,
  lb: Layout,
): Case {
  const isCmp = PRIMS[p].kind === 'compare';
  const needs = layoutNeeds(isCmp ? [dtype, 'bool'] : [dtype], [la, lb]);
  return primCase(`l0/prim/${p}/${dtype}/${variant}`, p, dtype, needs, (ctx, rng) =>
    withBuffers(ctx.backend, async (bufs) => {
      const [ga, gb] = variant === 'special' ? grid(dtype) : [undefined, undefined];
      const a = input(ctx, bufs, rng, dtype, la, ga);
      const b = input(ctx, bufs, rng, dtype, lb, gb);
      const n = a.logical.length;
      if (isCmp) {
        const k = ctx.backend.kernels[p as ComparePrim](a.view, b.view);
        const ref = a.logical.map((v, i) =>
          PRIMS[p as ComparePrim].ref(v, b.logical[i]!) ? 1 : 0,
        );
        assertClose(await bufs.take(k, 'bool', n), ref, { tol: EXACT, what: p });
      } else {
        const k = ctx.backend.kernels[p as BinaryPrim](a.view, b.view);
        const ref = a.logical.map((v, i) =>
          coerce(PRIMS[p as BinaryPrim].ref(v, b.logical[i]!, dtype), dtype),
        );
        assertClose(await bufs.take(k, dtype, n), ref, { tol: outTol(ctx, dtype), what: p });
      }
    }),
  );
}

function whereCase(dtype: DType, variant: string, layout: Layout): Case {
  const needs = layoutNeeds([dtype, 'bool'], [layout]);
  return primCase(`l0/prim/where/${dtype}/${variant}`, 'where', dtype, needs, (ctx, rng) =>
    withBuffers(ctx.backend, async (bufs) => {
      // cond takes `layout`; a and b mix in other strided layouts of the same shape where one exists
      const same = layout !== 'transposed';
      const c = input(ctx, bufs, rng, 'bool', layout);
      const a = input(ctx, bufs, rng, dtype, same ? layout : 'offset');
      const b = input(ctx, bufs, rng, dtype, same ? layout : 'negative');
      const out = await bufs.take(
        ctx.backend.kernels.where(c.view, a.view, b.view),
        dtype,
        c.logical.length,
      );
      assertClose(
        out,
        c.logical.map((v, i) => (v ? a.logical[i]! : b.logical[i]!)),
        { tol: EXACT, what: 'where' },
      );
    }),
  );
}

const CAST_VALUES: Record<DType, number[]> = {
  float32: [-2.7, -0.5, -0, 0, 0.5, 2.7, 1e6, -1e6, 16777217, 123.456],
  float64: [-2.7, -0.5, -0, 0, 0.5, 2.7, 1e6, -1e6, 16777217, 0.1, 1 / 3],
  int32: [2147483647, -2147483648, 16777217, -3, 0, 1, 7],
  bool: [0, 1, 1, 0],
};
const FLOAT_ONLY_SPECIALS = [NaN, Infinity, -Infinity, 1e300, -1e-300];

function castCase(from: DType, to: DType, variant: 'values' | 'special' | 'transposed'): Case {
  const needs = layoutNeeds([from, to], [variant === 'transposed' ? 'transposed' : 'contiguous']);
  return primCase(`l0/prim/cast/${from}-${to}/${variant}`, 'cast', from, needs, (ctx, rng) =>
    withBuffers(ctx.backend, async (bufs) => {
      const vals =
        variant === 'special'
          ? FLOAT_ONLY_SPECIALS
          : variant === 'values'
            ? CAST_VALUES[from]
            : undefined;
      const x = input(
        ctx,
        bufs,
        rng,
        from,
        variant === 'transposed' ? 'transposed' : 'contiguous',
        vals,
      );
      const out = await bufs.take(ctx.backend.kernels.cast(x.view, to), to, x.logical.length);
      assertClose(
        out,
        x.logical.map((v) => coerce(v, to)),
        { tol: EXACT, signedZero: to !== 'bool', what: `cast ${from}→${to}` },
      );
    }),
  );
}

export function elementwiseCases(): Case[] {
  const cases: Case[] = [];
  for (const p of namesOfKind('unary'))
    for (const d of DTYPES.filter((d) => acceptsDType(PRIMS[p].dtypes, d))) {
      for (const l of UNARY_LAYOUTS) cases.push(unaryCase(p, d, l));
      cases.push(unaryCase(p, d, 'special'));
    }
  const twoInput: (BinaryPrim | ComparePrim)[] = [
    ...namesOfKind('binary'),
    ...namesOfKind('compare'),
  ];
  for (const p of twoInput) {
    const entry = PRIMS[p];
    const dtypes = 'dtypes' in entry ? DTYPES.filter((d) => acceptsDType(entry.dtypes, d)) : ALL;
    for (const d of dtypes) {
      for (const [name, la, lb] of PAIRS) cases.push(twoInputCase(p, d, name, la, lb));
      if (d !== 'bool') cases.push(twoInputCase(p, d, 'special', 'contiguous', 'contiguous'));
    }
  }
  for (const d of ALL)
    for (const l of ['contiguous', 'transposed', 'empty', 'scalar', 'high-rank'] as const)
      cases.push(whereCase(d, l, l));
  for (const from of ALL)
    for (const to of ALL) {
      cases.push(castCase(from, to, 'values'), castCase(from, to, 'transposed'));
      if ((from === 'float32' || from === 'float64') && to !== 'int32')
        cases.push(castCase(from, to, 'special'));
    }
  return cases;
}
