/**
 * L0: the `sort` kernel — a stable sort of each row along the last axis of a row-major input,
 * returning values and int32 indices. Checked against a JS stable sort under core's
 * `sortCompare`: NaN above +∞, −0 equal to +0 (so ties, signed zeros included, keep their order).
 */
import { coerce, sortCompare, type DType } from '@flint/core/backend';
import { assertClose, EXACT } from '../harness/compare.js';
import type { Rng } from '../harness/rng.js';
import type { Case } from '../types.js';
import { ALL, primCase, randomValues, specials } from './common.js';
import { withBuffers } from './views.js';

interface Variant {
  /** Shape of the input; rows run along the last axis. */
  shape: number[];
  /** Values of the input, row-major. */
  values: (rng: Rng, dtype: DType, n: number) => number[];
  /** Elements stored before the view (a contiguous input at a non-zero offset). */
  offset?: number;
}

/** Values drawn from three, so nearly every element ties with others. */
const ties = (rng: Rng, dtype: DType, n: number): number[] =>
  rng.array(n, (r) => (dtype === 'bool' ? r.int(0, 2) : r.int(-1, 2)));
/** The dtype's special values (NaN, ±∞, ±0 …) in random order and repeated. */
const special = (rng: Rng, dtype: DType, n: number): number[] => {
  const s = specials(dtype);
  return rng.array(n, (r) => s[r.int(0, s.length)]!);
};

const VARIANTS: Record<string, Variant> = {
  rows: { shape: [4, 9], values: randomValues },
  ties: { shape: [3, 17], values: ties },
  specials: { shape: [2, 23], values: special },
  offset: { shape: [2, 5], values: randomValues, offset: 3 },
  'length-1': { shape: [5, 1], values: randomValues },
  'empty-rows': { shape: [3, 0], values: randomValues },
  'no-rows': { shape: [0, 4], values: randomValues },
  vector: { shape: [31], values: special },
  'rank-3': { shape: [2, 3, 6], values: ties },
  long: { shape: [2, 700], values: ties },
};

/** The reference: each row's indices stably sorted by sortCompare, and the values they pick. */
function sortRef(x: number[], n: number, descending: boolean): { values: number[]; idx: number[] } {
  const values: number[] = [];
  const idx: number[] = [];
  for (let base = 0; base < x.length; base += n) {
    const order = Array.from({ length: n }, (_, j) => j);
    order.sort((i, j) => sortCompare(x[base + i]!, x[base + j]!, descending) || i - j);
    for (const j of order) {
      idx.push(j);
      values.push(x[base + j]!);
    }
  }
  return { values, idx };
}

function sortCase(dtype: DType, variant: string, descending: boolean): Case {
  const v = VARIANTS[variant]!;
  const dir = descending ? 'descending' : 'ascending';
  return primCase(
    `l0/prim/sort/${dtype}/${variant}/${dir}`,
    'sort',
    dtype,
    { dtypes: [dtype, 'int32'], rank: v.shape.length },
    (ctx, rng) =>
      withBuffers(ctx.backend, async (bufs) => {
        const size = v.shape.reduce((a, b) => a * b, 1);
        const n = v.shape[v.shape.length - 1]!;
        const off = v.offset ?? 0;
        const logical = v.values(rng, dtype, size).map((a) => coerce(a, dtype));
        const phys = [...randomValues(rng, dtype, off), ...logical];
        const strides = v.shape.map((_, i) => v.shape.slice(i + 1).reduce((a, b) => a * b, 1));
        const buf = bufs.upload(dtype, phys);
        const view = { buf, dtype, shape: v.shape, strides, offset: off };
        const [vb, ib] = ctx.backend.kernels.sort(view, descending);
        const values = await bufs.take(vb, dtype, size);
        const idx = await bufs.take(ib, 'int32', size);
        const ref = sortRef(logical, n, descending);
        assertClose(idx, ref.idx, { tol: EXACT, what: `sort ${variant} ${dir} indices` });
        assertClose(values, ref.values, {
          tol: EXACT,
          signedZero: true,
          what: `sort ${variant} ${dir} values`,
        });
      }),
  );
}

export function sortCases(): Case[] {
  const cases: Case[] = [];
  for (const d of ALL)
    for (const v of Object.keys(VARIANTS))
      for (const desc of [false, true]) cases.push(sortCase(d, v, desc));
  return cases;
}
