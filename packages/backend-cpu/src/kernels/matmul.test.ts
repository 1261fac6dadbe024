import { coerce, sizeOf } from '@flint/core/backend';
import type { DType } from '@flint/core/backend';
import { describe, expect, it } from 'vitest';
import {
  contiguousView,
  expectClose,
  expectExact,
  freshCpu,
  logical,
  makeView,
  read,
  rng,
} from '../helpers.test.util.js';
import type { Layout, V } from '../helpers.test.util.js';

const cpu = freshCpu();

/** Naive [B,M,K]×[B,K,N] in float64 (or wrapping int32) over the logical values. */
function refMatmul(a: V, b: V, dtype: DType): number[] {
  const [batch, m, k] = a.shape as [number, number, number];
  const n = b.shape[2]!;
  const [la, lb] = [logical(a), logical(b)];
  const out: number[] = [];
  for (let p = 0; p < batch; p++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) {
          const x = la[(p * m + i) * k + q]!,
            y = lb[(p * k + q) * n + j]!;
          s = dtype === 'int32' ? (s + Math.imul(x, y)) | 0 : s + x * y;
        }
        out.push(coerce(s, dtype));
      }
  return out;
}

function gen(dtype: DType, seed: number): () => number {
  const r = rng(seed);
  return dtype === 'int32' ? () => Math.floor(r() * 2e9 - 1e9) : () => r() * 2 - 1;
}

function check(dtype: DType, dims: [number, number, number, number], la: Layout, lb: Layout) {
  const [batch, m, k, n] = dims;
  const a = makeView(cpu, dtype, [batch, m, k], la, gen(dtype, m * 31 + k));
  const b = makeView(cpu, dtype, [batch, k, n], lb, gen(dtype, n * 17 + k));
  const got = read(cpu, cpu.kernels.matmul(a, b), dtype, batch * m * n);
  const want = refMatmul(a, b, dtype);
  const what = `matmul ${dtype} ${dims} ${la}×${lb}`;
  if (dtype === 'int32') expectExact(got, want, what);
  else expectClose(got, want, dtype === 'float32' ? 1e-5 : 1e-12, 1e-12, what);
}

const DIMS: [number, number, number, number][] = [
  [1, 1, 1, 1],
  [2, 3, 5, 4],
  [1, 0, 3, 2],
  [1, 3, 0, 2],
  [3, 2, 7, 0],
  [1, 1, 40, 9],
  [2, 37, 300, 41],
  [1, 130, 260, 7],
  [1, 64, 64, 64],
  [2, 9, 513, 5],
];

describe('matmul', () => {
  for (const dtype of ['float32', 'float64', 'int32'] as const)
    it(`${dtype}: small, empty, skinny and blocked sizes, strided operands`, () => {
      const layouts: [Layout, Layout][] = [
        ['contiguous', 'contiguous'],
        ['transposed', 'contiguous'],
        ['contiguous', 'transposed'],
        ['mixed', 'flipped'],
        ['broadcast', 'offset'],
        ['offset', 'broadcast'],
      ];
      for (const dims of DIMS) for (const [la, lb] of layouts) check(dtype, dims, la, lb);
    });

  it('blocked kernel handles every edge-tile remainder', () => {
    for (const m of [33, 34, 35, 36])
      for (const n of [5, 6, 7, 8]) check('float64', [1, m, 300, n], 'contiguous', 'transposed');
  });

  it('broadcast batch (stride 0) reuses one operand', () => {
    const a = makeView(cpu, 'float64', [3, 40, 50], 'contiguous', gen('float64', 1));
    const b0 = makeView(cpu, 'float64', [1, 50, 30], 'contiguous', gen('float64', 2));
    const b: V = { ...b0, shape: [3, 50, 30], strides: [0, 30, 1] };
    expectClose(
      read(cpu, cpu.kernels.matmul(a, b), 'float64', 3 * 40 * 30),
      refMatmul(a, b, 'float64'),
      1e-12,
      1e-12,
      'bcast',
    );
  });

  it('propagates NaN and inf like the naive sum', () => {
    const a = contiguousView(cpu, 'float32', [1, 2, 2], [NaN, 1, 0, 1]);
    const b = contiguousView(cpu, 'float32', [1, 2, 2], [0, 1, Infinity, 2]);
    const got = read(cpu, cpu.kernels.matmul(a, b), 'float32', 4);
    expect(got.map(String)).toEqual(['NaN', 'NaN', 'Infinity', '2']);
  });

  it('float32 results round once from a float64 accumulation', () => {
    const k = 1000;
    const a = contiguousView(cpu, 'float32', [1, 1, k], new Array<number>(k).fill(0.1));
    const b = contiguousView(cpu, 'float32', [1, k, 4], new Array<number>(4 * k).fill(1));
    const got = read(cpu, cpu.kernels.matmul(a, b), 'float32', 4);
    expect(got[0]).toBe(Math.fround(Math.fround(0.1) * k));
    expect(sizeOf([1, 1, 4])).toBe(got.length);
  });
});
