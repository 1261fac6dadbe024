/**
 * fl.optim learning-rate schedulers against PyTorch: the golden fixtures
 * (scripts/gen-optim-fixtures.py) give the lr of every param group after construction and after
 * each of 30 steps (and OneCycleLR's momentum), including chained and sequential schedules and
 * ReduceLROnPlateau driven by a scripted metric. Also: state-dict round trips and option errors.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import * as optim from '../src/optim/index.js';

const backend = cpuBackend({ name: 'cpu-optim-sched-test' });
beforeAll(() => fl.use(backend));
afterAll(() => {
  expect(fl.memory().perDevice[backend.name]?.tensors).toBe(0);
  fl.removeBackend(backend.name);
});

type Options = Record<string, unknown>;
interface SchedSpec {
  name: string;
  options?: Options;
  lambda?: string;
  schedulers?: SchedSpec[];
  milestones?: number[];
}
interface Case {
  id: string;
  optimizer: { name: 'SGD' | 'Adam' | 'RMSprop'; options: Options; groupLrs: number[] };
  scheduler: SchedSpec;
  lrs: number[][];
  momentums?: number[][];
  metrics?: number[];
  /** The argument of each `step(epoch)` call (CosineAnnealingWarmRestarts' fractional epochs). */
  epochs?: number[];
}

const S = JSON.parse(
  readFileSync(new URL('./fixtures/optim-schedulers.json', import.meta.url), 'utf8'),
) as { torch: string; cases: Case[] };

/** Mirrors LAMBDAS in scripts/gen-optim-fixtures.py. */
const LAMBDAS: Record<string, optim.LrLambda> = {
  warmup5: (e) => Math.min(1.0, (e + 1) / 5),
  inverse: (e) => 1.0 / (1 + 0.1 * e),
};

type AnyOptimizer = optim.Optimizer<object, object>;
type Stepper = {
  step(metric?: number): void;
  getLastLr(): number[];
  stateDict(): Options;
  loadStateDict(sd: Options): void;
};
type SchedCtor = new (opt: optim.SchedulableOptimizer, options: Options) => optim.LRScheduler;
const SCHEDS: Record<string, SchedCtor> = {
  StepLR: optim.StepLR as unknown as SchedCtor,
  MultiStepLR: optim.MultiStepLR as unknown as SchedCtor,
  ConstantLR: optim.ConstantLR as unknown as SchedCtor,
  LinearLR: optim.LinearLR as unknown as SchedCtor,
  ExponentialLR: optim.ExponentialLR as unknown as SchedCtor,
  CosineAnnealingLR: optim.CosineAnnealingLR as unknown as SchedCtor,
  OneCycleLR: optim.OneCycleLR as unknown as SchedCtor,
  CosineAnnealingWarmRestarts: optim.CosineAnnealingWarmRestarts as unknown as SchedCtor,
  CyclicLR: optim.CyclicLR as unknown as SchedCtor,
};

/** Two float64 params, one per group, with the case's group lrs (they never get gradients). */
function makeOptimizer(spec: Case['optimizer']): { opt: AnyOptimizer; dispose: () => void } {
  const ps = spec.groupLrs.map(() => fl.zeros([2], { dtype: 'float64', requiresGrad: true }));
  const groups = ps.map((p, i) => ({ params: [p], lr: spec.groupLrs[i] }));
  const o = spec.options;
  const opt =
    spec.name === 'SGD'
      ? new optim.SGD(groups, o)
      : spec.name === 'Adam'
        ? new optim.Adam(groups, o)
        : new optim.RMSprop(groups, o);
  return { opt: opt as unknown as AnyOptimizer, dispose: () => ps.forEach((p) => p.dispose()) };
}

function makeScheduler(spec: SchedSpec, opt: AnyOptimizer): Stepper {
  switch (spec.name) {
    case 'ChainedScheduler':
      return new optim.ChainedScheduler(
        spec.schedulers!.map((s) => makeScheduler(s, opt) as optim.LRScheduler),
      );
    case 'SequentialLR':
      return new optim.SequentialLR(opt, {
        schedulers: spec.schedulers!.map((s) => makeScheduler(s, opt) as optim.LRScheduler),
        milestones: spec.milestones!,
      });
    case 'LambdaLR':
      return new optim.LambdaLR(opt, { lrLambda: LAMBDAS[spec.lambda!]! });
    case 'ReduceLROnPlateau':
      return new optim.ReduceLROnPlateau(opt, spec.options) as Stepper;
    default:
      return new SCHEDS[spec.name]!(opt, spec.options ?? {});
  }
}

