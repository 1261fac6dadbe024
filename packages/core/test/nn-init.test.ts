/** nn.init: gains, fans, the statistics of each initialiser and the layers' default initialisation. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import { nn } from '@flint/core';

const backend = cpuBackend({ name: 'cpu-nn-init-test' });
beforeAll(() => fl.use(backend));
afterAll(() => fl.removeBackend(backend.name));

const { init } = nn;

function stats(t: fl.Tensor): { min: number; max: number; mean: number; std: number } {
  const d = Array.from(t.dataSync() as Float32Array);
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  const std = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
  return {
    min: d.reduce((a, b) => Math.min(a, b)),
    max: d.reduce((a, b) => Math.max(a, b)),
    mean,
    std,
  };
}

/** Uniform on ±bound: inside the bound, reaching close to it, with std bound/√3. */
function expectUniform(t: fl.Tensor, bound: number): void {
  const s = stats(t);
  expect(s.max).toBeLessThanOrEqual(bound);
  expect(s.min).toBeGreaterThanOrEqual(-bound);
  expect(s.max).toBeGreaterThan(0.97 * bound);
  expect(s.min).toBeLessThan(-0.97 * bound);
  expect(Math.abs(s.mean)).toBeLessThan(0.05 * bound);
  expect(s.std / (bound / Math.sqrt(3))).toBeCloseTo(1, 1);
}

describe('nn.init', () => {
  it('calculateGain follows torch’s table', () => {
    expect(init.calculateGain('linear')).toBe(1);
    expect(init.calculateGain('conv2d')).toBe(1);
    expect(init.calculateGain('sigmoid')).toBe(1);
    expect(init.calculateGain('tanh')).toBeCloseTo(5 / 3, 15);
    expect(init.calculateGain('relu')).toBeCloseTo(Math.SQRT2, 15);
    expect(init.calculateGain('leakyRelu')).toBeCloseTo(Math.sqrt(2 / (1 + 0.01 ** 2)), 15);
    expect(init.calculateGain('leaky_relu', 0.2)).toBeCloseTo(Math.sqrt(2 / 1.04), 15);
    expect(init.calculateGain('selu')).toBe(0.75);
    expect(() => init.calculateGain('swish' as never)).toThrow(fl.ArgumentError);
  });

  it('fans count the receptive field; vectors have none', () => {
    const w = fl.zeros([32, 16, 3, 5]);
    expect(init.calculateFans(w)).toEqual({ fanIn: 16 * 15, fanOut: 32 * 15 });
    expect(() => init.calculateFans(fl.zeros([4]))).toThrow(/fewer than 2 dimensions/);
    w.dispose();
  });

  it('kaiming, xavier, normal and uniform draw from the documented distributions', () => {
    fl.manualSeed(7);
    fl.tidy(() => {
      const w = fl.zeros([256, 512]);
      expectUniform(
        init.kaimingUniform_(w, { nonlinearity: 'relu' }),
        Math.SQRT2 * Math.sqrt(3 / 512),
      );
      expectUniform(
        init.kaimingUniform_(w, { mode: 'fanOut', a: 0.5 }),
        Math.sqrt(2 / 1.25) * Math.sqrt(3 / 256),
      );
      expect(
        stats(init.kaimingNormal_(w, { nonlinearity: 'relu', mode: 'fanOut' })).std /
          (Math.SQRT2 / 16),
      ).toBeCloseTo(1, 1);
      expectUniform(init.xavierUniform_(w, 2), 2 * Math.sqrt(6 / 768));
      expect(stats(init.xavierNormal_(w)).std / Math.sqrt(2 / 768)).toBeCloseTo(1, 1);
      const n = stats(init.normal_(w, 3, 0.5));
      expect(n.mean).toBeCloseTo(3, 2);
      expect(n.std).toBeCloseTo(0.5, 2);
      expectUniform(init.uniform_(w, -0.1, 0.1), 0.1);
      expect(stats(init.constant_(w, 0.25))).toEqual({ min: 0.25, max: 0.25, mean: 0.25, std: 0 });
      expect(init.zeros_(w).sum().item()).toBe(0);
      expect(init.ones_(w).sum().item()).toBe(256 * 512);
    });
  });

  it.each([
    [[6, 10], 1],
    [[10, 6], 2],
    [[4, 2, 3], 1],
  ])('orthogonal_ on %j (gain %d) gives orthonormal rows or columns', (shape, gain) => {
    fl.tidy(() => {
      const w = init.orthogonal_(fl.zeros(shape, { dtype: 'float64' }), gain);
      const m = w.reshape([shape[0]!, -1]);
      const [r, c] = m.shape as [number, number];
      const gram = r >= c ? m.T.matmul(m) : m.matmul(m.T);
      const eye = fl.eye(Math.min(r, c), undefined, { dtype: 'float64' }).mul(gain * gain);
      expect(gram.sub(eye).abs().amax().item()).toBeLessThan(1e-12);
    });
  });

  it('initialises parameters in place without an explicit noGrad, and is reproducible under manualSeed', () => {
    fl.manualSeed(11);
    const a = new nn.Linear(4, 3);
    fl.manualSeed(11);
    const b = new nn.Linear(4, 3);
    expect(a.weight.toArray()).toEqual(b.weight.toArray());
    expect(a.weight.requiresGrad).toBe(true);
    init.xavierUniform_(a.weight);
    expect(a.weight.toArray()).not.toEqual(b.weight.toArray());
    for (const t of [...a.parameters(), ...b.parameters()]) t.dispose();
  });
});

