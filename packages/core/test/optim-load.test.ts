/**
 * loadStateDict of optimizers and schedulers is all or nothing (issue 15): the whole dict is
 * checked before any of it is applied, each failure is a typed error naming the group, parameter
 * and key, and a failed load leaves the object exactly as it was and leaks nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import * as optim from '../src/optim/index.js';

const backend = cpuBackend({ name: 'cpu-optim-load-test' });
beforeAll(() => fl.use(backend));
afterAll(() => {
  expect(fl.memory().perDevice[backend.name]?.tensors ?? 0).toBe(0);
  fl.removeBackend(backend.name);
});

type AnyOptimizer = optim.Optimizer<object, object>;
const f64 = { dtype: 'float64' } as const;

/** Everything a load could change: the state (read back) and the groups' options. */
function snapshot(opt: AnyOptimizer): unknown {
  return fl.tidy(() => {
    const sd = opt.stateDict();
    const state = Object.fromEntries(
      Object.entries(sd.state).map(([i, e]) => [
        i,
        Object.fromEntries(
          Object.entries(e).map(([k, v]) => [k, v instanceof fl.Tensor ? v.toArray() : v]),
        ),
      ]),
    );
    return { state, groups: sd.param_groups };
  });
}

describe('optimizer loadStateDict is all or nothing', () => {
  /** An Adam with state for W (2x2) and s (0-d), and a good torch-style dict to corrupt. */
  function setup() {
    const W = fl.keep(
      fl.tensor(
        [
          [1, 2],
          [3, 4],
        ],
        { ...f64, requiresGrad: true },
      ),
    );
    const s = fl.keep(fl.tensor(0.5, { ...f64, requiresGrad: true }));
    const opt = new optim.Adam([W, s], { lr: 0.1 });
    fl.tidy(() => W.sum().add(s.square()).backward());
    opt.step();
    const good = () =>
      ({
        state: {
          0: {
            step: 1,
            exp_avg: [
              [1, 1],
              [1, 1],
            ],
            exp_avg_sq: [
              [2, 2],
              [2, 2],
            ],
          },
          1: { step: 1, exp_avg: 0.3, exp_avg_sq: 0.4 },
        },
        param_groups: [
          {
            lr: 0.05,
            betas: [0.8, 0.9],
            eps: 1e-8,
            weight_decay: 0,
            amsgrad: false,
            maximize: false,
            params: [0, 1],
          },
        ],
      }) as Record<string, unknown> & {
        state: Record<string, Record<string, unknown>>;
        param_groups: Record<string, unknown>[];
      };
    const dispose = () => {
      opt.dispose();
      W.dispose();
      s.dispose();
    };
    return { W, s, opt, good, dispose };
  }

  type Bad = [
    string,
    (sd: ReturnType<ReturnType<typeof setup>['good']>) => unknown,
    string,
    RegExp,
  ];
  const cases: Bad[] = [
    [
      'null',
      () => null,
      'OptimizerError',
      /Adam.loadStateDict: expected a state dict \{ state, param_groups \}.*got null/,
    ],
    ['a number', () => 5, 'OptimizerError', /expected a state dict .* got 5/],
    [
      'no state',
      (sd) => ({ param_groups: sd.param_groups }),
      'OptimizerError',
      /state must be an object, got undefined/,
    ],
    [
      'two groups',
      (sd) => ({ ...sd, param_groups: [sd.param_groups[0], sd.param_groups[0]] }),
      'OptimizerError',
      /2 parameter groups but the optimizer has 1/,
    ],
    [
      'a short group',
      (sd) => ({ ...sd, param_groups: [{ ...sd.param_groups[0], params: [0] }] }),
      'OptimizerError',
      /param group 0 has 1 parameters in the state dict but 2/,
    ],
    [
      'a repeated id',
      (sd) => ({ ...sd, param_groups: [{ ...sd.param_groups[0], params: [0, 0] }] }),
      'OptimizerError',
      /parameter id 0 is listed more than once/,
    ],
    [
      'a fractional id',
      (sd) => ({ ...sd, param_groups: [{ ...sd.param_groups[0], params: [0, 1.5] }] }),
      'OptimizerError',
      /param group 0 lists 1.5; parameter ids are non-negative integers/,
    ],
    [
      'state for an unlisted id',
      (sd) => ({ ...sd, state: { ...sd.state, 7: sd.state[1] } }),
      'OptimizerError',
      /state for parameter '7', which no param group lists/,
    ],
    [
      'an entry that is not an object',
      (sd) => ({ ...sd, state: { ...sd.state, 1: 3 } }),
      'OptimizerError',
      /\(parameter 1\): the state entry must be an object, got 3/,
    ],
    [
      'an unknown state key',
      (sd) => ({ ...sd, state: { ...sd.state, 1: { ...sd.state[1], momentum: 1 } } }),
      'OptimizerError',
      /unknown state key 'momentum' \(valid: step, expAvg, expAvgSq, maxExpAvgSq\)/,
    ],
    [
      'a missing tensor',
      (sd) => ({ ...sd, state: { ...sd.state, 1: { step: 1, exp_avg: 0.3 } } }),
      'OptimizerError',
      /\(parameter 1\): state 'expAvgSq' is missing/,
    ],
    [
      'a string step',
      (sd) => ({ ...sd, state: { ...sd.state, 1: { ...sd.state[1], step: '5' } } }),
      'OptimizerError',
      /state 'step' must be a non-negative integer .*got '5'/,
    ],
    [
      'a negative step',
      (sd) => ({ ...sd, state: { ...sd.state, 1: { ...sd.state[1], step: -1 } } }),
      'OptimizerError',
      /state 'step' must be a non-negative integer/,
    ],
    [
      'a number for a 2x2 parameter',
      (sd) => ({ ...sd, state: { ...sd.state, 0: { ...sd.state[0], exp_avg: 0.1 } } }),
      'ShapeError',
      /state 'expAvg' is the number 0.1, which stands only for a one-element parameter; its parameter has shape \[2,2\]/,
    ],
    [
      'a wrong shape',
      (sd) => ({ ...sd, state: { ...sd.state, 0: { ...sd.state[0], exp_avg_sq: [1, 2] } } }),
      'ShapeError',
      /state 'expAvgSq' has shape \[2\] but its parameter has \[2,2\]/,
    ],
    [
      'strings in a nested array',
      (sd) => ({
        ...sd,
        state: {
          ...sd.state,
          0: {
            ...sd.state[0],
            exp_avg: [
              ['a', 'b'],
              ['c', 'd'],
            ],
          },
        },
      }),
      'OptimizerError',
      /state 'expAvg' is not a nested array of numbers/,
    ],
    [
      'an object for a tensor',
      (sd) => ({ ...sd, state: { ...sd.state, 0: { ...sd.state[0], exp_avg: { data: [1] } } } }),
      'OptimizerError',
      /state 'expAvg' must be a tensor, a nested array of numbers or/,
    ],
    [
      'a string lr',
      (sd) => ({ ...sd, param_groups: [{ ...sd.param_groups[0], lr: '0.1' }] }),
      'OptimizerError',
      /\(param group 0\): invalid lr "0.1"; lr must be ≥ 0/,
    ],
    [
      'a string amsgrad',
      (sd) => ({ ...sd, param_groups: [{ ...sd.param_groups[0], amsgrad: 'yes' }] }),
      'OptimizerError',
      /invalid amsgrad "yes"; amsgrad must be true or false/,
    ],
    [
      'one beta',
      (sd) => ({ ...sd, param_groups: [{ ...sd.param_groups[0], betas: [0.9] }] }),
      'OptimizerError',
      /invalid betas \[0.9\]; betas must be a pair/,
    ],
    [
      'an object option',
      (sd) => ({ ...sd, param_groups: [{ ...sd.param_groups[0], eps: { v: 1 } }] }),
      'OptimizerError',
      /option 'eps' must be a number, string, boolean, null or an array of them/,
    ],
    [
      'a bad initial_lr',
      (sd) => ({ ...sd, param_groups: [{ ...sd.param_groups[0], initial_lr: 'x' }] }),
      'OptimizerError',
      /initialLr must be a finite number, got 'x'/,
    ],
  ];

  it.each(cases)('%s', (_, corrupt, errName, match) => {
    const { opt, good, dispose } = setup();
    const before = snapshot(opt);
    const mem = fl.memory();
    let thrown: unknown;
    try {
      opt.loadStateDict(corrupt(good()) as optim.OptimizerStateDict);
    } catch (e) {
      thrown = e;
    }
    expect((thrown as Error)?.name).toBe(errName);
    expect(thrown).toBeInstanceOf(fl.FlintError);
    expect((thrown as Error).message).toMatch(match);
    expect(fl.memory()).toEqual(mem);
    expect(snapshot(opt)).toEqual(before);
    // The uncorrupted dict loads.
    opt.loadStateDict(good() as unknown as optim.OptimizerStateDict);
    expect(opt.paramGroups[0]!.lr).toBe(0.05);
    dispose();
  });

  it("a disposed parameter of the optimizer's own is named, and nothing changes", () => {
    const { opt, s, good, dispose } = setup();
    const state = [...opt.state.values()];
    s.dispose();
    expect(() => opt.loadStateDict(good() as unknown as optim.OptimizerStateDict)).toThrow(
      /Adam.loadStateDict: parameter 1 of param group 0 \(shape \[\]\) was disposed/,
    );
    expect(opt.paramGroups[0]!.lr).toBe(0.1);
    expect([...opt.state.values()]).toEqual(state);
    dispose();
  });

  it('a disposed state tensor is a DisposedTensorError and changes nothing', () => {
    const { opt, good, dispose } = setup();
    const before = snapshot(opt);
    const t = fl.zeros([2, 2], f64);
    t.dispose();
    const sd = good();
    sd.state[0] = { ...sd.state[0], exp_avg: t };
    expect(() => opt.loadStateDict(sd as unknown as optim.OptimizerStateDict)).toThrow(
      /Adam.loadStateDict \(parameter 0\): state 'expAvg' is a disposed tensor/,
    );
    expect(snapshot(opt)).toEqual(before);
    dispose();
  });
});