function expectLrs(got: number[], want: number[], label: string): void {
  expect(got.length, label).toBe(want.length);
  want.forEach((w, i) => {
    if (!(Math.abs(got[i]! - w) <= 1e-12 * Math.max(1e-3, Math.abs(w))))
      expect.fail(`${label} group ${i}: got ${got[i]}, torch ${w}`);
  });
}

function momentumOf(opt: AnyOptimizer): number[] {
  return opt.paramGroups.map((g) => {
    const m = g as { betas?: number[]; momentum?: number };
    return m.betas ? m.betas[0]! : m.momentum!;
  });
}

describe(`schedulers vs PyTorch ${S.torch}`, () => {
  it.each(S.cases)('$id', (c) => {
    const { opt, dispose } = makeOptimizer(c.optimizer);
    const sched = makeScheduler(c.scheduler, opt);
    expectLrs(sched.getLastLr(), c.lrs[0]!, `${c.id} after construction`);
    if (c.momentums)
      expectLrs(momentumOf(opt), c.momentums[0]!, `${c.id} momentum after construction`);
    for (let i = 1; i < c.lrs.length; i++) {
      opt.step(); // no gradients: a no-op, as in the generator
      sched.step(c.metrics?.[i - 1] ?? c.epochs?.[i - 1]);
      expectLrs(sched.getLastLr(), c.lrs[i]!, `${c.id} step ${i}`);
      expectLrs(
        opt.paramGroups.map((g) => g.lr),
        c.lrs[i]!,
        `${c.id} step ${i} (param groups)`,
      );
      if (c.momentums) expectLrs(momentumOf(opt), c.momentums[i]!, `${c.id} momentum step ${i}`);
    }
    dispose();
  });
});

describe('scheduler state dicts', () => {
  const ids = [
    'sequential/warmup-cosine',
    'chained/step-linear',
    'one-cycle-lr/defaults-sgd',
    'reduce-lr-on-plateau/min-rel',
    'multi-step-lr',
  ];

  it.each(ids)('%s: a round trip mid-schedule continues identically', (id) => {
    const c = S.cases.find((x) => x.id === id)!;
    const a = makeOptimizer(c.optimizer);
    const b = makeOptimizer(c.optimizer);
    const sa = makeScheduler(c.scheduler, a.opt);
    const sb = makeScheduler(c.scheduler, b.opt);
    for (let i = 0; i < 12; i++) sa.step(c.metrics?.[i]);
    const saved = JSON.parse(JSON.stringify({ opt: a.opt.stateDict(), sched: sa.stateDict() })) as {
      opt: optim.OptimizerStateDict;
      sched: Options;
    };
    b.opt.loadStateDict(saved.opt);
    sb.loadStateDict(saved.sched);
    for (let i = 12; i < 30; i++) {
      sa.step(c.metrics?.[i]);
      sb.step(c.metrics?.[i]);
      expect(sb.getLastLr()).toEqual(sa.getLastLr());
      expectLrs(sb.getLastLr(), c.lrs[i + 1]!, `${id} resumed step ${i + 1}`);
    }
    a.dispose();
    b.dispose();
  });

  it('rejects unknown keys', () => {
    const { opt, dispose } = makeOptimizer(S.cases[0]!.optimizer);
    const s = new optim.StepLR(opt, { stepSize: 2 });
    expect(() => s.loadStateDict({ bogus: 1 })).toThrow(
      /StepLR.loadStateDict: unknown state key 'bogus'/,
    );
    dispose();
  });
});

