/**
 * Optimizer state and steps (issue 15): torch's plain-number state of a 0-d parameter loads and
 * trains for every optimizer, step() refuses a disposed parameter, and SGD's nesterov rule
 * follows torch 1.13 for groups that turn momentum off. All-or-nothing loading is in
 * optim-load.test.ts.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import * as optim from '../src/optim/index.js';

const backend = cpuBackend({ name: 'cpu-optim-state-test' });
beforeAll(() => fl.use(backend));
afterAll(() => {
  expect(fl.memory().perDevice[backend.name]?.tensors ?? 0).toBe(0);
  fl.removeBackend(backend.name);
});

type Nested = number | Nested[];
type Options = Record<string, unknown>;
type AnyOptimizer = optim.Optimizer<object, object>;
type Ctor = new (params: optim.Params<Options>, options: Options) => AnyOptimizer;
const CTORS: Record<string, Ctor> = {
  SGD: optim.SGD as unknown as Ctor,
  Adam: optim.Adam as unknown as Ctor,
  AdamW: optim.AdamW as unknown as Ctor,
  NAdam: optim.NAdam as unknown as Ctor,
  RAdam: optim.RAdam as unknown as Ctor,
  RMSprop: optim.RMSprop as unknown as Ctor,
  Adagrad: optim.Adagrad as unknown as Ctor,
};
interface ScalarCase {
  id: string;
  optimizer: string;
  options: Options;
  trajectory: Record<'s' | 'v', Nested>[];
  afterStep3: { params: Record<'s' | 'v', Nested>; stateDict: optim.OptimizerStateDict };
}
const F = JSON.parse(
  readFileSync(
    new URL('../../conformance/fixtures/nn/optim-optimizers.json', import.meta.url),
    'utf8',
  ),
) as {
  steps: number;
  scalar: { problem: Record<'s' | 'v' | 'X' | 'Y', Nested>; cases: ScalarCase[] };
};
const f64 = { dtype: 'float64' } as const;
const flat = (x: Nested): number[] => (Array.isArray(x) ? x.flatMap(flat) : [x]);

/** Kept float64 parameters: a 0-d `s` and a vector `v`, with pred = s·(X v). */
function scalarProblem(start: Record<'s' | 'v', Nested> = F.scalar.problem) {
  const P = F.scalar.problem;
  const s = fl.keep(fl.tensor(start.s, { ...f64, requiresGrad: true }));
  const v = fl.keep(fl.tensor(start.v, { ...f64, requiresGrad: true }));
  const X = fl.keep(fl.tensor(P.X, f64));
  const Y = fl.keep(fl.tensor(P.Y, f64));
  const backward = () => fl.tidy(() => s.mul(X.matmul(v)).sub(Y).square().mean().backward());
  const dispose = () => [s, v, X, Y].forEach((t) => t.dispose());
  return { s, v, backward, dispose };
}

describe("torch's plain-number state of a 0-d parameter loads and trains (every optimizer)", () => {
  it.each(F.scalar.cases)('$id resumes from torch state_dict after step 3', (c) => {
    // The fixture's dict holds `s`'s state as bare numbers: {step: 3, exp_avg: 0.0011…, …}.
    const entry = (c.afterStep3.stateDict.state as Record<string, Record<string, unknown>>)['0']!;
    expect(Object.values(entry).every((v) => typeof v === 'number' || v === null)).toBe(true);
    const p = scalarProblem(c.afterStep3.params);
    const opt = new CTORS[c.optimizer]!([p.s, p.v], c.options);
    opt.loadStateDict(c.afterStep3.stateDict);
    for (let step = 4; step <= F.steps; step++) {
      opt.zeroGrad();
      p.backward();
      opt.step();
      const want = c.trajectory[step - 1]!;
      expect(p.s.item()).toBeCloseTo(flat(want.s)[0]!, 12);
      Array.from(p.v.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(flat(want.v)[i]!, 12));
    }
    opt.dispose();
    p.dispose();
  });

  it.each([
    ['SGD', { lr: 0.1, momentum: 0.9 }, { momentum_buffer: 0.5 }],
    ['Adam', { lr: 0.1 }, { step: 5, exp_avg: 0.1, exp_avg_sq: 0.01 }],
    [
      'AdamW',
      { lr: 0.1, amsgrad: true },
      { step: 5, exp_avg: 0.1, exp_avg_sq: 0.01, max_exp_avg_sq: 0.02 },
    ],
    [
      'RMSprop',
      { lr: 0.1, momentum: 0.5, centered: true },
      { step: 2, square_avg: 0.3, momentum_buffer: 0.1, grad_avg: 0.2 },
    ],
    ['Adagrad', { lr: 0.1 }, { step: 5, sum: 0.25 }],
  ] as const)('%s: numbers become one-element tensors of the parameter dtype', (name, opts, st) => {
    const w = fl.keep(fl.tensor(1.5, { requiresGrad: true }));
    const opt = new CTORS[name]!([w], opts);
    // Adagrad has state from construction: the snapshot's tensors are freed by the tidy.
    const groups = fl.tidy(() => opt.stateDict({ keys: 'torch' }).param_groups);
    opt.loadStateDict({ state: { 0: st }, param_groups: groups });
    const state = opt.state.get(w) as Record<string, unknown>;
    for (const [k, v] of Object.entries(state))
      if (v instanceof fl.Tensor) {
        expect([k, v.shape, v.dtype]).toEqual([k, [], 'float32']);
        expect(v.device).toBe(w.device);
      }
    fl.tidy(() => w.square().backward());
    opt.step();
    expect(Number.isFinite(w.item())).toBe(true);
    expect(w.item()).not.toBe(1.5);
    opt.dispose();
    w.dispose();
  });

  it("Adam with the issue's {step: 5, exp_avg: 0.1, exp_avg_sq: 0.01} takes torch's next step", () => {
    const w = fl.keep(fl.tensor(1, { ...f64, requiresGrad: true }));
    const opt = new optim.Adam([w], { lr: 0.1 });
    const groups = opt.stateDict().param_groups;
    opt.loadStateDict({
      state: { 0: { step: 5, exp_avg: 0.1, exp_avg_sq: 0.01 } },
      param_groups: groups,
    });
    fl.tidy(() => w.mul(3).backward()); // grad 3
    opt.step();
    // m = 0.9·0.1 + 0.1·3 = 0.39; v = 0.999·0.01 + 0.001·9 = 0.01899; t = 6.
    const m = 0.39;
    const v = 0.01899;
    const want =
      1 - (0.1 / (1 - 0.9 ** 6)) * (m / (Math.sqrt(v) / Math.sqrt(1 - 0.999 ** 6) + 1e-8));
    expect(w.item()).toBeCloseTo(want, 12);
    opt.dispose();
    w.dispose();
  });
});

