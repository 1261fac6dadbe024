/**
 * L0: the stridedWrite kernel (a copy of a whole buffer with a view of it replaced — how in-place
 * ops on views write through) against PRIMS.stridedWrite.ref, over view geometries torch's views
 * make (rows, a column, transposed, flipped, stepped, 0-d, empty, high rank) and strided values.
 */
import { PRIMS, type DType, type KView } from '@flint/core/backend';
import { assertClose, EXACT } from '../harness/compare.js';
import type { Case } from '../types.js';
import { ALL, layoutNeeds, primCase, randomValues, specials } from './common.js';
import { input } from './elementwise.js';
import { withBuffers, type Layout } from './views.js';

/** The base is a contiguous [4, 5] buffer (20 elements); each target is a view of it. */
const BASE = 20;
interface Target {
  shape: number[];
  strides: number[];
  offset: number;
}
const TARGETS = {
  rows: { shape: [2, 5], strides: [5, 1], offset: 5 },
  column: { shape: [4], strides: [5], offset: 2 },
  transposed: { shape: [5, 4], strides: [1, 5], offset: 0 },
  negative: { shape: [3, 2], strides: [-5, 2], offset: 11 },
  stepped: { shape: [2, 2], strides: [10, 2], offset: 1 },
  scalar: { shape: [], strides: [], offset: 7 },
  empty: { shape: [0, 5], strides: [5, 1], offset: 0 },
  whole: { shape: [BASE], strides: [1], offset: 0 },
  'high-rank': { shape: [2, 1, 2, 1, 2, 1], strides: [10, 7, 5, 3, 1, 9], offset: 0 },
} satisfies Record<string, Target>;
type TargetName = keyof typeof TARGETS;

function writeCase(
  dtype: DType,
  target: TargetName,
  values: Layout | 'special',
  baseOffset = 0,
): Case {
  const t: Target = TARGETS[target];
  const layout: Layout = values === 'special' ? 'contiguous' : values;
  const variant = `${target}/${values}${baseOffset ? '/base-offset' : ''}`;
  return primCase(
    `l0/prim/stridedWrite/${dtype}/${variant}`,
    'stridedWrite',
    dtype,
    layoutNeeds([dtype], [layout]),
    (ctx, rng) =>
      withBuffers(ctx.backend, async (bufs) => {
        const phys = [...randomValues(rng, dtype, baseOffset), ...randomValues(rng, dtype, BASE)];
        const base = bufs.view(
          dtype,
          { shape: [BASE], strides: [1], offset: baseOffset, size: phys.length },
          phys,
        );
        const n = t.shape.reduce((a, b) => a * b, 1);
        const special = specials(dtype);
        const v =
          values === 'special'
            ? input(ctx, bufs, rng, dtype, 'contiguous', cycle(special, n))
            : input(ctx, bufs, rng, dtype, layout, undefined, t.shape);
        // special values arrive flat: seen as the target's shape, row-major
        const vview: KView<unknown> =
          values === 'special' ? { ...v.view, shape: t.shape, strides: rowMajor(t.shape) } : v.view;
        const ref = PRIMS.stridedWrite.ref(base.logical, v.logical, t.shape, t.strides, t.offset);
        const out = await bufs.take(
          ctx.backend.kernels.stridedWrite(base.view, vview, t.strides, t.offset),
          dtype,
          BASE,
        );
        assertClose(out, ref, { tol: EXACT, signedZero: true, what: `stridedWrite ${variant}` });
      }),
  );
}

const cycle = (xs: readonly number[], n: number): number[] =>
  Array.from({ length: n }, (_, i) => xs[i % xs.length]!);

function rowMajor(shape: readonly number[]): number[] {
  const st = shape.map(() => 1);
  for (let i = shape.length - 2; i >= 0; i--) st[i] = st[i + 1]! * shape[i + 1]!;
  return st;
}

/** A view reaching outside the base must be refused (never written out of bounds). */
function outOfRangeCase(dtype: DType): Case {
  return primCase(
    `l0/prim/stridedWrite/${dtype}/out-of-range`,
    'stridedWrite',
    dtype,
    { dtypes: [dtype] },
    (ctx, rng) =>
      withBuffers(ctx.backend, async (bufs) => {
        const base = bufs.view(
          dtype,
          { shape: [BASE], strides: [1], offset: 0, size: BASE },
          randomValues(rng, dtype, BASE),
        );
        const v = input(ctx, bufs, rng, dtype, 'contiguous', undefined, [2, 5]);
        for (const [strides, offset] of [
          [[5, 1], 15],
          [[-5, 1], 2],
        ] as const) {
          let threw = false;
          try {
            const buf = ctx.backend.kernels.stridedWrite(base.view, v.view, strides, offset);
            await bufs.take(buf, dtype, BASE);
          } catch {
            threw = true;
          }
          if (!threw)
            throw new Error(
              `stridedWrite accepted a view (offset ${offset}, strides [${strides.join(',')}]) ` +
                `reaching outside a base of ${BASE} elements`,
            );
        }
      }),
  );
}

export function writeCases(): Case[] {
  const cases: Case[] = [];
  for (const d of ALL) {
    for (const t of Object.keys(TARGETS) as TargetName[]) cases.push(writeCase(d, t, 'contiguous'));
    for (const l of ['transposed', 'negative', 'broadcast', 'stepped'] as const)
      cases.push(writeCase(d, 'rows', l), writeCase(d, 'negative', l));
    cases.push(writeCase(d, 'whole', 'special'), writeCase(d, 'rows', 'contiguous', 3));
    cases.push(outOfRangeCase(d));
  }
  return cases;
}
