/**
 * State dicts, optimizers, losses and pools from JavaScript (issue 15): module, optimizer and
 * scheduler loads are all-or-nothing with typed errors naming the key; torch's plain-number
 * optimizer state of a 0-d parameter loads and trains; step() refuses a disposed parameter; SGD's
 * nesterov rule follows torch for groups without momentum; saturated BCE and β = 0 smooth L1 have
 * torch's finite gradients; ceil-mode pools with a kernel longer than the input work, on the
 * fused max-pool path too.
 */
import assert from 'node:assert/strict';
import type * as Flint from '@flint/core';
import type { Probe } from '../src/probe.js';

type Fl = typeof Flint;
type Tensor = Flint.Tensor;
type AnyOptimizer = Flint.optim.Optimizer<object, object>;
type Sd = Flint.optim.OptimizerStateDict;

/** Every entry of a module read back, to compare before and after a failed load. */
function snapshot(m: Flint.nn.Module): string {
  return JSON.stringify(Object.entries(m.stateDict()).map(([k, t]) => [k, t.toArray()]));
}

/** A Linear → BatchNorm → Linear model and a full state dict of 7s for it. */
function model(fl: Fl) {
  const { nn } = fl;
  const m = new nn.Sequential(new nn.Linear(2, 3), new nn.BatchNorm1d(3), new nn.Linear(3, 1));
  const sd: Record<string, unknown> = Object.fromEntries(
    Object.entries(m.stateDict()).map(([k, t]) => [
      k,
      fl.full(t.shape, k.endsWith('num_batches_tracked') ? 3 : 7, { dtype: t.dtype }),
    ]),
  );
  const load = (x: unknown, opts?: unknown) =>
    m.loadStateDict(x as Record<string, Tensor>, opts as Flint.nn.LoadOptions);
  return { m, sd, load };
}

/** Optimizer state and groups, read back as plain data. */
function optSnapshot(fl: Fl, opt: AnyOptimizer): string {
  return fl.tidy(() => {
    const sd = opt.stateDict();
    const state = Object.entries(sd.state).map(([i, e]) => [
      i,
      Object.entries(e).map(([k, v]) => [k, v instanceof fl.Tensor ? v.toArray() : v]),
    ]);
    return JSON.stringify({ state, groups: sd.param_groups });
  });
}

/** An Adam over a 2x2 W and a 0-d s, one step taken, and a good torch-style dict for it. */
function adam(fl: Fl) {
  const W = fl.tensor(
    [
      [1, 2],
      [3, 4],
    ],
    { requiresGrad: true },
  );
  const s = fl.tensor(0.5, { requiresGrad: true });
  const opt = new fl.optim.Adam([W, s], { lr: 0.1 }) as unknown as AnyOptimizer;
  fl.tidy(() => W.sum().add(s.square()).backward());
  opt.step();
  const good = () => ({
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
      } as Record<string, unknown>,
      1: { step: 1, exp_avg: 0.3, exp_avg_sq: 0.4 } as Record<string, unknown>,
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
      } as Record<string, unknown>,
    ],
  });
  const load = (x: unknown) => opt.loadStateDict(x as Sd);
  return { W, s, opt, good, load };
}

/** `fn` must throw a FlintError of class `name`; returns it. */
function throwsFlint(fl: Fl, name: string, fn: () => unknown): Error {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown instanceof fl.FlintError, `expected ${name}, got ${String(thrown)}`);
  assert.equal((thrown as Error).name, name);
  return thrown as Error;
}

function finite(values: ArrayLike<number>): void {
  for (const v of Array.from(values)) assert.ok(Number.isFinite(v), `non-finite value ${v}`);
}

