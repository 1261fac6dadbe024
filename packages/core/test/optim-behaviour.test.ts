/**
 * fl.optim optimizer behaviour beyond the golden trajectories (those are in optim.test.ts):
 * zeroGrad, in-place updates under a Module, closures, parameter groups, typed errors for bad
 * options, and memory over 100 steps inside fl.tidy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import * as optim from '../src/optim/index.js';
import { Module, Parameter } from '../src/nn/module.js';

const backend = cpuBackend({ name: 'cpu-optim-behaviour-test' });
beforeAll(() => fl.use(backend));
afterAll(() => {
  // Every test disposes what it makes; a leak here would also be freed after removeBackend.
  expect(fl.memory().perDevice[backend.name]?.tensors).toBe(0);
  fl.removeBackend(backend.name);
});

type AnyOptimizer = optim.Optimizer<object, object>;
const f64 = { dtype: 'float64' } as const;

/** A small least-squares problem: kept float64 parameters W, b, u (u unused by the loss). */
function problem() {
  const params = {
    W: fl.keep(
      fl.tensor(
        [
          [0.5, -0.3, 0.8],
          [-0.2, 0.4, 0.1],
        ],
        { ...f64, requiresGrad: true },
      ),
    ),
    b: fl.keep(fl.tensor([0.1, -0.1, 0.05], { ...f64, requiresGrad: true })),
    u: fl.keep(fl.tensor([1, -2], { ...f64, requiresGrad: true })),
  };
  const X = fl.keep(
    fl.tensor(
      [
        [1, 2],
        [-0.5, 0.3],
        [0.7, -1.2],
        [2, 0.1],
      ],
      f64,
    ),
  );
  const Y = fl.keep(
    fl.tensor(
      [
        [0.3, -0.1, 1.2],
        [0, 0.5, -0.4],
        [1.1, 0.2, 0.3],
        [-0.6, 0.9, 0],
      ],
      f64,
    ),
  );
  const backward = () =>
    fl.tidy(() => X.matmul(params.W).add(params.b).sub(Y).square().mean().backward());
  const dispose = () => [...Object.values(params), X, Y].forEach((t) => t.dispose());
  return { params, backward, dispose };
}

describe('Optimizer behaviour', () => {
  it('zeroGrad disposes gradients and sets them to null, or zeroes them in place', () => {
    const { params, backward, dispose } = problem();
    const opt = new optim.SGD([params.W, params.b], { lr: 0.1 });
    const start = fl.memory().tensors;
    backward();
    expect(fl.memory().tensors).toBe(start + 2);
    opt.zeroGrad(false);
    expect(params.W.grad!.toArray()).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
    opt.zeroGrad();
    expect(params.W.grad).toBeNull();
    expect(params.b.grad).toBeNull();
    expect(fl.memory().tensors).toBe(start);
    dispose();
  });

  it('updates parameters in place, so a Module keeps its tensors', () => {
    class Linear extends Module {
      weight = Parameter(fl.tensor([[1, 2]], f64));
      forward(x: fl.Tensor): fl.Tensor {
        return x.matmul(this.weight.T);
      }
    }
    const m = new Linear();
    const w = m.weight;
    const opt = new optim.Adam(m.parameters(), { lr: 0.5 });
    fl.tidy(() =>
      m
        .forward(fl.tensor([[1, 1]], f64))
        .sum()
        .backward(),
    );
    opt.step();
    expect(m.weight).toBe(w);
    expect(m.parameters()[0]).toBe(w);
    expect(w.isLeaf && w.requiresGrad).toBe(true);
    // Adam's first step moves each weight by lr·(1 − O(eps)).
    (w.toArray() as number[][])[0]!.forEach((v, i) => expect(v).toBeCloseTo([0.5, 1.5][i]!, 7));
    opt.dispose();
    w.dispose();
  });

  it('step(closure) evaluates the closure with grad enabled and returns its result', () => {
    const { params, backward, dispose } = problem();
    const opt = new optim.SGD([params.W, params.b], { lr: 0.1 });
    const loss = fl.noGrad(() => opt.step(() => (backward(), 42)));
    expect(loss).toBe(42);
    expect(params.W.grad).not.toBeNull();
    dispose();
  });

  it('addParamGroup adds a group with its own options', () => {
    const { params, dispose } = problem();
    const opt = new optim.SGD([params.W], { lr: 0.1, momentum: 0.9 });
    opt.addParamGroup({ params: [params.b], lr: 0.01 });
    expect(opt.paramGroups.map((g) => [g.lr, g.momentum])).toEqual([
      [0.1, 0.9],
      [0.01, 0.9],
    ]);
    expect(() => opt.addParamGroup({ params: [params.W] })).toThrow(
      /more than one parameter group/,
    );
    dispose();
  });

  it('exports the scheduler namespace under torch’s module name too', () => {
    expect(optim.lrScheduler.StepLR).toBe(optim.StepLR);
  });
});

