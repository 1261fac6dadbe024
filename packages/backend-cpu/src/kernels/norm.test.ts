import { erf } from '@flint/core/backend';
import { describe, expect, it } from 'vitest';
import type { CpuOverrides } from './overrides.js';
import { contiguousView, expectClose, freshCpu, read, rng } from '../helpers.test.util.js';

const cpu = freshCpu();
const ov = cpu.overrides as CpuOverrides;
const TOL = { float32: 1e-5, float64: 1e-12 } as const;

describe('layerNorm', () => {
  for (const dtype of ['float32', 'float64'] as const)
    it(`normalises each row (${dtype}), with and without the affine terms`, () => {
      const r = rng(5);
      const [rows, n] = [3, 8];
      const x = Array.from({ length: rows * n }, () => (r() - 0.5) * 10 + 4);
      const w = Array.from({ length: n }, () => r() + 0.5);
      const b = Array.from({ length: n }, () => r() - 0.5);
      for (const affine of [false, true]) {
        const xv = contiguousView(cpu, dtype, [rows, n], x);
        const [wv, bv] = affine
          ? [contiguousView(cpu, dtype, [n], w), contiguousView(cpu, dtype, [n], b)]
          : [null, null];
        const [y, mean, rstd] = ov.layerNorm(xv, wv, bv, n, 1e-5);
        const wantY: number[] = [];
        const [wantM, wantR]: number[][] = [[], []];
        for (let i = 0; i < rows; i++) {
          const row = x
            .slice(i * n, (i + 1) * n)
            .map((v) => (dtype === 'float32' ? Math.fround(v) : v));
          const m = row.reduce((a, v) => a + v, 0) / n;
          const rs = 1 / Math.sqrt(row.reduce((a, v) => a + (v - m) ** 2, 0) / n + 1e-5);
          wantM.push(m);
          wantR.push(rs);
          row.forEach((v, k) => wantY.push(affine ? (v - m) * rs * w[k]! + b[k]! : (v - m) * rs));
        }
        expectClose(read(cpu, y, dtype, rows * n), wantY, TOL[dtype], TOL[dtype], 'y');
        expectClose(read(cpu, mean, dtype, rows), wantM, TOL[dtype], TOL[dtype], 'mean');
        expectClose(read(cpu, rstd, dtype, rows), wantR, TOL[dtype], TOL[dtype], 'rstd');
      }
    });
});

describe('gelu', () => {
  it('matches x·Φ(x) and the tanh approximation, including the non-finite cases', () => {
    const xs = [0, -0, 1, -1, 0.5, -3, 7, -7, 30, -30, Infinity, -Infinity, NaN];
    const x = contiguousView(cpu, 'float64', [xs.length], xs);
    const exact = read(cpu, ov.gelu(x, 'none'), 'float64', xs.length);
    expectClose(
      exact,
      xs.map((v) => v * 0.5 * (1 + erf(v / Math.SQRT2))),
      1e-14,
      1e-15,
      'exact',
    );
    const k = Math.sqrt(2 / Math.PI);
    const approx = read(cpu, ov.gelu(x, 'tanh'), 'float64', xs.length);
    const want = xs.map((v) => v * 0.5 * (1 + Math.tanh(k * (v + 0.044715 * v ** 3))));
    expectClose(approx, want, 1e-14, 1e-15, 'tanh');
    expect(exact[11]).toBeNaN(); // −∞·0, as the composite
  });
});

describe('crossEntropy', () => {
  it('gives −log softmax at the target, exactly 0 for ignored rows', () => {
    const logits = [2, 1, 0, 1000, 1001, 999, 5, 5, 5, -Infinity, 0, 1];
    const x = contiguousView(cpu, 'float64', [4, 3], logits);
    const t = contiguousView(cpu, 'int32', [4], [0, 1, -100, 2]);
    const got = read(cpu, ov.crossEntropy(x, t, -100), 'float64', 4);
    const lse = (row: number[]) => {
      const m = Math.max(...row);
      return m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
    };
    const want = [lse([2, 1, 0]) - 2, lse([1000, 1001, 999]) - 1001, 0, lse([-Infinity, 0, 1]) - 1];
    expectClose(got, want, 1e-13, 1e-13, 'rows');
    expect(Object.is(got[2], 0)).toBe(true);
  });

  it('throws on an out-of-range target without leaving a buffer behind', () => {
    const x = contiguousView(cpu, 'float32', [2, 3], [0, 1, 2, 3, 4, 5]);
    for (const bad of [3, -1]) {
      const t = contiguousView(cpu, 'int32', [2], [0, bad]);
      const before = cpu.stats().buffers;
      expect(() => ov.crossEntropy(x, t, -100)).toThrow(/out of bounds/);
      expect(cpu.stats().buffers).toBe(before);
    }
  });
});
