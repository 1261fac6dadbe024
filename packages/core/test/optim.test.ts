/**
 * fl.optim optimizers against PyTorch: the golden fixtures (scripts/gen-optim-fixtures.py) give
 * the parameters after each of 5 steps on a fixed least-squares problem, in float64, and torch's
 * state dict after step 3. Also: state-dict round trips and float32 parameters. Behaviour,
 * option errors and memory are in optim-behaviour.test.ts.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import * as optim from '../src/optim/index.js';

const backend = cpuBackend({ name: 'cpu-optim-test' });
beforeAll(() => fl.use(backend));
afterAll(() => {
  // Every test disposes what it makes; a leak here would also be freed after removeBackend.
  expect(fl.memory().perDevice[backend.name]?.tensors).toBe(0);
  fl.removeBackend(backend.name);
});

type Nested = number | Nested[];
type Name = 'W' | 'b' | 'u';
type Options = Record<string, unknown>;
interface TorchStateDict {
  state: Record<string, Record<string, Nested | null>>;
  param_groups: ({ params: number[] } & Options)[];
}
interface Case {
  id: string;
  optimizer: 'SGD' | 'Adam' | 'AdamW' | 'NAdam' | 'RAdam' | 'RMSprop' | 'Adagrad';
  options: Options;
  /** Steps of this case's trajectory when it differs from the fixture's `steps`. */
  steps?: number;
  groups?: ({ params: Name[] } & Options)[];
  lrChanges?: Record<string, number[]>;
  trajectory: Record<Name, Nested>[];
  afterStep3: { params: Record<Name, Nested>; stateDict: TorchStateDict };
}
interface Fixture {
  torch: string;
  problem: Record<Name | 'X' | 'Y', Nested>;
  steps: number;
  cases: Case[];
}

const F = JSON.parse(
  readFileSync(
    new URL('../../conformance/fixtures/nn/optim-optimizers.json', import.meta.url),
    'utf8',
  ),
) as Fixture;
const NAMES: Name[] = ['W', 'b', 'u'];
type AnyOptimizer = optim.Optimizer<object, object>;
type Ctor = new (params: optim.Params<Options>, options: Options) => AnyOptimizer;
const CTORS: Record<Case['optimizer'], Ctor> = {
  SGD: optim.SGD as unknown as Ctor,
  Adam: optim.Adam as unknown as Ctor,
  AdamW: optim.AdamW as unknown as Ctor,
  NAdam: optim.NAdam as unknown as Ctor,
  RAdam: optim.RAdam as unknown as Ctor,
  RMSprop: optim.RMSprop as unknown as Ctor,
  Adagrad: optim.Adagrad as unknown as Ctor,
};

/** The fixture's problem: kept parameters, and one forward + backward per call of `backward`. */
function problem(
  values: Record<Name, Nested> = F.problem,
  dtype: 'float32' | 'float64' = 'float64',
) {
  const opts = { dtype } as const;
  const params = Object.fromEntries(
    NAMES.map((n) => [n, fl.keep(fl.tensor(values[n], { ...opts, requiresGrad: true }))]),
  ) as Record<Name, fl.Tensor>;
  const X = fl.keep(fl.tensor(F.problem.X, opts));
  const Y = fl.keep(fl.tensor(F.problem.Y, opts));
  const backward = () =>
    fl.tidy(() => X.matmul(params.W).add(params.b).sub(Y).square().mean().backward());
  const dispose = () => [...Object.values(params), X, Y].forEach((t) => t.dispose());
  return { params, backward, dispose };
}

function build(c: Case, params: Record<Name, fl.Tensor>): AnyOptimizer {
  const groups = c.groups?.map((g) => ({ ...g, params: g.params.map((n) => params[n]) }));
  return new CTORS[c.optimizer](groups ?? NAMES.map((n) => params[n]), c.options);
}

function flat(x: Nested): number[] {
  return Array.isArray(x) ? x.flatMap(flat) : [x];
}

function expectClose(actual: Nested, expected: Nested, label: string, tol = 1e-10): void {
  const [a, e] = [flat(actual), flat(expected)];
  expect(a.length, `${label}: size`).toBe(e.length);
  e.forEach((v, i) => {
    const err = Math.abs(a[i]! - v) / (1 + Math.abs(v));
    if (!(err <= tol))
      expect.fail(`${label}[${i}]: got ${a[i]}, torch ${v} (relative error ${err})`);
  });
}