describe('option errors', () => {
  // tidy frees what the failed constructor calls made, even when they throw.
  const make = (f: (p: fl.Tensor[]) => unknown) => () =>
    fl.tidy(() => void f([fl.zeros([2], { requiresGrad: true })]));

  it.each([
    [
      'SGD',
      (p: fl.Tensor[]) => new optim.SGD(p, { lr: -1 }),
      /^SGD: invalid lr -1; lr must be ≥ 0$/,
    ],
    [
      'Adam',
      (p: fl.Tensor[]) => new optim.Adam(p, { lr: -0.1 }),
      /^Adam: invalid lr -0.1; lr must be ≥ 0$/,
    ],
    [
      'AdamW',
      (p: fl.Tensor[]) => new optim.AdamW(p, { lr: NaN }),
      /^AdamW: invalid lr NaN; lr must be ≥ 0$/,
    ],
    ['RMSprop', (p: fl.Tensor[]) => new optim.RMSprop(p, { lr: -1 }), /^RMSprop: invalid lr -1/],
    ['Adagrad', (p: fl.Tensor[]) => new optim.Adagrad(p, { lr: -1 }), /^Adagrad: invalid lr -1/],
  ])('%s: a negative lr names the optimizer and the valid range', (_, f, msg) => {
    const run = make(f);
    expect(run).toThrow(optim.OptimizerError);
    expect(run).toThrow(fl.FlintError);
    expect(run).toThrow(msg);
  });

  it.each([
    [
      (p: fl.Tensor[]) => new optim.SGD(p, { momentum: -0.5 }),
      /SGD: invalid momentum -0.5; momentum must be ≥ 0/,
    ],
    [
      (p: fl.Tensor[]) => new optim.SGD(p, { nesterov: true }),
      /SGD: invalid nesterov true.*momentum > 0 and dampening = 0/,
    ],
    [(p: fl.Tensor[]) => new optim.SGD(p, { weightDecay: -1 }), /SGD: invalid weightDecay -1/],
    [
      (p: fl.Tensor[]) => new optim.Adam(p, { betas: [1, 0.999] }),
      /Adam: invalid betas\[0\] 1; betas\[0\] must be in \[0, 1\)/,
    ],
    [
      (p: fl.Tensor[]) => new optim.AdamW(p, { betas: [0.9, -0.1] }),
      /AdamW: invalid betas\[1\] -0.1/,
    ],
    [(p: fl.Tensor[]) => new optim.Adam(p, { eps: -1 }), /Adam: invalid eps -1/],
    [(p: fl.Tensor[]) => new optim.RMSprop(p, { alpha: -1 }), /RMSprop: invalid alpha -1/],
    [(p: fl.Tensor[]) => new optim.Adagrad(p, { lrDecay: -1 }), /Adagrad: invalid lrDecay -1/],
    [
      (p: fl.Tensor[]) => new optim.Adagrad(p, { initialAccumulatorValue: -1 }),
      /Adagrad: invalid initialAccumulatorValue -1/,
    ],
    [
      (p: fl.Tensor[]) =>
        new optim.Adam([
          { params: p },
          { params: [fl.zeros([1], { requiresGrad: true })], lr: -2 },
        ]),
      /Adam \(param group 1\): invalid lr -2/,
    ],
    [() => new optim.SGD([]), /SGD: got an empty parameter list/],
    [(p: fl.Tensor[]) => new optim.SGD([p[0]!, p[0]!]), /more than one parameter group/],
    [
      (p: fl.Tensor[]) => new optim.SGD([p[0]!.mul(2)]),
      /SGD \(param group 0\): can't optimize a non-leaf tensor/,
    ],
  ])('%#: %s', (f, msg) => {
    expect(make(f)).toThrow(msg);
  });
});

describe('memory', () => {
  const kinds: [string, (p: fl.Tensor[]) => AnyOptimizer][] = [
    ['SGD', (p) => new optim.SGD(p, { lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 0.1 })],
    ['Adam', (p) => new optim.Adam(p, { lr: 0.01, amsgrad: true })],
    ['AdamW', (p) => new optim.AdamW(p, { lr: 0.01 })],
    ['RMSprop', (p) => new optim.RMSprop(p, { lr: 0.001, momentum: 0.5, centered: true })],
    ['Adagrad', (p) => new optim.Adagrad(p, { lr: 0.01, lrDecay: 0.1 })],
  ];

  it.each(kinds)(
    '%s: 100 steps in fl.tidy add only the state made on the first step',
    (_, make) => {
      const { params, backward, dispose } = problem();
      const before = fl.memory();
      const buffersBefore = backend.stats().buffers;
      const opt = make(Object.values(params));
      const train = () => fl.tidy(() => (opt.zeroGrad(), backward(), opt.step()));
      train();
      const afterFirst = fl.memory();
      for (let i = 1; i < 100; i++) train();
      expect(fl.memory()).toEqual(afterFirst);
      opt.zeroGrad();
      const stateTensors = [...opt.state.values()]
        .flatMap((s) => Object.values(s))
        .filter((v) => v instanceof fl.Tensor) as fl.Tensor[];
      expect(stateTensors.length).toBeGreaterThan(0);
      expect(fl.memory().tensors).toBe(before.tensors + stateTensors.length);
      expect(fl.memory().bytes).toBe(
        before.bytes + stateTensors.reduce((n, t) => n + t.size * 8, 0),
      );
      opt.dispose();
      expect(fl.memory()).toEqual(before);
      expect(backend.stats().buffers).toBe(buffersBefore);
      dispose();
    },
  );
});
