/** Helpers shared by the L0 files: case construction, value generators, N-d index arithmetic. */
import { contiguousStrides, type DType, type Tolerance } from '@flint/core/backend';
import { Rng } from '../harness/rng.js';
import type { Case, CaseContext, Needs } from '../types.js';
import type { Layout } from './views.js';

export const STRIDED_LAYOUTS: readonly Layout[] = [
  'offset',
  'transposed',
  'stepped',
  'broadcast',
  'negative',
  'high-rank',
];

/** Capability needs of a case that hands `layouts` to a kernel. */
export function layoutNeeds(dtypes: readonly DType[], layouts: readonly Layout[]): Needs {
  return {
    dtypes: [...new Set(dtypes)],
    strided: layouts.some((l) => STRIDED_LAYOUTS.includes(l)) || undefined,
  };
}

export function primCase(
  id: string,
  op: string,
  dtype: DType,
  needs: Needs,
  run: (ctx: CaseContext, rng: Rng) => void | Promise<void>,
): Case {
  return { id, layer: 'L0', op, dtype, needs, run: (ctx) => run(ctx, new Rng(id)) };
}

/** Random physical values for a dtype: floats in ±4, ints in ±50, bools 0/1. */
export function randomValues(rng: Rng, dtype: DType, n: number): number[] {
  if (dtype === 'bool') return rng.array(n, (r) => (r.next() < 0.5 ? 1 : 0));
  if (dtype === 'int32') return rng.array(n, (r) => r.int(-50, 51));
  return rng.array(n, (r) => r.uniform(-4, 4));
}

export const FLOAT_SPECIALS = [
  NaN,
  Infinity,
  -Infinity,
  -0,
  0,
  1,
  -1,
  0.5,
  -2.5,
  1e-3,
  3,
  -40,
  1e30,
  -1e-30,
];
export const INT_SPECIALS = [2147483647, -2147483648, -1, 0, 1, 65536, -65536, 46341, 7, -7];

export function specials(dtype: DType): number[] {
  if (dtype === 'int32') return INT_SPECIALS;
  if (dtype === 'bool') return [0, 1];
  return FLOAT_SPECIALS;
}

export function tolFor(ctx: CaseContext, dtype: DType, tighter?: Partial<Tolerance>): Tolerance {
  return ctx.tol(dtype, tighter);
}

/** Iterate all multi-indices of `shape` in row-major order. */
export function* indices(shape: readonly number[]): Generator<number[]> {
  const n = shape.reduce((a, b) => a * b, 1);
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    yield idx.slice();
    for (let d = idx.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
}

export function ravel(idx: readonly number[], shape: readonly number[]): number {
  const st = contiguousStrides(shape);
  return idx.reduce((acc, v, i) => acc + v * st[i]!, 0);
}

export const FLOATS: readonly DType[] = ['float32', 'float64'];
export const NUMERIC: readonly DType[] = ['float32', 'float64', 'int32'];
export const ALL: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];