function expectParams(
  params: Record<Name, fl.Tensor>,
  want: Record<Name, Nested>,
  label: string,
  tol?: number,
): void {
  for (const n of NAMES) expectClose(params[n].toArray() as Nested, want[n], `${label} ${n}`, tol);
}

/** A state dict with tensors read back as nested arrays (tensors disposed). */
function plain(sd: optim.OptimizerStateDict): TorchStateDict {
  const state: TorchStateDict['state'] = {};
  for (const [i, entry] of Object.entries(sd.state))
    state[i] = Object.fromEntries(
      Object.entries(entry).map(([k, v]) => {
        if (!(v instanceof fl.Tensor)) return [k, v as Nested | null];
        const arr = v.toArray() as Nested;
        v.dispose();
        return [k, arr];
      }),
    );
  return { state, param_groups: sd.param_groups };
}

function expectSameStateDict(ours: TorchStateDict, torch: TorchStateDict, label: string): void {
  expect(Object.keys(ours.state).sort(), `${label}: parameters with state`).toEqual(
    Object.keys(torch.state).sort(),
  );
  for (const [i, entry] of Object.entries(torch.state)) {
    expect(Object.keys(ours.state[i]!).sort(), `${label}: state keys of ${i}`).toEqual(
      Object.keys(entry).sort(),
    );
    for (const [k, v] of Object.entries(entry))
      if (v === null) expect(ours.state[i]![k]).toBeNull();
      else expectClose(ours.state[i]![k] as Nested, v, `${label} state ${i}.${k}`);
  }
  const torchOnly = new Set(['foreach', 'differentiable', 'capturable', 'fused']);
  torch.param_groups.forEach((tg, gi) => {
    const og = ours.param_groups[gi]!;
    expect(Object.keys(og).sort(), `${label}: group ${gi} keys`).toEqual(
      Object.keys(tg)
        .filter((k) => !torchOnly.has(k))
        .sort(),
    );
    for (const k of Object.keys(og)) expect(og[k], `${label}: group ${gi} ${k}`).toEqual(tg[k]);
  });
}

function run(
  opt: AnyOptimizer,
  backward: () => void,
  c: Case,
  from: number,
  to: number,
  check?: (step: number) => void,
) {
  for (let step = from; step <= to; step++) {
    opt.zeroGrad();
    backward();
    opt.step();
    // As the generator does: lr edits take effect from the next step, before the state is saved.
    c.lrChanges?.[step]?.forEach((lr, i) => (opt.paramGroups[i]!.lr = lr));
    check?.(step);
  }
}

describe(`optimizers vs PyTorch ${F.torch} (float64, ${F.steps} steps)`, () => {
  it.each(F.cases)('$id', (c) => {
    const { params, backward, dispose } = problem();
    const opt = build(c, params);
    run(opt, backward, c, 1, c.steps ?? F.steps, (step) => {
      expectParams(params, c.trajectory[step - 1]!, `${c.id} step ${step}`);
      if (step === 3)
        expectSameStateDict(
          plain(opt.stateDict({ keys: 'torch' })),
          c.afterStep3.stateDict,
          `${c.id} stateDict`,
        );
    });
    // `u` never gets a gradient: skipped, and (except Adagrad's eager state) stateless.
    expect(opt.state.has(params.u)).toBe(c.optimizer === 'Adagrad');
    opt.dispose();
    dispose();
  });

  it.each(F.cases)('$id resumes from torch state_dict after step 3', (c) => {
    const { params, backward, dispose } = problem(c.afterStep3.params);
    const opt = build(c, params);
    opt.loadStateDict(c.afterStep3.stateDict as unknown as optim.OptimizerStateDict);
    run(opt, backward, c, 4, c.steps ?? F.steps, (step) =>
      expectParams(params, c.trajectory[step - 1]!, `${c.id} resumed step ${step}`),
    );
    opt.dispose();
    dispose();
  });
});