describe('scheduler errors', () => {
  const withOpt = (f: (opt: AnyOptimizer) => unknown) => () => {
    const { opt, dispose } = makeOptimizer({
      name: 'SGD',
      options: { lr: 0.1 },
      groupLrs: [0.1, 0.01],
    });
    try {
      f(opt);
    } finally {
      dispose();
    }
  };

  it.each([
    [
      (o: AnyOptimizer) => new optim.StepLR(o, { stepSize: 0 }),
      /StepLR: invalid stepSize 0; stepSize must be a positive integer/,
    ],
    [
      (o: AnyOptimizer) => new optim.LinearLR(o, { startFactor: 0 }),
      /LinearLR: invalid startFactor 0; startFactor must be in \(0, 1\]/,
    ],
    [(o: AnyOptimizer) => new optim.ConstantLR(o, { factor: 2 }), /ConstantLR: invalid factor 2/],
    [
      (o: AnyOptimizer) => new optim.CosineAnnealingLR(o, { tMax: 0 }),
      /CosineAnnealingLR: invalid tMax 0/,
    ],
    [
      (o: AnyOptimizer) => new optim.LambdaLR(o, { lrLambda: [() => 1] }),
      /LambdaLR: invalid lrLambda.*2 functions/,
    ],
    [
      (o: AnyOptimizer) => new optim.OneCycleLR(o, { maxLr: 0.1 }),
      /OneCycleLR: give totalSteps, or both epochs and stepsPerEpoch/,
    ],
    [
      (o: AnyOptimizer) => new optim.OneCycleLR(o, { maxLr: [0.1], totalSteps: 10 }),
      /OneCycleLR: invalid maxLr \[0.1\]/,
    ],
    [
      (o: AnyOptimizer) => new optim.OneCycleLR(o, { maxLr: 0.1, totalSteps: 10, pctStart: 1.5 }),
      /OneCycleLR: invalid pctStart 1.5/,
    ],
    [
      (o: AnyOptimizer) => new optim.ReduceLROnPlateau(o, { factor: 1 }),
      /ReduceLROnPlateau: invalid factor 1; factor must be < 1/,
    ],
    [
      (o: AnyOptimizer) => new optim.ReduceLROnPlateau(o, { minLr: [0] }),
      /ReduceLROnPlateau: invalid minLr \[0\]/,
    ],
    [
      (o: AnyOptimizer) =>
        new optim.SequentialLR(o, {
          schedulers: [new optim.ExponentialLR(o, { gamma: 0.9 })],
          milestones: [3],
        }),
      /SequentialLR: expects one milestone fewer than schedulers, got 1 schedulers and 1 milestones/,
    ],
    [
      () => new optim.ChainedScheduler([]),
      /ChainedScheduler: expects a non-empty array of schedulers/,
    ],
  ])('%#: %s', (f, msg) => {
    expect(withOpt(f)).toThrow(optim.OptimizerError);
    expect(withOpt(f)).toThrow(msg);
  });

  it('OneCycleLR refuses to step past totalSteps and needs momentum to cycle', () => {
    withOpt((o) => {
      const s = new optim.OneCycleLR(o, { maxLr: 0.1, totalSteps: 3 });
      for (let i = 0; i < 3; i++) s.step();
      expect(() => s.step()).toThrow(
        /OneCycleLR: tried to step 5 times; the specified number of total steps is 3/,
      );
    })();
    const p = fl.zeros([1], { requiresGrad: true });
    const ada = new optim.Adagrad([p]);
    expect(() => new optim.OneCycleLR(ada, { maxLr: 0.1, totalSteps: 3 })).toThrow(
      /Adagrad has no momentum or betas to cycle/,
    );
    try {
      expectLrs(
        new optim.OneCycleLR(ada, {
          maxLr: 0.1,
          totalSteps: 100,
          cycleMomentum: false,
        }).getLastLr(),
        [0.004],
        'no momentum',
      );
    } finally {
      ada.dispose();
      p.dispose();
    }
  });

  it('ChainedScheduler and SequentialLR need schedulers of one optimizer', () => {
    withOpt((a) =>
      withOpt((b) => {
        const sa = new optim.ExponentialLR(a, { gamma: 0.9 });
        const sb = new optim.ExponentialLR(b, { gamma: 0.9 });
        expect(() => new optim.ChainedScheduler([sa, sb])).toThrow(
          /scheduler 1 belongs to a different optimizer/,
        );
        expect(() => new optim.SequentialLR(a, { schedulers: [sa, sb], milestones: [2] })).toThrow(
          /scheduler 1 belongs to a different optimizer/,
        );
      })(),
    )();
  });
});