describe('scheduler loadStateDict is all or nothing', () => {
  function sgd() {
    const w = fl.keep(fl.tensor([1], { requiresGrad: true }));
    const opt = new optim.SGD(
      [{ params: [w] }, { params: [fl.keep(fl.tensor([2], { requiresGrad: true }))] }],
      { lr: 0.1, momentum: 0.9 },
    );
    const dispose = () => {
      opt.paramGroups.flatMap((g) => g.params).forEach((t) => t.dispose());
      opt.dispose();
    };
    return { opt, dispose };
  }

  it.each([
    [null, /StepLR.loadStateDict: expected a state dict object/],
    [{ lastEpoch: 'x' }, /StepLR.loadStateDict: lastEpoch must be a number, got 'x'/],
    [{ lastEpoch: 2.5 }, /lastEpoch must be an integer ≥ −1, got 2.5/],
    [{ gamma: null }, /gamma must be a number, got null/],
    [{ baseLrs: [0.1] }, /baseLrs must be 2 numbers \(one per param group\), not 1/],
    [{ lastEpoch: 3, bogus: 1 }, /unknown state key 'bogus'/],
  ])('StepLR rejects %j, changing nothing', (bad, match) => {
    const { opt, dispose } = sgd();
    const s = new optim.StepLR(opt, { stepSize: 2 });
    s.step();
    const before = s.stateDict();
    expect(() => s.loadStateDict(bad as Record<string, unknown>)).toThrow(match);
    expect(s.stateDict()).toEqual(before);
    dispose();
  });

  it('ReduceLROnPlateau checks its enums and accepts the null that JSON makes of Infinity', () => {
    const { opt, dispose } = sgd();
    const s = new optim.ReduceLROnPlateau(opt);
    const saved = JSON.parse(JSON.stringify(s.stateDict())) as Record<string, unknown>;
    expect(saved.best).toBeNull();
    expect(() => s.loadStateDict({ ...saved, mode: 'mni' })).toThrow(
      /ReduceLROnPlateau.loadStateDict: mode must be 'min' or 'max', got 'mni'/,
    );
    s.loadStateDict(saved);
    expect(s.best).toBe(Infinity);
    dispose();
  });

  it('ChainedScheduler and SequentialLR check every inner dict before loading any', () => {
    const { opt, dispose } = sgd();
    const a = new optim.StepLR(opt, { stepSize: 2 });
    const b = new optim.ExponentialLR(opt, { gamma: 0.9 });
    const chain = new optim.ChainedScheduler([a, b]);
    chain.step();
    const sd = chain.stateDict() as { schedulers: Record<string, unknown>[] };
    const before = JSON.stringify(chain.stateDict());
    const bad = { ...sd, schedulers: [{ ...sd.schedulers[0], lastEpoch: 40 }, { gamma: 'x' }] };
    expect(() => chain.loadStateDict(bad)).toThrow(
      /ExponentialLR.loadStateDict: gamma must be a number/,
    );
    expect(JSON.stringify(chain.stateDict())).toBe(before);
    expect(() => chain.loadStateDict({ schedulers: [] })).toThrow(
      /expected state for 2 schedulers/,
    );
    const seq = new optim.SequentialLR(opt, { schedulers: [a, b], milestones: [3] });
    const seqBefore = JSON.stringify(seq.stateDict());
    const seqSd = seq.stateDict() as { schedulers: Record<string, unknown>[] };
    expect(() =>
      seq.loadStateDict({
        ...seqSd,
        lastEpoch: 9,
        schedulers: [seqSd.schedulers[0]!, { lastLr: 1 }],
      }),
    ).toThrow(/ExponentialLR.loadStateDict: lastLr must be an array of numbers, got 1/);
    expect(JSON.stringify(seq.stateDict())).toBe(seqBefore);
    dispose();
  });
});

