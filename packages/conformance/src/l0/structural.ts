/** L0: contiguous, fill and pad kernels. */
import { coerce, type DType, type PadWidths } from '@flint/core/backend';
import { assertClose, EXACT } from '../harness/compare.js';
import type { Case } from '../types.js';
import { ALL, indices, layoutNeeds, primCase, ravel } from './common.js';
import { input, UNARY_LAYOUTS } from './elementwise.js';
import { highRankShape, withBuffers, type Layout } from './views.js';

function contiguousCase(dtype: DType, layout: Layout): Case {
  // contiguous is how core materialises views for backends without strided kernels, so it must
  // read strided views even when caps.strided is false
  return primCase(
    `l0/prim/contiguous/${dtype}/${layout}`,
    'contiguous',
    dtype,
    { dtypes: [dtype] },
    (ctx, rng) =>
      withBuffers(ctx.backend, async (bufs) => {
        const x = input(ctx, bufs, rng, dtype, layout);
        const out = await bufs.take(
          ctx.backend.kernels.contiguous(x.view),
          dtype,
          x.logical.length,
        );
        assertClose(out, x.logical, { tol: EXACT, signedZero: true, what: 'contiguous' });
      }),
  );
}

const FILL_VALUES: Record<DType, number[]> = {
  float32: [1.5, NaN, -0, -Infinity, 0.1],
  float64: [0.1, NaN, Infinity],
  int32: [-7, 2147483647],
  bool: [1, 0],
};

function fillCase(dtype: DType, variant: 'values' | 'empty' | 'scalar' | 'high-rank'): Case {
  return primCase(
    `l0/prim/fill/${dtype}/${variant}`,
    'fill',
    dtype,
    { dtypes: [dtype] },
    async (ctx) => {
      const shape =
        variant === 'empty'
          ? [2, 0]
          : variant === 'scalar'
            ? []
            : variant === 'high-rank'
              ? highRankShape(Math.min(ctx.backend.caps.maxRank, 6))
              : [2, 3];
      const n = shape.reduce((a, b) => a * b, 1);
      for (const v of FILL_VALUES[dtype]) {
        const buf = ctx.backend.kernels.fill(shape, dtype, v);
        const out = await ctx.backend.read(buf, dtype, n);
        ctx.backend.free(buf);
        assertClose(out, new Array<number>(n).fill(coerce(v, dtype)), {
          tol: EXACT,
          signedZero: true,
          what: `fill ${v}`,
        });
      }
    },
  );
}

/** Reference constant padding of logical values `x` (shape) by widths. */
export function padRef(
  x: number[],
  shape: readonly number[],
  widths: PadWidths,
  value: number,
): { out: number[]; shape: number[] } {
  const outShape = shape.map((d, i) => widths[i]![0] + d + widths[i]![1]);
  const out = new Array<number>(outShape.reduce((a, b) => a * b, 1)).fill(value);
  let k = 0;
  for (const idx of indices(shape))
    out[
      ravel(
        idx.map((v, i) => v + widths[i]![0]),
        outShape,
      )
    ] = x[k++]!;
  return { out, shape: outShape };
}

function padCase(dtype: DType, layout: Layout): Case {
  return primCase(
    `l0/prim/pad/${dtype}/${layout}`,
    'pad',
    dtype,
    layoutNeeds([dtype], [layout]),
    (ctx, rng) =>
      withBuffers(ctx.backend, async (bufs) => {
        const x = input(ctx, bufs, rng, dtype, layout);
        const widths = x.view.shape.map((_, i) => [i % 2, (i + 2) % 3] as const);
        for (const value of [0, -1.5]) {
          const v = coerce(value, dtype);
          const ref = padRef(x.logical, x.view.shape, widths, v);
          const out = await bufs.take(
            ctx.backend.kernels.pad(x.view, widths, v),
            dtype,
            ref.out.length,
          );
          assertClose(out, ref.out, { tol: EXACT, what: `pad value ${v}` });
        }
      }),
  );
}

export function structuralCases(): Case[] {
  const cases: Case[] = [];
  for (const d of ALL) {
    for (const l of UNARY_LAYOUTS) cases.push(contiguousCase(d, l));
    for (const v of ['values', 'empty', 'scalar', 'high-rank'] as const) cases.push(fillCase(d, v));
    for (const l of [
      'contiguous',
      'transposed',
      'negative',
      'empty',
      'scalar',
      'high-rank',
    ] as const)
      cases.push(padCase(d, l));
  }
  return cases;
}
