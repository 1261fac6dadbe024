/**
 * Behaviour of the small math ops of issue 13 §1: trigonometry at special values and against
 * Math in float64, closed-form gradients, isclose/allclose/logicalXor as torch, roll, unbind,
 * diag, meshgrid, cumprod (gradient at zeros) and logsumexp over an empty dim.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';

const backend = cpuBackend({ name: 'cpu-math-extra' });
beforeAll(() => fl.use(backend));
afterAll(() => fl.removeBackend(backend.name));

const arr = (t: fl.Tensor) => Array.from(t.dataSync());
describe('trigonometry', () => {
  const xs = [-1e6, -3, -1.5, -1, -0.7, -0.2, -1e-8, 0, 1e-300, 0.1, 0.5, 0.99, 1, 2, 40, 1e20];
  const close = (got: number[], want: number[], rel: number) =>
    got.forEach((g, i) =>
      expect(Math.abs(g - want[i]!)).toBeLessThanOrEqual(rel * Math.abs(want[i]!) + 1e-300),
    );
  it('atan/tan/asin/acos match Math in float64 to a few ulp', () => {
    const x = fl.tensor(xs, { dtype: 'float64' });
    close(arr(x.atan()), xs.map(Math.atan), 4e-16);
    close(arr(x.tan()), xs.map(Math.tan), 1e-15);
    const u = xs.filter((v) => Math.abs(v) <= 1);
    const ut = fl.tensor(u, { dtype: 'float64' });
    close(arr(ut.asin()), u.map(Math.asin), 1e-15);
    close(arr(ut.acos()), u.map(Math.acos), 1e-15);
  });
  it('special values: ±∞, −0, NaN, outside [−1, 1]', () => {
    const t = fl.tensor([Infinity, -Infinity, -0, NaN], { dtype: 'float64' });
    expect(arr(t.atan())).toEqual([Math.PI / 2, -Math.PI / 2, -0, NaN]);
    expect(Object.is(arr(t.asin())[2], -0)).toBe(true);
    expect(arr(fl.tensor([1.5, -2]).asin()).every(Number.isNaN)).toBe(true);
    expect(arr(fl.tensor([1.5, -2]).acos()).every(Number.isNaN)).toBe(true);
    expect(fl.tensor([1, 2], { dtype: 'int32' }).tan().dtype).toBe('float32');
  });
  it('atan2: quadrants, ±0 and ±∞ as C/torch', () => {
    const cases: [number, number][] = [
      [1, 1],
      [1, -1],
      [-1, -1],
      [-1, 1],
      [0, 1],
      [0, -1],
      [-0, -1],
      [0, 0],
      [-0, 0],
      [0, -0],
      [-0, -0],
      [1, 0],
      [-1, -0],
      [Infinity, Infinity],
      [Infinity, -Infinity],
      [-Infinity, Infinity],
      [-Infinity, -Infinity],
      [Infinity, 1],
      [1, Infinity],
      [-1, -Infinity],
      [NaN, 1],
      [1, NaN],
      [3e-300, 1e300],
    ];
    const y = fl.tensor(
      cases.map((c) => c[0]),
      { dtype: 'float64' },
    );
    const x = fl.tensor(
      cases.map((c) => c[1]),
      { dtype: 'float64' },
    );
    const got = arr(fl.atan2(y, x));
    cases.forEach(([a, b], i) => {
      const want = Math.atan2(a, b);
      if (Number.isNaN(want)) expect(got[i]).toBeNaN();
      else if (want === 0) expect(Object.is(got[i], want)).toBe(true);
      else expect(Math.abs(got[i]! - want)).toBeLessThanOrEqual(4e-16 * Math.abs(want));
    });
  });
  it('gradients are the closed forms', () => {
    const x = fl.tensor([0.3, -0.6], { dtype: 'float64', requiresGrad: true });
    x.asin().sum().backward();
    close(
      arr(x.grad!),
      [0.3, -0.6].map((v) => 1 / Math.sqrt(1 - v * v)),
      1e-15,
    );
    const y = fl.tensor([1, -2], { dtype: 'float64', requiresGrad: true });
    const z = fl.tensor([2], { dtype: 'float64', requiresGrad: true });
    fl.atan2(y, z).sum().backward();
    close(arr(y.grad!), [2 / 5, 2 / 8], 1e-15);
    close(arr(z.grad!), [-1 / 5 + 2 / 8], 1e-15);
  });
});

describe('comparisons', () => {
  it('isclose / allclose as torch', () => {
    const a = fl.tensor([1, NaN, Infinity, Infinity, 1e10]);
    const b = fl.tensor([1, NaN, Infinity, -Infinity, 1.00001e10]);
    expect(arr(fl.isclose(a, b))).toEqual([1, 0, 1, 0, 0]);
    expect(arr(a.isclose(b, { equalNan: true }))).toEqual([1, 1, 1, 0, 0]);
    expect(fl.allclose(fl.tensor([1, 2]), fl.tensor([1, 2.000001]))).toBe(true);
    expect(fl.allclose(fl.zeros([0]), fl.zeros([0]))).toBe(true);
    expect(
      arr(
        fl.isclose(fl.tensor([1, 2], { dtype: 'int32' }), fl.tensor([1, 3], { dtype: 'int32' }), {
          atol: 1,
        }),
      ),
    ).toEqual([1, 1]);
    expect(() => fl.isclose(fl.tensor([1]), fl.tensor([1], { dtype: 'float64' }))).toThrow(
      fl.DTypeError,
    );
    expect(() => fl.isclose(fl.tensor([1]), fl.tensor([1]), { rtol: -1 })).toThrow(
      fl.ArgumentError,
    );
  });
  it('logicalXor', () => {
    expect(
      arr(fl.logicalXor(fl.tensor([1, 0, NaN]), fl.tensor([0, 0, 1], { dtype: 'int32' }))),
    ).toEqual([1, 0, 0]);
    expect(fl.tensor([true]).logicalXor(false).dtype).toBe('bool');
  });
});

describe('rearranging', () => {
  const m = () => fl.arange(6).reshape([2, 3]);
  it('roll', () => {
    expect(m().roll(1).toArray()).toEqual([
      [5, 0, 1],
      [2, 3, 4],
    ]);
    expect(m().roll([1, -1], [0, 1]).toArray()).toEqual([
      [4, 5, 3],
      [1, 2, 0],
    ]);
    expect(m().roll([1, 1], [1, 1]).toArray()).toEqual([
      [1, 2, 0],
      [4, 5, 3],
    ]);
    expect(fl.roll(fl.tensor(5), 1).toArray()).toEqual(5);
    expect(() => m().roll([1], [0, 1])).toThrow(fl.ShapeError);
    expect(() => m().roll(1, 2)).toThrow(fl.ShapeError);
  });
  it('unbind, diag, meshgrid', () => {
    expect(
      m()
        .unbind(1)
        .map((t) => t.toArray()),
    ).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
    expect(() => fl.tensor(1).unbind()).toThrow(fl.ShapeError);
    expect(fl.diag(fl.tensor([1, 2]), -1).toArray()).toEqual([
      [0, 0, 0],
      [1, 0, 0],
      [0, 2, 0],
    ]);
    expect(fl.diag(fl.tensor([1, 2]), 1).toArray()).toEqual([
      [0, 1, 0],
      [0, 0, 2],
      [0, 0, 0],
    ]);
    expect(m().diag().toArray()).toEqual([0, 4]);
    expect(m().diag(1).toArray()).toEqual([1, 5]);
    expect(m().diag(-1).toArray()).toEqual([3]);
    expect(m().diag(3).shape).toEqual([0]);
    expect(() => fl.zeros([2, 2, 2]).diag()).toThrow(fl.ShapeError);
    const [gx, gy] = fl.meshgrid([fl.tensor([1, 2]), fl.tensor([3, 4, 5])]);
    expect(gx!.toArray()).toEqual([
      [1, 1, 1],
      [2, 2, 2],
    ]);
    expect(gy!.toArray()).toEqual([
      [3, 4, 5],
      [3, 4, 5],
    ]);
    const [hx] = fl.meshgrid([fl.tensor([1, 2]), fl.tensor([3, 4, 5])], { indexing: 'xy' });
    expect(hx!.toArray()).toEqual([
      [1, 2],
      [1, 2],
      [1, 2],
    ]);
    expect(() => fl.meshgrid([fl.zeros([2, 2])])).toThrow(fl.ShapeError);
  });
  it('cumprod, and its gradient with zeros in the input', () => {
    expect(fl.tensor([1, 2, 3, 4, 5]).cumprod(0).toArray()).toEqual([1, 2, 6, 24, 120]);
    expect(
      fl
        .tensor([
          [1, 2],
          [3, 4],
        ])
        .cumprod(0)
        .toArray(),
    ).toEqual([
      [1, 2],
      [3, 8],
    ]);
    expect(fl.tensor([true, false]).cumprod(0).dtype).toBe('int32');
    const v = [2, 0, 3, 0, 5, 7];
    const x = fl.tensor(v, { dtype: 'float64', requiresGrad: true });
    x.cumprod(0).sum().backward();
    // d/dx_k Σ_i Π_{j≤i} x_j = Σ_{i≥k} Π_{j≤i, j≠k} x_j
    const want = v.map((_, k) => {
      let s = 0;
      for (let i = k; i < v.length; i++) {
        let p = 1;
        for (let j = 0; j <= i; j++) if (j !== k) p *= v[j]!;
        s += p;
      }
      return s;
    });
    expect(arr(x.grad!)).toEqual(want);
  });
  it('logsumexp over an empty dim is −∞', () => {
    expect(arr(fl.logsumexp(fl.zeros([2, 0]), 1))).toEqual([-Infinity, -Infinity]);
  });
});