describe('default initialisation matches torch', () => {
  it.each([
    ['Linear(400, 300)', () => new nn.Linear(400, 300), 400],
    ['Conv2d(16, 32, 3)', () => new nn.Conv2d(16, 32, 3), 16 * 9],
    ['Conv2d(16, 32, 3, groups 4)', () => new nn.Conv2d(16, 32, 3, { groups: 4 }), 4 * 9],
    ['ConvTranspose2d(32, 24, 3)', () => new nn.ConvTranspose2d(32, 24, 3), 24 * 9],
    ['Conv1d(8, 600, 5)', () => new nn.Conv1d(8, 600, 5), 8 * 5],
  ] as const)('%s: weight and bias ~ U(±1/√fan_in)', (_name, make, fanIn) => {
    fl.manualSeed(1);
    const m = make() as nn.Module & { weight: fl.Tensor; bias: fl.Tensor };
    expectUniform(m.weight, 1 / Math.sqrt(fanIn));
    const b = stats(m.bias);
    expect(Math.max(b.max, -b.min)).toBeLessThanOrEqual(1 / Math.sqrt(fanIn));
    for (const t of m.parameters()) t.dispose();
  });

  it('norm layers start at γ = 1, β = 0 with running statistics 0 and 1; Embedding is N(0, 1)', () => {
    fl.manualSeed(2);
    const bn = new nn.BatchNorm2d(3);
    expect(
      Object.fromEntries(Object.entries(bn.stateDict()).map(([k, t]) => [k, t.toArray()])),
    ).toEqual({
      weight: [1, 1, 1],
      bias: [0, 0, 0],
      running_mean: [0, 0, 0],
      running_var: [1, 1, 1],
      num_batches_tracked: 0,
    });
    const ln = new nn.LayerNorm([2, 2]);
    expect(ln.weight!.toArray()).toEqual([
      [1, 1],
      [1, 1],
    ]);
    const emb = new nn.Embedding(500, 40);
    const s = stats(emb.weight);
    expect(s.mean).toBeCloseTo(0, 1);
    expect(s.std).toBeCloseTo(1, 1);
    for (const m of [bn, ln, emb]) for (const t of Object.values(m.stateDict())) t.dispose();
  });
});