/** Loads of a corrupted copy of the model's good dict: `corrupt` returns the load's arguments. */
type ModuleCase = [
  id: string,
  throws: string,
  match: RegExp,
  corrupt: (fl: Fl, sd: Record<string, unknown>) => unknown[],
];
const MODULE_THROWS: ModuleCase[] = [
  [
    'bad-entry-after-good-ones',
    'ShapeError',
    /Sequential.loadStateDict: size mismatch for '2.weight'/,
    (fl, sd) => {
      sd['2.weight'] = fl.zeros([2, 3]);
      return [sd];
    },
  ],
  [
    'null-value-strict',
    'ArgumentError',
    /the value of '0.weight' must be a Tensor, got null/,
    (_, sd) => [{ ...sd, '0.weight': null }],
  ],
  [
    'null-value-non-strict',
    'ArgumentError',
    /the value of '0.weight' must be a Tensor, got null/,
    (_, sd) => [{ ...sd, '0.weight': null }, { strict: false }],
  ],
  [
    'number-value',
    'ArgumentError',
    /the value of '0.bias' must be a Tensor, got 5/,
    (_, sd) => [{ ...sd, '0.bias': 5 }],
  ],
  [
    'tensor-like-object-value',
    'ArgumentError',
    /'0.bias' must be a Tensor/,
    (_, sd) => [{ ...sd, '0.bias': { shape: [3], data: [1, 2, 3] } }],
  ],
  [
    'null-argument',
    'ArgumentError',
    /expected a state dict, an object of tensors by key.*got null/,
    () => [null],
  ],
  ['number-argument', 'ArgumentError', /expected a state dict.*got 5/, () => [5]],
  [
    'map-argument',
    'ArgumentError',
    /Object.fromEntries\(map\)/,
    (_, sd) => [new Map(Object.entries(sd))],
  ],
  ['options-number', 'ArgumentError', /options must be an object \{ strict \}/, (_, sd) => [sd, 1]],
  [
    'strict-string',
    'ArgumentError',
    /strict must be true or false, got 'false'/,
    (_, sd) => [sd, { strict: 'false' }],
  ],
  [
    'disposed-value',
    'DisposedTensorError',
    /tensor for '1.running_mean' was disposed/,
    (_, sd) => {
      (sd['1.running_mean'] as Tensor).dispose();
      return [sd];
    },
  ],
  [
    'float-into-int-buffer',
    'DTypeError',
    /'1.num_batches_tracked' is float32 in the state dict but int32 in the module/,
    (fl, sd) => [{ ...sd, '1.num_batches_tracked': fl.tensor(2.5) }],
  ],
  [
    'missing-and-unexpected-keys-bounded',
    'ShapeError',
    /missing keys \['2.bias'\]; unexpected keys \[.*… 992 more\]/,
    (fl, sd) => {
      delete sd['2.bias'];
      const t = fl.zeros([1]);
      for (let i = 0; i < 1000; i++) sd[`${'k'.repeat(10_000)}${i}`] = t;
      return [sd];
    },
  ],
];

