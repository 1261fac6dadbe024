import { BackendError, coerce, contiguousStrides, DTYPES, sizeOf } from '@flint/core/backend';
import { describe, expect, it } from 'vitest';
import {
  contiguousView,
  expectExact,
  freshCpu,
  LAYOUTS,
  logical,
  makeView,
  read,
  SHAPES,
  valueGen,
} from '../helpers.test.util.js';
import type { V } from '../helpers.test.util.js';

const cpu = freshCpu();

describe('contiguous, fill and pad', () => {
  for (const dtype of DTYPES)
    it(`contiguous ${dtype} materialises every layout`, () => {
      for (const shape of SHAPES)
        for (const layout of LAYOUTS) {
          const x = makeView(cpu, dtype, shape, layout, valueGen(dtype, 2));
          const got = read(cpu, cpu.kernels.contiguous(x), dtype, sizeOf(shape));
          expectExact(got, logical(x), `contiguous ${dtype} ${layout} [${shape}]`);
        }
    });

  it('fill coerces the value like the dtype stores it', () => {
    const cases = [
      ['float32', 0.1],
      ['float64', -0],
      ['int32', -2.7],
      ['int32', NaN],
      ['bool', NaN],
      ['bool', 0],
    ] as const;
    for (const [dtype, value] of cases) {
      const got = read(cpu, cpu.kernels.fill([2, 3], dtype, value), dtype, 6);
      expectExact(got, new Array<number>(6).fill(coerce(value, dtype)), `fill ${dtype} ${value}`);
    }
    expect(read(cpu, cpu.kernels.fill([], 'float32', 3), 'float32', 1)).toEqual([3]);
    expect(cpu.kernels.fill([0, 4], 'int32', 1).length).toBe(0);
  });

  for (const dtype of DTYPES)
    it(`pad ${dtype} with constant borders`, () => {
      for (const layout of LAYOUTS) {
        const x = makeView(cpu, dtype, [2, 3], layout, valueGen(dtype, 8));
        const widths = [
          [1, 0],
          [2, 1],
        ] as const;
        const lx = logical(x);
        const want: number[] = [];
        for (let i = 0; i < 3; i++)
          for (let j = 0; j < 6; j++) {
            const [r, c] = [i - 1, j - 2];
            want.push(r >= 0 && r < 2 && c >= 0 && c < 3 ? lx[r * 3 + c]! : coerce(7.5, dtype));
          }
        expectExact(read(cpu, cpu.kernels.pad(x, widths, 7.5), dtype, 18), want, `pad ${layout}`);
      }
      const e = contiguousView(cpu, dtype, [0, 2], []);
      expectExact(
        read(
          cpu,
          cpu.kernels.pad(
            e,
            [
              [1, 1],
              [0, 0],
            ],
            1,
          ),
          dtype,
          4,
        ),
        [1, 1, 1, 1],
        'pad empty',
      );
      const s = contiguousView(cpu, dtype, [], [1]);
      expectExact(read(cpu, cpu.kernels.pad(s, [], 0), dtype, 1), [1], 'pad 0-d');
    });
});

/** Oracle for gather: out[idx] = x[idx with idx[axis] := index[idx]]. */
function refGather(x: V, index: V, axis: number): number[] {
  const xs = contiguousStrides(x.shape),
    lx = logical(x),
    li = logical(index);
  const is = contiguousStrides(index.shape);
  return li.map((v, flat) => {
    let off = 0;
    index.shape.forEach((_, d) => {
      const c = Math.floor(flat / is[d]!) % index.shape[d]!;
      off += (d === axis ? v : c) * xs[d]!;
    });
    return lx[off]!;
  });
}

describe('gather and scatterAdd', () => {
  const idxView = (
    shape: number[],
    len: number,
    layout: (typeof LAYOUTS)[number],
    seed: number,
  ) => {
    let s = seed;
    return makeView(cpu, 'int32', shape, layout, () => (s = (s * 7 + 3) % 101) % len);
  };

  for (const dtype of DTYPES)
    it(`gather ${dtype} along each axis with strided/broadcast indices`, () => {
      for (const axis of [0, 1, 2])
        for (const layout of LAYOUTS) {
          const x = makeView(cpu, dtype, [3, 4, 5], layout, valueGen(dtype, axis));
          const index = idxView(
            [2, 3, 4].map((d, i) => (i === axis ? 6 : d)),
            x.shape[axis]!,
            layout,
            axis,
          );
          const got = read(cpu, cpu.kernels.gather(x, index, axis), dtype, sizeOf(index.shape));
          expectExact(got, refGather(x, index, axis), `gather ${dtype} ${layout} axis ${axis}`);
        }
    });

  for (const dtype of DTYPES)
    it(`scatterAdd ${dtype} accumulates duplicates`, () => {
      for (const axis of [0, 1])
        for (const layout of LAYOUTS) {
          const x = makeView(cpu, dtype, [3, 4], layout, valueGen(dtype, 1));
          const index = idxView(
            [5, 4].map((d, i) => (i === axis ? 5 : i === 0 ? 3 : 4)),
            x.shape[axis]!,
            layout,
            5,
          );
          const src = makeView(cpu, dtype, index.shape, 'transposed', valueGen(dtype, 6));
          const want = logical(x);
          const [li, ls] = [logical(index), logical(src)];
          const is = contiguousStrides(index.shape);
          li.forEach((v, flat) => {
            const [r, c] = [Math.floor(flat / is[0]!), flat % index.shape[1]!];
            const o = axis === 0 ? v * 4 + c : r * 4 + v;
            const s = want[o]! + ls[flat]!;
            want[o] = dtype === 'bool' ? (s !== 0 ? 1 : 0) : coerce(s, dtype);
          });
          const got = read(cpu, cpu.kernels.scatterAdd(x, index, src, axis), dtype, 12);
          expectExact(got, want, `scatterAdd ${dtype} ${layout} axis ${axis}`);
        }
    });

  it('refuses out-of-range indices without leaking the output buffer', () => {
    const fresh = freshCpu();
    const x = contiguousView(fresh, 'float32', [2, 2], [1, 2, 3, 4]);
    const bad = contiguousView(fresh, 'int32', [2, 2], [0, 2, 1, 0]);
    const neg = contiguousView(fresh, 'int32', [2, 2], [0, -1, 1, 0]);
    const before = fresh.stats();
    expect(() => fresh.kernels.gather(x, bad, 1)).toThrow(BackendError);
    expect(() => fresh.kernels.gather(x, neg, 0)).toThrow(/out of range/);
    expect(() => fresh.kernels.scatterAdd(x, bad, x, 0)).toThrow(BackendError);
    expect(fresh.stats()).toEqual(before);
  });
});