describe('stateDict / loadStateDict', () => {
  const groupCases = F.cases.filter((c) => c.id.endsWith('/groups'));

  it.each(groupCases)('$id: a round trip continues identically', (c) => {
    const a = problem();
    const b = problem();
    const optA = build(c, a.params);
    const optB = build(c, b.params);
    run(optA, a.backward, c, 1, 2);
    const sd = optA.stateDict();
    fl.noGrad(() => NAMES.forEach((n) => b.params[n].copy_(a.params[n])));
    optB.loadStateDict(sd);
    Object.values(sd.state).forEach((e) =>
      Object.values(e).forEach((v) => v instanceof fl.Tensor && v.dispose()),
    );
    run(optA, a.backward, c, 3, F.steps);
    run(optB, b.backward, c, 3, F.steps);
    for (const n of NAMES) expect(b.params[n].toArray()).toEqual(a.params[n].toArray());
    [optA, optB].forEach((o) => o.dispose());
    [a, b].forEach((p) => p.dispose());
  });

  it('uses camelCase keys by default and torch names on request', () => {
    const { params, backward, dispose } = problem();
    const opt = new optim.Adam([params.W], { lr: 0.1, amsgrad: true, weightDecay: 0.01 });
    backward();
    opt.step();
    const camel = fl.tidy(() => plain(opt.stateDict()));
    expect(Object.keys(camel.state[0]!).sort()).toEqual([
      'expAvg',
      'expAvgSq',
      'maxExpAvgSq',
      'step',
    ]);
    expect(camel.param_groups[0]).toMatchObject({
      lr: 0.1,
      weightDecay: 0.01,
      amsgrad: true,
      params: [0],
    });
    const torch = fl.tidy(() => plain(opt.stateDict({ keys: 'torch' })));
    expect(Object.keys(torch.state[0]!).sort()).toEqual([
      'exp_avg',
      'exp_avg_sq',
      'max_exp_avg_sq',
      'step',
    ]);
    expect(torch.param_groups[0]).toMatchObject({ weight_decay: 0.01, params: [0] });
    opt.dispose();
    dispose();
  });

  it('stateDict is a snapshot: later steps do not change it, and it can roll back', () => {
    const { params, backward, dispose } = problem();
    const opt = new optim.SGD([params.W], { lr: 0.1, momentum: 0.9 });
    backward();
    opt.step();
    const sd = opt.stateDict();
    const buf = (sd.state[0]!.momentumBuffer as fl.Tensor).toArray();
    opt.step();
    expect((sd.state[0]!.momentumBuffer as fl.Tensor).toArray()).toEqual(buf);
    opt.loadStateDict(sd);
    expect((opt.state.get(params.W) as optim.SGDState).momentumBuffer!.toArray()).toEqual(buf);
    (sd.state[0]!.momentumBuffer as fl.Tensor).dispose();
    opt.dispose();
    dispose();
  });

  it('rejects a state dict that does not fit, leaving the optimizer unchanged', () => {
    const { params, backward, dispose } = problem();
    const opt = new optim.Adam([params.W, params.b], { lr: 0.1 });
    backward();
    opt.step();
    const before = fl.tidy(() => plain(opt.stateDict()));
    const sd = before as unknown as optim.OptimizerStateDict;
    expect(() =>
      opt.loadStateDict({ ...sd, param_groups: [...sd.param_groups, sd.param_groups[0]!] }),
    ).toThrow(/Adam.loadStateDict: the state dict has 2 parameter groups but the optimizer has 1/);
    expect(() =>
      opt.loadStateDict({ ...sd, param_groups: [{ ...sd.param_groups[0]!, params: [0] }] }),
    ).toThrow(optim.OptimizerError);
    const badShape = { ...sd, state: { ...sd.state, 1: { ...sd.state[1], expAvg: [1, 2] } } };
    const mem = fl.memory();
    expect(() => opt.loadStateDict(badShape)).toThrow(fl.ShapeError);
    expect(fl.memory()).toEqual(mem);
    const badLr = { ...sd, param_groups: [{ ...sd.param_groups[0]!, lr: -1 }] };
    expect(() => opt.loadStateDict(badLr)).toThrow(
      /Adam.loadStateDict \(param group 0\): invalid lr -1/,
    );
    expect(fl.tidy(() => plain(opt.stateDict()))).toEqual(before);
    opt.dispose();
    dispose();
  });
});

describe('float32', () => {
  it('keeps float32 parameters float32 and close to the float64 result', () => {
    const c = F.cases.find((x) => x.id === 'adam/groups')!;
    const { params, backward, dispose } = problem(F.problem, 'float32');
    const opt = build(c, params);
    run(opt, backward, c, 1, F.steps);
    for (const n of NAMES) expect(params[n].dtype).toBe('float32');
    expectParams(params, c.trajectory[F.steps - 1]!, 'float32', 1e-5);
    opt.dispose();
    dispose();
  });
});