const moduleProbes: Probe[] = [
  ...MODULE_THROWS.map(([id, throws, match, corrupt]): Probe => ({
    id: `module/${id}`,
    expect: { throws, match },
    run: ({ fl }) => {
      const { sd, load } = model(fl);
      load(...(corrupt(fl, sd) as [unknown, unknown]));
    },
  })),
  {
    id: 'module/bad-entry-after-good-ones-changes-nothing',
    expect: 'ok',
    run: ({ fl }) => {
      const { m, sd, load } = model(fl);
      sd['2.weight'] = fl.zeros([2, 3]);
      const before = snapshot(m);
      const mem = fl.memory().tensors;
      throwsFlint(fl, 'ShapeError', () => load(sd));
      assert.equal(snapshot(m), before);
      assert.equal(fl.memory().tensors, mem);
    },
  },
  {
    id: 'module/disposed-parameter',
    expect: { throws: 'DisposedTensorError', match: /the module's own tensor 'bias' was disposed/ },
    run: ({ fl }) => {
      const lin = new fl.nn.Linear(2, 2);
      lin.bias!.dispose();
      lin.loadStateDict({ weight: fl.zeros([2, 2]), bias: fl.zeros([2]) });
    },
  },
  {
    id: 'module/non-strict-reports-and-loads',
    expect: 'ok',
    run: ({ fl }) => {
      const { m, sd, load } = model(fl);
      delete sd['2.bias'];
      sd.extra = 'ignored, as torch ignores unexpected keys';
      const r = load(sd, { strict: false });
      assert.deepEqual(r, { missingKeys: ['2.bias'], unexpectedKeys: ['extra'] });
      assert.deepEqual(m.stateDict()['2.weight']!.toArray(), [[7, 7, 7]]);
    },
  },
  {
    id: 'module/swapped-views-of-own-parameters',
    expect: 'ok',
    run: ({ fl }) => {
      const { nn } = fl;
      const m = new nn.Sequential(
        new nn.Linear(2, 2, { bias: false }),
        new nn.Linear(2, 2, { bias: false }),
      );
      const [a, b] = [m.stateDict()['0.weight']!, m.stateDict()['1.weight']!];
      const want = [b.toArray(), a.toArray()];
      m.loadStateDict({ '0.weight': b, '1.weight': a });
      assert.deepEqual(
        [m.stateDict()['0.weight']!.toArray(), m.stateDict()['1.weight']!.toArray()],
        want,
      );
    },
  },
];

type GoodDict = ReturnType<ReturnType<typeof adam>['good']>;
/** Corruptions of the Adam's good dict (parameter 0 is 2x2, parameter 1 is 0-d). */
const OPTIM_THROWS: [id: string, throws: string, match: RegExp, corrupt: (sd: GoodDict) => void][] =
  [
    [
      'number-for-matrix-parameter',
      'ShapeError',
      /state 'expAvg' is the number 0.1, which stands only for a one-element parameter; its parameter has shape \[2,2\]/,
      (sd) => (sd.state[0] = { ...sd.state[0], exp_avg: 0.1 }),
    ],
    [
      'unknown-state-key',
      'OptimizerError',
      /unknown state key 'exp_avgg'/,
      (sd) => (sd.state[1] = { ...sd.state[1], exp_avgg: 0.1 }),
    ],
    [
      'missing-state-tensor',
      'OptimizerError',
      /state 'expAvgSq' is missing/,
      (sd) => (sd.state[1] = { step: 1, exp_avg: 0.3 }),
    ],
    [
      'string-step',
      'OptimizerError',
      /state 'step' must be a non-negative integer/,
      (sd) => (sd.state[1] = { ...sd.state[1], step: '3' }),
    ],
    [
      'string-lr',
      'OptimizerError',
      /\(param group 0\): invalid lr "0.05"/,
      (sd) => (sd.param_groups[0] = { ...sd.param_groups[0], lr: '0.05' }),
    ],
    [
      'repeated-parameter-id',
      'OptimizerError',
      /parameter id 1 is listed more than once/,
      (sd) => (sd.param_groups[0] = { ...sd.param_groups[0], params: [1, 1] }),
    ],
    [
      'deeply-nested-state-array',
      'OptimizerError',
      /state 'expAvg'/,
      (sd) => {
        let deep: unknown = 1;
        for (let i = 0; i < 200_000; i++) deep = [deep];
        sd.state[0] = { ...sd.state[0], exp_avg: deep };
      },
    ],
  ];

const optimizerProbes: Probe[] = [
  {
    id: 'optim/load-null',
    expect: { throws: 'OptimizerError', match: /Adam.loadStateDict: expected a state dict/ },
    run: ({ fl }) => adam(fl).load(null),
  },
  {
    id: 'optim/load-string',
    expect: { throws: 'OptimizerError', match: /got 'state'/ },
    run: ({ fl }) => adam(fl).load('state'),
  },
  {
    id: 'optim/bad-entry-after-good-changes-nothing',
    expect: 'ok',
    run: ({ fl }) => {
      const { opt, good, load } = adam(fl);
      const before = optSnapshot(fl, opt);
      const mem = fl.memory().tensors;
      const sd = good();
      sd.state[1] = { ...sd.state[1], exp_avg_sq: 'x' };
      throwsFlint(fl, 'OptimizerError', () => load(sd));
      const sd2 = good();
      sd2.param_groups[0] = { ...sd2.param_groups[0], lr: -1 };
      throwsFlint(fl, 'OptimizerError', () => load(sd2));
      assert.equal(optSnapshot(fl, opt), before);
      assert.equal(fl.memory().tensors, mem);
      load(good());
      assert.equal(opt.paramGroups[0]!.lr, 0.05);
    },
  },
  ...OPTIM_THROWS.map(([id, throws, match, corrupt]): Probe => ({
    id: `optim/${id}`,
    expect: { throws, match },
    run: ({ fl }) => {
      const { good, load } = adam(fl);
      const sd = good();
      corrupt(sd);
      load(sd);
    },
  })),
  {
    id: 'optim/load-with-own-parameter-disposed',
    expect: {
      throws: 'DisposedTensorError',
      match: /Adam.loadStateDict: parameter 1 of param group 0 \(shape \[\]\) was disposed/,
    },
    run: ({ fl }) => {
      const { s, good, load } = adam(fl);
      s.dispose();
      load(good());
    },
  },
  {
    id: 'optim/disposed-state-tensor',
    expect: { throws: 'DisposedTensorError', match: /state 'expAvg' is a disposed tensor/ },
    run: ({ fl }) => {
      const { good, load } = adam(fl);
      const t = fl.zeros([2, 2]);
      t.dispose();
      const sd = good();
      sd.state[0] = { ...sd.state[0], exp_avg: t };
      load(sd);
    },
  },
  ...(
    [
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
    ] as const
  ).map(([name, opts, state]): Probe => ({
    id: `optim/plain-number-state-of-0d-parameter/${name}`,
    expect: 'ok',
    run: ({ fl }) => {
      const Ctor = fl.optim[name] as unknown as new (p: Tensor[], o: object) => AnyOptimizer;
      const w = fl.tensor(1.5, { requiresGrad: true });
      const opt = new Ctor([w], opts);
      const groups = fl.tidy(() => opt.stateDict({ keys: 'torch' }).param_groups);
      opt.loadStateDict({ state: { 0: state }, param_groups: groups } as unknown as Sd);
      fl.tidy(() => w.square().backward());
      opt.step();
      finite([w.item()]);
      assert.notEqual(w.item(), 1.5);
    },
  })),
  {
    id: 'optim/step-with-disposed-parameter',
    expect: {
      throws: 'DisposedTensorError',
      match: /SGD.step: parameter 1 of param group 0 \(shape \[2\]\) was disposed/,
    },
    run: ({ fl }) => {
      const a = fl.tensor([1, 2], { requiresGrad: true });
      const b = fl.tensor([3, 4], { requiresGrad: true });
      const opt = new fl.optim.SGD([a, b], { lr: 0.1 });
      fl.tidy(() => a.add(b).sum().backward());
      b.dispose();
      opt.step();
    },
  },
  {
    id: 'optim/step-with-disposed-parameter-updates-nothing',
    expect: 'ok',
    run: ({ fl }) => {
      const a = fl.tensor([1, 2], { requiresGrad: true });
      const b = fl.tensor([3, 4], { requiresGrad: true });
      const opt = new fl.optim.Adam([{ params: [a] }, { params: [b] }]);
      fl.tidy(() => a.add(b).sum().backward());
      b.dispose();
      throwsFlint(fl, 'DisposedTensorError', () => opt.step());
      assert.deepEqual(a.toArray(), [1, 2]);
      assert.equal(opt.state.size, 0);
    },
  },
  {
    id: 'optim/step-with-disposed-gradient',
    expect: {
      throws: 'DisposedTensorError',
      match: /the gradient of parameter 0 of param group 0/,
    },
    run: ({ fl }) => {
      const a = fl.tensor([1, 2], { requiresGrad: true });
      const opt = new fl.optim.SGD([a], { lr: 0.1 });
      fl.tidy(() => a.sum().backward());
      a.grad!.dispose();
      opt.step();
    },
  },
  {
    id: 'sgd/nesterov-defaults-group-without-momentum-trains',
    expect: 'ok',
    run: ({ fl }) => {
      const a = fl.tensor([1, 2], { requiresGrad: true });
      const b = fl.tensor([1, 2], { requiresGrad: true });
      const opt = new fl.optim.SGD([{ params: [a] }, { params: [b], momentum: 0 }], {
        lr: 0.1,
        momentum: 0.9,
        nesterov: true,
      });
      fl.tidy(() => b.square().sum().backward());
      opt.step();
      const got = Array.from(b.dataSync());
      [0.8, 1.6].forEach((v, i) => assert.ok(Math.abs(got[i]! - v) < 1e-6, `b = ${got}`));
    },
  },
  {
    id: 'sgd/nesterov-set-by-a-group-without-momentum',
    expect: { throws: 'OptimizerError', match: /SGD \(param group 0\): invalid nesterov true/ },
    run: ({ fl }) => {
      const a = fl.tensor([1, 2], { requiresGrad: true });
      new fl.optim.SGD([{ params: [a], nesterov: true, momentum: 0 }], { lr: 0.1, momentum: 0.9 });
    },
  },
  {
    id: 'sgd/nesterov-defaults-without-momentum',
    expect: { throws: 'OptimizerError', match: /SGD: invalid nesterov true/ },
    run: ({ fl }) => new fl.optim.SGD([fl.tensor([1], { requiresGrad: true })], { nesterov: true }),
  },
  {
    id: 'scheduler/load-null',
    expect: {
      throws: 'OptimizerError',
      match: /StepLR.loadStateDict: expected a state dict object/,
    },
    run: ({ fl }) => {
      const opt = new fl.optim.SGD([fl.tensor([1], { requiresGrad: true })], { lr: 0.1 });
      new fl.optim.StepLR(opt, { stepSize: 2 }).loadStateDict(
        null as unknown as Record<string, unknown>,
      );
    },
  },
  {
    id: 'scheduler/string-counter',
    expect: { throws: 'OptimizerError', match: /lastEpoch must be a number, got '3'/ },
    run: ({ fl }) => {
      const opt = new fl.optim.SGD([fl.tensor([1], { requiresGrad: true })], { lr: 0.1 });
      new fl.optim.StepLR(opt, { stepSize: 2 }).loadStateDict({ lastEpoch: '3' });
    },
  },
  {
    id: 'scheduler/chained-bad-inner-changes-nothing',
    expect: 'ok',
    run: ({ fl }) => {
      const opt = new fl.optim.SGD([fl.tensor([1], { requiresGrad: true })], { lr: 0.1 });
      const a = new fl.optim.StepLR(opt, { stepSize: 2 });
      const b = new fl.optim.ExponentialLR(opt, { gamma: 0.9 });
      const chain = new fl.optim.ChainedScheduler([a, b]);
      chain.step();
      const before = JSON.stringify(chain.stateDict());
      const sd = chain.stateDict() as { schedulers: Record<string, unknown>[] };
      const bad = { ...sd, schedulers: [{ ...sd.schedulers[0], lastEpoch: 50 }, { gamma: [] }] };
      throwsFlint(fl, 'OptimizerError', () => chain.loadStateDict(bad));
      assert.equal(JSON.stringify(chain.stateDict()), before);
    },
  },
];

const lossProbes: Probe[] = [
  {
    id: 'bce/saturated-sigmoid-gradient',
    expect: 'ok',
    run: ({ fl }) => {
      const x = fl.tensor([20, -3], { requiresGrad: true });
      fl.nn.F.binaryCrossEntropy(x.sigmoid(), fl.tensor([1, 0])).backward();
      const g = Array.from(x.grad!.dataSync());
      assert.equal(g[0], 0);
      assert.ok(Math.abs(g[1]! - 0.02371293678879738) < 1e-6, `grad ${g}`);
    },
  },
  {
    id: 'bce/probabilities-0-and-1-finite-input-gradient',
    expect: 'ok',
    run: ({ fl }) => {
      const p = fl.tensor([0, 0, 0, 1, 1, 1], { dtype: 'float64', requiresGrad: true });
      const y = fl.tensor([0, 1, 0.3, 0, 1, 0.3], { dtype: 'float64' });
      fl.nn.F.binaryCrossEntropy(p, y, { reduction: 'sum' }).backward();
      const g = Array.from(p.grad!.dataSync());
      finite(g);
      assert.deepEqual([g[0], g[4]], [0, 0]);
      assert.ok(g[1]! < -9e11 && g[3]! > 9e11, `grad ${g}`);
    },
  },
  {
    id: 'bce-with-logits/huge-logits-finite',
    expect: 'ok',
    run: ({ fl }) => {
      const x = fl.tensor([-1e4, -100, 0, 100, 1e4], { requiresGrad: true });
      const loss = fl.nn.F.binaryCrossEntropyWithLogits(x, fl.tensor([0, 1, 0.3, 1, 0]));
      loss.backward();
      finite([loss.item(), ...Array.from(x.grad!.dataSync())]);
    },
  },
  {
    id: 'smooth-l1/beta-0-ties-gradient-as-torch',
    expect: 'ok',
    run: ({ fl }) => {
      const x = fl.tensor([0, 1, 3], { requiresGrad: true });
      const t = fl.tensor([0, 2, 3], { requiresGrad: true });
      fl.nn.F.smoothL1Loss(x, t, { beta: 0, reduction: 'sum' }).backward();
      assert.deepEqual(x.grad!.toArray(), [-1, -1, -1]);
      assert.deepEqual(t.grad!.toArray(), [-1, 1, -1]);
    },
  },
  {
    id: 'kl-div/zero-targets-finite-input-gradient',
    expect: 'ok',
    run: ({ fl }) => {
      const x = fl.tensor([-1, -2, -0.5], { requiresGrad: true });
      fl.nn.F.klDiv(x, fl.tensor([0, 0.4, 0.6]), { reduction: 'sum' }).backward();
      finite(x.grad!.dataSync());
    },
  },
];

const poolProbes: Probe[] = [
  {
    id: 'avgPool2d/ceil-kernel-longer-than-input',
    expect: 'ok',
    run: ({ fl }) => {
      const y = fl.nn.F.avgPool2d(fl.ones([1, 1, 1, 6]), 2, { ceilMode: true });
      assert.deepEqual(y.shape, [1, 1, 1, 3]);
      assert.deepEqual(y.toArray(), [[[[1, 1, 1]]]]);
    },
  },
  {
    id: 'maxPool2d/ceil-kernel-longer-than-input',
    expect: 'ok',
    run: ({ fl }) => {
      const x = fl.arange(0, 10, 1, { dtype: 'float32' }).reshape([1, 1, 2, 5]).requiresGrad_();
      const [y, i] = fl.nn.F.maxPool2d(x, 3, { stride: 2, ceilMode: true, returnIndices: true });
      assert.deepEqual(y.shape, [1, 1, 1, 2]);
      assert.deepEqual(y.toArray(), [[[[7, 9]]]]);
      assert.deepEqual(i.toArray(), [[[[7, 9]]]]);
      y.sum().backward();
      assert.deepEqual(x.grad!.toArray(), [
        [
          [
            [0, 0, 0, 0, 0],
            [0, 0, 1, 0, 1],
          ],
        ],
      ]);
    },
  },
  {
    id: 'maxPool2d/ceil-kernel-too-long-even-for-ceil',
    expect: {
      throws: 'ShapeError',
      match: /maxPool2d: kernel 3x1 .*ceil mode.* does not fit input of shape \[1,1,1,6\]/,
    },
    run: ({ fl }) =>
      fl.nn.F.maxPool2d(fl.ones([1, 1, 1, 6]), [3, 1], { stride: 1, ceilMode: true }),
  },
  {
    id: 'maxPool1d/ceil-with-indices',
    expect: 'ok',
    run: ({ fl }) => {
      const [y, i] = fl.nn.F.maxPool1d(fl.tensor([[[3, 1, 4, 1, 5, 9, 2]]]), 3, {
        stride: 2,
        padding: 1,
        ceilMode: true,
        returnIndices: true,
      });
      assert.deepEqual(y.toArray(), [[[3, 4, 9, 9]]]);
      assert.deepEqual(i.toArray(), [[[0, 2, 5, 5]]]);
    },
  },
  {
    id: 'avgPool1d/ceil-exclude-padding',
    expect: 'ok',
    run: ({ fl }) => {
      const y = fl.nn.F.avgPool1d(fl.tensor([[[3, 1, 4, 1, 5, 9, 2]]]), 3, {
        stride: 2,
        padding: 1,
        ceilMode: true,
        countIncludePad: false,
      });
      const got = Array.from(y.dataSync());
      [2, 2, 5, 5.5].forEach((v, k) => assert.ok(Math.abs(got[k]! - v) < 1e-6, `got ${got}`));
    },
  },
  {
    id: 'maxPool1d/pair-kernel',
    expect: {
      throws: 'ShapeError',
      match: /maxPool1d: kernelSize must be a positive integer or 1 of them/,
    },
    run: ({ fl }) => fl.nn.F.maxPool1d(fl.ones([1, 1, 5]), [2, 2]),
  },
];

export const probes: Probe[] = [...moduleProbes, ...optimizerProbes, ...lossProbes, ...poolProbes];
