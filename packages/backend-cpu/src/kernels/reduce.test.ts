import { coerce, DTYPES, reduceDType, sizeOf } from '@flint/core/backend';
import type { DType, ReducePrim } from '@flint/core/backend';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  contiguousView,
  expectClose,
  expectExact,
  freshCpu,
  LAYOUTS,
  logical,
  makeView,
  read,
  valueGen,
} from '../helpers.test.util.js';

const cpu = freshCpu();

/** Row-major multi-indices of `shape`. */
function indices(shape: readonly number[]): number[][] {
  const out: number[][] = [];
  const n = sizeOf(shape);
  for (let i = 0; i < n; i++) {
    let r = i;
    const idx = new Array<number>(shape.length);
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d] = r % shape[d]!;
      r = Math.floor(r / shape[d]!);
    }
    out.push(idx);
  }
  return out;
}

const nanMax = (a: number, b: number) =>
  a !== a || b !== b ? NaN : a > b ? a : a === b && Object.is(a, 0) ? a : b;
const nanMin = (a: number, b: number) =>
  a !== a || b !== b ? NaN : a < b ? a : a === b && Object.is(a, -0) ? a : b;

/** The oracle: fold in logical order, in float64 (or wrapping int32), then store. */
function refReduce(op: ReducePrim, dtype: DType, shape: number[], vals: number[], axes: number[]) {
  const keep = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const outShape = keep.map((i) => shape[i]!);
  const int = dtype === 'int32' || dtype === 'bool';
  const init = { sum: 0, prod: 1, max: -Infinity, min: Infinity }[op]; // +0: torch's sums
  const acc = new Array<number>(sizeOf(outShape)).fill(init);
  const outStrides = outShape.map((_, k) => sizeOf(outShape.slice(k + 1)));
  indices(shape).forEach((idx, i) => {
    const o = keep.reduce((s, d, k) => s + idx[d]! * outStrides[k]!, 0);
    const [s, v] = [acc[o]!, vals[i]!];
    if (op === 'sum') acc[o] = int ? (s + v) | 0 : s + v;
    else if (op === 'prod') acc[o] = int ? Math.imul(s, v) : s * v;
    else acc[o] = op === 'max' ? nanMax(s, v) : nanMin(s, v);
  });
  return { outShape, want: acc.map((v) => coerce(v, reduceDType(op, dtype))) };
}

const CASES: [number[], number[]][] = [
  [[7], [0]],
  [[3, 4], [0]],
  [[3, 4], [1]],
  [
    [3, 4],
    [0, 1],
  ],
  [[2, 3, 4], [1]],
  [
    [2, 3, 4],
    [0, 2],
  ],
  [
    [2, 1, 3, 2],
    [0, 3],
  ],
  [
    [4, 5, 6],
    [0, 1, 2],
  ],
  [[2, 0, 3], [1]],
  [[2, 0, 3], [0]],
];

describe('reduce', () => {
  for (const op of ['sum', 'prod', 'max', 'min'] as const)
    for (const dtype of DTYPES)
      it(`${op} ${dtype} over axes on every layout`, () => {
        const gen = valueGen(dtype, 5);
        const small = dtype === 'float32' || dtype === 'float64' ? () => gen() % 3 : gen;
        const exact = op === 'max' || op === 'min' || dtype === 'int32' || dtype === 'bool';
        for (const [shape, axes] of CASES) {
          if ((op === 'max' || op === 'min') && sizeOf(shape) === 0) continue;
          for (const layout of LAYOUTS) {
            const x = makeView(cpu, dtype, shape, layout, op === 'prod' ? small : gen);
            const { outShape, want } = refReduce(op, dtype, shape, logical(x), axes);
            const got = read(
              cpu,
              cpu.kernels[op](x, axes),
              reduceDType(op, dtype),
              sizeOf(outShape),
            );
            const what = `${op} ${dtype} ${layout} [${shape}] axes ${axes}`;
            if (exact) expectExact(got, want, what);
            else expectClose(got, want, dtype === 'float32' ? 1e-6 : 1e-12, 0, what);
          }
        }
      });

  it('reducing a 0-d tensor over no axes is a copy (bool sums widen to int32)', () => {
    const x = contiguousView(cpu, 'float32', [], [-0]);
    expectExact(read(cpu, cpu.kernels.sum(x, []), 'float32', 1), [-0], 'sum 0-d');
    const b = contiguousView(cpu, 'bool', [], [1]);
    expect(read(cpu, cpu.kernels.sum(b, []), 'int32', 1)).toEqual([1]);
  });

  it('float32 sums accumulate in float64', () => {
    const n = 1 << 16; // far enough for a float32 running sum to drift from the exact result
    const x = contiguousView(cpu, 'float32', [n], new Array<number>(n).fill(0.1));
    const got = read(cpu, cpu.kernels.sum(x, [0]), 'float32', 1)[0]!;
    expect(got).toBe(Math.fround(Math.fround(0.1) * n));
  });

  it('sum over random axes of random strided views agrees with the oracle', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: LAYOUTS.length - 1 }),
        fc.integer({ min: 1, max: 15 }),
        (shape, layout, mask) => {
          const axes = shape.map((_, i) => i).filter((i) => mask & (1 << i));
          if (axes.length === 0) return;
          const x = makeView(cpu, 'float64', shape, LAYOUTS[layout]!, valueGen('float64', mask));
          const { outShape, want } = refReduce('sum', 'float64', shape, logical(x), axes);
          const got = read(cpu, cpu.kernels.sum(x, axes), 'float64', sizeOf(outShape));
          expectClose(got, want, 1e-12, 1e-12, `sum [${shape}] ${axes}`);
        },
      ),
      { numRuns: 100 },
    );
  });
});

