import { sortCompare } from '@flint/core/backend';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { freshCpu } from '../helpers.test.util.js';

const cpu = freshCpu();

/** Sort rows of `data` ([rows, n] row-major, at `offset` in its buffer) and read both outputs. */
function sortRows(data: number[], n: number, descending: boolean, offset = 0) {
  const buf = cpu.alloc('float64', offset + data.length);
  cpu.write(buf, new Float64Array([...Array<number>(offset).fill(7), ...data]));
  const rows = n === 0 ? 0 : data.length / n;
  const view = { buf, dtype: 'float64' as const, shape: [rows, n], strides: [n, 1], offset };
  const [v, i] = cpu.kernels.sort(view, descending);
  const out = { values: Array.from(v), indices: Array.from(i) };
  for (const b of [buf, v, i]) cpu.free(b);
  return out;
}

describe('sort', () => {
  it('orders NaN above +∞ and keeps −0/+0 and other ties in input order', () => {
    const r = sortRows([0, NaN, -0, -Infinity, NaN, 0, Infinity], 7, false);
    expect(r.indices).toEqual([3, 0, 2, 5, 6, 1, 4]);
    expect(Object.is(r.values[2], -0)).toBe(true);
    expect(sortRows([0, NaN, -0, -Infinity, NaN, 0, Infinity], 7, true).indices).toEqual([
      1, 4, 6, 0, 2, 5, 3,
    ]);
  });

  it('reads rows from the view offset and handles empty and length-1 rows', () => {
    expect(sortRows([3, 1, 2, 9, 8, 7], 3, false, 5).values).toEqual([1, 2, 3, 7, 8, 9]);
    expect(sortRows([], 0, false)).toEqual({ values: [], indices: [] });
    expect(sortRows([4, 2], 1, true)).toEqual({ values: [4, 2], indices: [0, 0] });
  });

  it('is the stable sort under sortCompare for any row', () => {
    const value = fc.oneof(fc.double(), fc.constantFrom(0, -0, 1, NaN));
    fc.assert(
      fc.property(fc.array(value, { maxLength: 40 }), fc.boolean(), (row, desc) => {
        const want = row
          .map((_, j) => j)
          .sort((i, j) => sortCompare(row[i]!, row[j]!, desc) || i - j);
        expect(sortRows(row, row.length, desc).indices).toEqual(row.length ? want : []);
      }),
    );
  });
});
