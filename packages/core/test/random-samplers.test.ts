/**
 * Behaviour of the random samplers of issue 13 §1: distribution properties within stated
 * statistical bounds, seeding, torch's errors, and deferred checks on an asynchronous device.
 * Statistical bounds are 5 standard errors: a correct sampler fails one about once in 10⁶ runs
 * (and seeds are fixed), while a wrong one (swapped p, off-by-one category) misses by far more.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import { asyncOnly } from './async-device.js';

const backend = cpuBackend({ name: 'cpu-random-math' });
const later = asyncOnly(cpuBackend({ name: 'cpu-random-math-async' }));
beforeAll(() => {
  fl.register(later);
  fl.use(backend);
});
afterAll(() => {
  fl.removeBackend(backend.name);
  fl.removeBackend(later.name);
});

const arr = (t: fl.Tensor) => Array.from(t.dataSync());
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: number[]) => {
  const m = mean(xs);
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
};

describe('bernoulli', () => {
  it('draws 1 with probability p (5 standard errors)', () => {
    fl.manualSeed(1);
    const n = 20000;
    for (const p of [0.05, 0.3, 0.9]) {
      const xs = arr(fl.bernoulli(fl.full([n], p)));
      expect(xs.every((v) => v === 0 || v === 1)).toBe(true);
      expect(Math.abs(mean(xs) - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
    }
    expect(arr(fl.bernoulli(fl.tensor([0, 1, 0, 1])))).toEqual([0, 1, 0, 1]);
  });
  it('keeps shape and dtype; method, number p and in-place forms', () => {
    const p = fl.full([2, 3], 0.5, { dtype: 'float64' });
    const b = p.bernoulli();
    expect([b.shape, b.dtype]).toEqual([[2, 3], 'float64']);
    const z = fl.zeros([4], { dtype: 'int32' });
    expect(z.bernoulli(1).dtype).toBe('int32');
    expect(arr(z.bernoulli(1))).toEqual([1, 1, 1, 1]);
    expect(arr(fl.zeros([2, 3]).bernoulli_(fl.tensor([0, 1, 1])))).toEqual([0, 1, 1, 0, 1, 1]);
    expect(arr(fl.zeros([3], { dtype: 'bool' }).bernoulli_(1))).toEqual([1, 1, 1]);
  });
  it('same seed, same samples', () => {
    fl.manualSeed(7);
    const a = arr(fl.bernoulli(fl.full([50], 0.5)));
    fl.manualSeed(7);
    expect(arr(fl.bernoulli(fl.full([50], 0.5)))).toEqual(a);
  });
  it("refuses probabilities outside [0, 1] and NaN, and integer p (torch's errors)", () => {
    expect(() => fl.bernoulli(fl.tensor([0.5, 1.5]))).toThrow(/\[0, 1\]/);
    expect(() => fl.bernoulli(fl.tensor([NaN]))).toThrow(fl.ArgumentError);
    expect(() => fl.bernoulli(fl.tensor([1, 0], { dtype: 'int32' }))).toThrow(fl.DTypeError);
    expect(() => fl.zeros([3]).bernoulli_(1.5)).toThrow(fl.ArgumentError);
    expect(() => fl.zeros([3]).bernoulli_(fl.tensor([0.5, 0.5]))).toThrow(fl.ShapeError);
  });
});

describe('multinomial', () => {
  const probs = [1, 2, 3, 4]; // unnormalised: frequencies 0.1 … 0.4
  it('with replacement: category frequencies follow the weights', () => {
    fl.manualSeed(3);
    const n = 20000;
    const s = arr(fl.multinomial(fl.tensor(probs), n, true));
    for (let k = 0; k < 4; k++) {
      const f = s.filter((v) => v === k).length / n;
      const p = probs[k]! / 10;
      expect(Math.abs(f - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
    }
  });
  it('without replacement: first picks follow the weights, rows are permutations', () => {
    fl.manualSeed(4);
    const rows = 20000;
    const w = fl.tensor(probs).reshape([1, 4]).expand([rows, 4]).contiguous();
    const first = arr(fl.multinomial(w, 1));
    for (let k = 0; k < 4; k++) {
      const f = first.filter((v) => v === k).length / rows;
      const p = probs[k]! / 10;
      expect(Math.abs(f - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / rows));
    }
    // P(second = 0 | first = 3) = 1/6 under sampling without replacement.
    const pairs = fl.multinomial(w, 2).toArray() as number[][];
    const after3 = pairs.filter(([a]) => a === 3);
    const f0 = after3.filter(([, b]) => b === 0).length / after3.length;
    expect(Math.abs(f0 - 1 / 6)).toBeLessThan(5 * Math.sqrt(((1 / 6) * (5 / 6)) / after3.length));
    const all = fl
      .multinomial(
        fl.tensor([
          [1, 1, 1],
          [5, 0, 1],
        ]),
        3,
      )
      .toArray() as number[][];
    for (const r of all) expect([...r].sort()).toEqual([0, 1, 2]);
    // weight-0 categories come last
    expect(all[1]!.at(-1)).toBe(1);
  });
  it('never draws a category of weight 0; int32 output of torch shape', () => {
    fl.manualSeed(5);
    const s = fl.multinomial(fl.tensor([[0, 1, 0, 1]]), 1000, true);
    expect([s.shape, s.dtype]).toEqual([[1, 1000], 'int32']);
    expect(arr(s).every((v) => v === 1 || v === 3)).toBe(true);
    expect(fl.multinomial(fl.zeros([0, 3]), 2).shape).toEqual([0, 2]);
  });
  it('many samples from many categories are drawn in blocks, all valid', () => {
    fl.manualSeed(6);
    const k = 5000;
    const w = fl.arange(k).remainder(2).to('float32'); // odd categories only
    const s = arr(fl.multinomial(w, 2000, true)); // 10⁷ comparisons: three blocks
    expect(s.length).toBe(2000);
    expect(s.every((v) => v % 2 === 1 && v < k)).toBe(true);
    expect(Math.abs(mean(s) - k / 2)).toBeLessThan((5 * (k / Math.sqrt(12))) / Math.sqrt(2000));
  });
  it('same seed, same samples', () => {
    fl.manualSeed(9);
    const a = arr(fl.multinomial(fl.tensor(probs), 3));
    fl.manualSeed(9);
    expect(arr(fl.multinomial(fl.tensor(probs), 3))).toEqual(a);
  });
  it("torch's errors", () => {
    const bad =
      (p: number[], n = 1, r = false) =>
      () =>
        fl.multinomial(fl.tensor(p), n, r);
    expect(bad([1, -1])).toThrow(/non-negative/);
    expect(bad([1, Infinity])).toThrow(fl.ArgumentError);
    expect(bad([1, NaN])).toThrow(fl.ArgumentError);
    expect(bad([0, 0])).toThrow(/sums to 0/);
    expect(bad([1, 1], 3)).toThrow(/without replacement/);
    expect(bad([1, 1], 0)).toThrow(fl.ArgumentError);
    expect(() => fl.multinomial(fl.ones([2, 2, 2]), 1)).toThrow(fl.ShapeError);
    expect(() => fl.multinomial(fl.tensor([1, 2], { dtype: 'int32' }), 1)).toThrow(fl.DTypeError);
  });
});

describe('normal and the *Like creators', () => {
  it('normal(mean, std, shape): mean and variance within 5 standard errors', () => {
    fl.manualSeed(11);
    const n = 20000;
    const xs = arr(fl.normal(3, 2, [n]));
    expect(Math.abs(mean(xs) - 3)).toBeLessThan((5 * 2) / Math.sqrt(n));
    // var of the sample variance of a normal: 2σ⁴/(n − 1)
    expect(Math.abs(variance(xs) - 4)).toBeLessThan(5 * Math.sqrt((2 * 16) / (n - 1)));
  });
  it("tensor overloads broadcast and take mean's dtype", () => {
    const t = fl.normal(fl.zeros([2, 1], { dtype: 'float64' }), fl.ones([3]));
    expect([t.shape, t.dtype]).toEqual([[2, 3], 'float64']);
    expect(arr(fl.normal(fl.tensor([5, 6]), 0))).toEqual([5, 6]);
    expect(fl.normal(1, fl.ones([2], { dtype: 'float64' })).dtype).toBe('float64');
    expect(() => fl.normal(fl.zeros([2]), fl.tensor([-1, 1]))).toThrow(/≥ 0/);
    expect(() => fl.normal(0, -1, [2])).toThrow(fl.ArgumentError);
    expect(() => fl.normal(0, 1)).toThrow(fl.ShapeError);
    expect(() => fl.normal(fl.zeros([2], { dtype: 'int32' }), 1)).toThrow(fl.DTypeError);
    expect(() => fl.normal(fl.zeros([2]), fl.ones([3]))).toThrow(fl.ShapeError);
  });
  it('randLike / randnLike / randintLike and randint(high, shape)', () => {
    const x = fl.zeros([2, 3], { dtype: 'float64' });
    expect([fl.randLike(x).shape, fl.randLike(x).dtype]).toEqual([[2, 3], 'float64']);
    expect(fl.randnLike(x, { dtype: 'float32' }).dtype).toBe('float32');
    expect(() => fl.randLike(fl.zeros([2], { dtype: 'int32' }))).toThrow(fl.DTypeError);
    const r = fl.randintLike(fl.zeros([500]), 3, 5);
    expect(r.dtype).toBe('float32');
    expect(new Set(arr(r))).toEqual(new Set([3, 4]));
    expect(new Set(arr(fl.randintLike(fl.zeros([500], { dtype: 'int32' }), 2)))).toEqual(
      new Set([0, 1]),
    );
    const d = fl.randint(6, [400]);
    expect([d.shape, d.dtype]).toEqual([[400], 'int32']);
    expect(new Set(arr(d))).toEqual(new Set([0, 1, 2, 3, 4, 5]));
    fl.manualSeed(2);
    const a = arr(fl.randint(0, 6, [20]));
    fl.manualSeed(2);
    expect(arr(fl.randint(6, [20]))).toEqual(a);
  });
});

describe('on a device without synchronous read-back', () => {
  it('bad probabilities and std are reported at the next read, and nothing leaks', async () => {
    const A = { device: later.name };
    const calls = [
      () => fl.multinomial(fl.tensor([1, -1], A), 1),
      () => fl.multinomial(fl.tensor([[0, 0]], A), 2, true),
      () => fl.bernoulli(fl.tensor([2], A)),
      () => fl.normal(fl.zeros([2], A), fl.tensor([-1, 1], A)),
    ];
    for (const call of calls) {
      const buffers = later.stats().buffers;
      const out = fl.tidy(call);
      await expect(out.data()).rejects.toThrow(fl.ArgumentError);
      out.dispose();
      expect(later.stats().buffers).toBe(buffers);
    }
    const ok = fl.multinomial(fl.tensor([0, 1, 0], A), 3, true);
    expect(Array.from(await ok.data())).toEqual([1, 1, 1]);
  });
  it('normal(number, number) keeps requiresGrad as a leaf', () => {
    const t = fl.normal(0, 1, [2], { requiresGrad: true });
    expect([t.requiresGrad, t.gradFn]).toEqual([true, null]);
  });
});