describe('step() with a disposed parameter', () => {
  it('throws DisposedTensorError naming the parameter, and updates nothing', () => {
    const a = fl.keep(fl.tensor([1, 2], { requiresGrad: true }));
    const b = fl.keep(fl.tensor([3, 4], { requiresGrad: true }));
    const c = fl.keep(fl.tensor([5], { requiresGrad: true }));
    const opt = new optim.SGD([{ params: [a] }, { params: [b, c] }], { lr: 0.1 });
    fl.tidy(() => a.sum().add(b.sum()).add(c.sum()).backward());
    c.dispose();
    expect(() => opt.step()).toThrow(fl.DisposedTensorError);
    expect(() => opt.step()).toThrow(
      /SGD.step: parameter 1 of param group 1 \(shape \[1\]\) was disposed/,
    );
    expect(a.toArray()).toEqual([1, 2]);
    expect(b.toArray()).toEqual([3, 4]);
    opt.dispose();
    [a, b].forEach((t) => t.dispose());
  });

  it('a disposed gradient is named too', () => {
    const a = fl.keep(fl.tensor([1, 2], { requiresGrad: true }));
    const opt = new optim.Adam([a]);
    fl.tidy(() => a.sum().backward());
    a.grad!.dispose();
    expect(() => opt.step()).toThrow(
      /Adam.step: the gradient of parameter 0 of param group 0 \(shape \[2\]\) was disposed; reset gradients with zeroGrad\(\)/,
    );
    a.grad = null;
    opt.dispose();
    a.dispose();
  });
});

describe('SGD nesterov under groups (torch 1.13)', () => {
  const p = () => fl.keep(fl.tensor([1, 2], { requiresGrad: true }));

  it('a group that turns momentum off under nesterov defaults trains as plain SGD', () => {
    const [a, b] = [p(), p()];
    const opt = new optim.SGD([{ params: [a] }, { params: [b], momentum: 0 }], {
      lr: 0.1,
      momentum: 0.9,
      nesterov: true,
    });
    opt.addParamGroup({ params: [p()], momentum: 0 });
    fl.tidy(() => b.square().sum().backward());
    opt.step();
    // p − lr·2p, with no momentum buffer.
    Array.from(b.dataSync()).forEach((v, i) => expect(v).toBeCloseTo([0.8, 1.6][i]!, 6));
    expect((opt.state.get(b) as optim.SGDState).momentumBuffer).toBeNull();
    expect(opt.paramGroups[1]!.nesterov).toBe(true);
    opt.paramGroups.flatMap((g) => g.params).forEach((t) => t.dispose());
    opt.dispose();
  });

  it('nesterov given with no momentum (defaults, or set by the group itself) is an OptimizerError', () => {
    const a = p();
    expect(() => new optim.SGD([a], { lr: 0.1, nesterov: true })).toThrow(
      /SGD: invalid nesterov true; nesterov must be false unless momentum > 0 and dampening = 0/,
    );
    expect(
      () =>
        new optim.SGD([{ params: [a], nesterov: true, momentum: 0 }], { lr: 0.1, momentum: 0.9 }),
    ).toThrow(/SGD \(param group 0\): invalid nesterov true/);
    expect(
      () =>
        new optim.SGD([{ params: [a], nesterov: true }], {
          lr: 0.1,
          momentum: 0.9,
          dampening: 0.5,
        }),
    ).toThrow(optim.OptimizerError);
    // Inherited nesterov with a group's dampening trains, as in torch.
    const opt = new optim.SGD([{ params: [a], dampening: 0.5 }], {
      lr: 0.1,
      momentum: 0.9,
      nesterov: true,
    });
    opt.dispose();
    a.dispose();
  });

  it("loads torch's dict whose group has nesterov: true with momentum 0", () => {
    const [a, b] = [p(), p()];
    const opt = new optim.SGD([{ params: [a] }, { params: [b] }], {
      lr: 0.1,
      momentum: 0.9,
      nesterov: true,
    });
    const g = {
      lr: 0.1,
      dampening: 0,
      weight_decay: 0,
      nesterov: true,
      maximize: false,
      foreach: null,
    };
    opt.loadStateDict({
      state: { 0: { momentum_buffer: [1, 1] }, 1: { momentum_buffer: null } },
      param_groups: [
        { ...g, momentum: 0.9, params: [0] },
        { ...g, momentum: 0, params: [1] },
      ],
    });
    expect(opt.paramGroups[1]!.momentum).toBe(0);
    opt.dispose();
    [a, b].forEach((t) => t.dispose());
  });
});