function refArg(max: boolean, shape: number[], vals: number[], axis: number): number[] {
  const outer = sizeOf(shape.slice(0, axis)),
    len = shape[axis]!,
    inner = sizeOf(shape.slice(axis + 1));
  const out: number[] = [];
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      let bi = 0;
      for (let k = 1; k < len; k++) {
        const v = vals[(o * len + k) * inner + i]!,
          b = vals[(o * len + bi) * inner + i]!;
        if (b !== b) break;
        if (v !== v || (max ? v > b : v < b)) bi = k;
      }
      out.push(bi);
    }
  return out;
}

describe('argReduce and scan', () => {
  for (const op of ['argmax', 'argmin'] as const)
    for (const dtype of DTYPES)
      it(`${op} ${dtype}: first extreme, first NaN wins`, () => {
        for (const [shape, axis] of [
          [[9], 0],
          [[3, 4], 0],
          [[3, 4], 1],
          [[2, 3, 4], 1],
          [[2, 0, 3], 2],
        ] as const)
          for (const layout of LAYOUTS) {
            const x = makeView(cpu, dtype, shape, layout, valueGen(dtype, 9));
            const want = refArg(op === 'argmax', [...shape], logical(x), axis);
            const got = read(cpu, cpu.kernels[op](x, axis), 'int32', want.length);
            expectExact(got, want, `${op} ${dtype} ${layout} [${shape}] axis ${axis}`);
          }
      });

  it('argmax picks the first NaN and the first of equal maxima', () => {
    const x = contiguousView(cpu, 'float32', [6], [1, 5, 5, NaN, 9, NaN]);
    expect(read(cpu, cpu.kernels.argmax(x, 0), 'int32', 1)).toEqual([3]);
    const y = contiguousView(cpu, 'float32', [4], [1, 5, -2, 5]);
    expect(read(cpu, cpu.kernels.argmax(y, 0), 'int32', 1)).toEqual([1]);
    expect(read(cpu, cpu.kernels.argmin(y, 0), 'int32', 1)).toEqual([2]);
  });

  for (const dtype of DTYPES)
    it(`cumsum ${dtype} along each axis`, () => {
      const outDtype = reduceDType('cumsum', dtype);
      for (const [shape, axis] of [
        [[9], 0],
        [[3, 4], 0],
        [[3, 4], 1],
        [[2, 3, 4], 1],
        [[2, 0, 3], 0],
      ] as const)
        for (const layout of LAYOUTS) {
          const x = makeView(cpu, dtype, shape, layout, valueGen(dtype, 4));
          const vals = logical(x);
          const stride = sizeOf(shape.slice(axis + 1));
          const acc = vals.map(() => 0);
          const want = vals.map((v, i) => {
            const k = Math.floor(i / stride) % shape[axis]!;
            const prev = k === 0 ? 0 : acc[i - stride]!;
            acc[i] = outDtype === 'int32' ? (prev + v) | 0 : prev + v;
            return coerce(acc[i]!, outDtype);
          });
          const got = read(cpu, cpu.kernels.cumsum(x, axis), outDtype, want.length);
          expectExact(got, want, `cumsum ${dtype} ${layout} [${shape}] axis ${axis}`);
        }
    });
});

describe('axis kernels on 0-d tensors (axis 0, as PyTorch allows)', () => {
  it('argmax, cumsum, gather and softmax treat a scalar as one element', () => {
    const x = contiguousView(cpu, 'float32', [], [2.5]);
    expect(read(cpu, cpu.kernels.argmax(x, 0), 'int32', 1)).toEqual([0]);
    expect(read(cpu, cpu.kernels.cumsum(x, 0), 'float32', 1)).toEqual([2.5]);
    const i = contiguousView(cpu, 'int32', [], [0]);
    expect(read(cpu, cpu.kernels.gather(x, i, 0), 'float32', 1)).toEqual([2.5]);
    expect(read(cpu, cpu.kernels.scatterAdd(x, i, x, 0), 'float32', 1)).toEqual([5]);
    expect(read(cpu, cpu.overrides!.softmax!(x, 0), 'float32', 1)).toEqual([1]);
    expect(read(cpu, cpu.overrides!.logSoftmax!(x, 0), 'float32', 1)).toEqual([0]);
  });
});