describe('a custom Optimizer subclass without a state spec', () => {
  interface S {
    step: number;
    scale: number;
    buf: fl.Tensor;
  }
  class Scaled extends optim.Optimizer<{ lr: number }, S> {
    constructor(params: fl.Tensor[]) {
      super('Scaled', params, { lr: 0.1 }, {});
    }
    protected validate(): void {}
    protected initState(p: fl.Tensor): S {
      return { step: 0, scale: 1, buf: fl.keep(fl.zerosLike(p)) };
    }
    protected update(p: fl.Tensor, grad: fl.Tensor, s: S): void {
      s.step += 1;
      s.buf.copy_(s.buf.add(grad));
      p.sub_(s.buf.mul(s.scale * 0.1));
    }
  }

  it('keeps numbers as numbers, checks step and the tensors, and stays all or nothing', () => {
    const w = fl.keep(fl.tensor([1, 2], { requiresGrad: true }));
    const opt = new Scaled([w]);
    const groups = [{ lr: 0.1, params: [0] }];
    const bad = { state: { 0: { step: 2, scale: 3, buf: [1, 2, 3] } }, param_groups: groups };
    expect(() => opt.loadStateDict(bad)).toThrow(/state 'buf' has shape \[3\]/);
    expect(opt.state.size).toBe(0);
    opt.loadStateDict({ state: { 0: { step: 2, scale: 3, buf: [1, 1] } }, param_groups: groups });
    const s = opt.state.get(w)!;
    expect([s.step, s.scale, s.buf.toArray()]).toEqual([2, 3, [1, 1]]);
    opt.dispose();
    w.dispose();
  });
});
