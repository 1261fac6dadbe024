/**
 * `sort`: a stable sort of every row along the last axis, returning the sorted values and their
 * int32 source indices. Each row sorts an index array with a comparator that orders values as
 * core's `sortCompare` (NaN above +∞, −0 equal to +0) and breaks ties by index, so the result is
 * stable whatever algorithm the engine's sort uses.
 */
import { sizeOf } from '@flint/core/backend';
import type { KernelSignatures, TypedArray } from '@flint/core/backend';
import type { Alloc } from '../types.js';

/** Ascending order of two values: NaN last, otherwise by `<` (so −0 and +0 tie). */
function ascending(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  const an = a !== a; // at least one is NaN here
  const bn = b !== b;
  return an === bn ? 0 : an ? 1 : -1;
}

export const sortKernel =
  (alloc: Alloc): KernelSignatures<TypedArray>['sort'] =>
  (x, descending) => {
    const size = sizeOf(x.shape);
    const n = x.shape.length === 0 ? 1 : x.shape[x.shape.length - 1]!;
    const values = alloc(x.dtype, size);
    const indices = alloc('int32', size) as Int32Array;
    const src = x.buf;
    const sign = descending ? -1 : 1;
    const order = new Int32Array(n);
    for (let base = 0; base < size; base += n) {
      const at = x.offset + base;
      for (let j = 0; j < n; j++) order[j] = j;
      order.sort((i, j) => sign * ascending(src[at + i]!, src[at + j]!) || i - j);
      for (let j = 0; j < n; j++) {
        indices[base + j] = order[j]!;
        values[base + j] = src[at + order[j]!]!;
      }
    }
    return [values, indices] as const;
  };
