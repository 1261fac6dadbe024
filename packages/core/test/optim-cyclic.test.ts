/**
 * NAdam, RAdam, CosineAnnealingWarmRestarts and CyclicLR beyond the PyTorch trajectories (those
 * are in optim.test.ts and optim-schedulers.test.ts): torch 2's beta1 cycling, custom scale
 * functions, state-dict round trips and the checks on a loaded dict.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';

const backend = cpuBackend({ name: 'cpu-optim-cyclic-test' });
beforeAll(() => fl.use(backend));
afterAll(() => {
  expect(fl.memory().perDevice[backend.name]?.tensors).toBe(0);
  fl.removeBackend(backend.name);
});
const { optim } = fl;
const param = () => fl.keep(fl.zeros([2], { requiresGrad: true }));

describe('CyclicLR', () => {
  it("cycles Adam's beta1 opposite to the lr (torch 2), keeping beta2", () => {
    const p = param();
    const opt = new optim.Adam([p], { betas: [0.9, 0.99] });
    const s = new optim.CyclicLR(opt, { baseLr: 0.01, maxLr: 0.11, stepSizeUp: 2 });
    const seen: [number, number, number][] = [];
    for (let i = 0; i < 4; i++) {
      const g = opt.paramGroups[0]!;
      seen.push([g.lr, g.betas[0], g.betas[1]]);
      s.step();
    }
    const want = [
      [0.01, 0.9, 0.99],
      [0.06, 0.85, 0.99],
      [0.11, 0.8, 0.99],
      [0.06, 0.85, 0.99],
    ];
    seen.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(want[i]![j]!, 12)));
    p.dispose();
  });

  it('a custom scaleFn replaces the mode, per cycle or per iteration', () => {
    const p = param();
    const opt = new optim.SGD([p], { lr: 1, momentum: 0.9 });
    const half = (x: number) => 0.5 ** x;
    const byCycle = new optim.CyclicLR(opt, { baseLr: 0, maxLr: 1, stepSizeUp: 1, scaleFn: half });
    byCycle.step(); // peak of cycle 1: 1 · 0.5¹
    expect(opt.paramGroups[0]!.lr).toBeCloseTo(0.5, 12);
    const byStep = new optim.CyclicLR(opt, {
      baseLr: 0,
      maxLr: 1,
      stepSizeUp: 1,
      scaleFn: half,
      scaleMode: 'iterations',
    });
    byStep.step(); // step 1: 1 · 0.5¹
    byStep.step();
    byStep.step(); // step 3, the next peak: 0.5³
    expect(opt.paramGroups[0]!.lr).toBeCloseTo(0.125, 12);
    p.dispose();
  });

  it('a state dict round trip continues identically; a bad mode is refused', () => {
    const run = () => {
      const p = param();
      const opt = new optim.SGD([p], { lr: 1, momentum: 0.9 });
      return {
        p,
        opt,
        s: new optim.CyclicLR(opt, { baseLr: 0.1, maxLr: 1, mode: 'triangular2', stepSizeUp: 3 }),
      };
    };
    const a = run();
    for (let i = 0; i < 5; i++) a.s.step();
    const b = run();
    b.s.loadStateDict(a.s.stateDict());
    b.opt.paramGroups[0]!.lr = a.opt.paramGroups[0]!.lr;
    for (let i = 0; i < 7; i++) {
      a.s.step();
      b.s.step();
      expect(b.s.getLastLr()).toEqual(a.s.getLastLr());
    }
    expect(() => b.s.loadStateDict({ ...a.s.stateDict(), mode: 'min' })).toThrow(
      /CyclicLR.loadStateDict: mode must be 'triangular' or 'triangular2' or 'exp_range'/,
    );
    for (const r of [a, b]) r.p.dispose();
  });
});

describe('CosineAnnealingWarmRestarts', () => {
  it('jumps between stepping modes as torch, and round-trips its state', () => {
    const p = param();
    const opt = new optim.SGD([p], { lr: 1 });
    const s = new optim.CosineAnnealingWarmRestarts(opt, { t0: 2, tMult: 3, etaMin: 0.1 });
    s.step(7.5); // periods 2, 6: epoch 7.5 is 5.5 into the second one
    const want = 0.1 + (0.9 * (1 + Math.cos((Math.PI * 5.5) / 6))) / 2;
    expect(s.getLastLr()[0]).toBeCloseTo(want, 12);
    expect(s.lastEpoch).toBe(7);
    const sd = s.stateDict();
    expect(sd).toMatchObject({ t0: 2, tI: 6, tMult: 3, tCur: 5.5 });
    s.step(); // tCur 6.5 ≥ 6: a restart into the period of 18
    expect(s.tI).toBe(18);
    expect(() => s.loadStateDict({ ...sd, tMult: 1.5 })).toThrow(/tMult must be an integer/);
    expect(() => s.step(Infinity)).toThrow(/epoch/);
    p.dispose();
  });
});

describe('NAdam and RAdam', () => {
  it('NAdam loads torch state with mu_product as a number or a one-element tensor', () => {
    const p = param();
    const opt = new optim.NAdam([p]);
    p.grad = fl.tensor([1, -1]);
    opt.step();
    const sd = opt.stateDict({ keys: 'torch' });
    expect(typeof sd.state['0']!.mu_product).toBe('number');
    const mu = sd.state['0']!.mu_product as number;
    const asTensor = fl.tensor(mu);
    sd.state['0']!.mu_product = asTensor;
    opt.loadStateDict(sd);
    expect((opt.state.get(p) as { muProduct: number }).muProduct).toBeCloseTo(mu, 7);
    for (const v of [...Object.values(sd.state['0']!), asTensor])
      if (v instanceof fl.Tensor) v.dispose();
    opt.dispose();
    p.grad.dispose();
    p.dispose();
  });

  it('RAdam takes momentum steps until ρₜ > 5, then rectified steps', () => {
    const p = fl.keep(fl.zeros([2], { dtype: 'float64', requiresGrad: true }));
    const opt = new optim.RAdam([p], { lr: 0.1, betas: [0.9, 0.999] });
    const xs: number[] = [];
    for (let t = 1; t <= 7; t++) {
      p.grad?.dispose();
      p.grad = fl.tensor([1, 1], { dtype: 'float64' });
      opt.step();
      xs.push(p.dataSync()[0]!);
    }
    // Unrectified: each step subtracts lr · m̂ = 0.1 exactly (a constant gradient of 1).
    for (let t = 0; t < 5; t++) expect(xs[t]).toBeCloseTo(-0.1 * (t + 1), 12);
    // ρ₆ ≈ 5.0 still; from ρ₇ > 5 the step shrinks by the rectification factor.
    expect(xs[5]! - xs[6]!).toBeLessThan(0.1);
    opt.dispose();
    p.grad?.dispose();
    p.dispose();
  });
});
