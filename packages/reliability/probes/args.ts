/**
 * Run-time argument checks (issue 12 §1, issue 15 items 7 and 9): calls a plain-JS caller can
 * make that TypeScript would refuse. Each must be a typed error naming the call, the parameter
 * and what it accepts, never a silent wrong meaning, a raw TypeError or an unbounded message;
 * the PyTorch-style positional forms Flint accepts must mean what they mean in PyTorch.
 */
import assert from 'node:assert/strict';
import type { Probe, ProbeContext } from '../src/probe.js';

type Fl = ProbeContext['fl'];
/** Cast a wrong argument past TypeScript, as plain JS would pass it. */
const js = (v: unknown) => v as never;
const x = (fl: Fl) => fl.ones([2, 3]);
const params = (fl: Fl) => [fl.nn.Parameter(fl.zeros([2]))];
const compiled = (fl: Fl) =>
  new fl.Model(new fl.nn.Linear(3, 2)).compile({
    optimizer: (p) => new fl.optim.SGD(p, { lr: 0.1 }),
    loss: 'mse',
  });

/** [id, call, error class, message]. */
const THROWS: [string, (fl: Fl) => unknown, string, RegExp][] = [
  // issue 15 item 7
  ['item7/narrow-0d', (fl) => fl.tensor(3).narrow(0, 0, 1), 'ShapeError', /0-d/],
  [
    'item7/arange-nan',
    (fl) => fl.arange(NaN),
    'ArgumentError',
    /fl\.arange: start must be a finite number, got NaN/,
  ],
  ['item7/arange-infinity', (fl) => fl.arange(0, Infinity), 'ArgumentError', /fl\.arange: end/],
  [
    'item7/narrow-fractional',
    (fl) => x(fl).narrow(1, 0.5, 1),
    'ArgumentError',
    /Tensor\.narrow: start/,
  ],
  ['item7/transpose-0d', (fl) => fl.tensor(3).transpose(0, 1), 'ShapeError', /rank 0/],
  [
    'item7/int32-overflow',
    (fl) => fl.tensor([3e9], { dtype: 'int32' }),
    'DTypeError',
    /cannot be converted to int32/,
  ],
  [
    'item7/int32-nan',
    (fl) => fl.tensor([NaN], { dtype: 'int32' }),
    'DTypeError',
    /NaN cannot be converted to int32/,
  ],
  [
    'item7/int32-typed-array',
    (fl) => fl.tensor(new Float64Array([2 ** 31]), { dtype: 'int32' }),
    'DTypeError',
    /int32/,
  ],
  [
    'item7/full-nan-int32',
    (fl) => fl.full([2], NaN, { dtype: 'int32' }),
    'DTypeError',
    /NaN cannot be converted to int32/,
  ],
  [
    'item7/full-dtype-positional',
    (fl) => fl.full([2], NaN, js('int32')),
    'ArgumentError',
    /fl\.full: options must be an options object/,
  ],
  [
    'item7/arange-int32-overflow',
    (fl) => fl.arange(0, 4e9, 1e9, { dtype: 'int32' }),
    'DTypeError',
    /int32/,
  ],
  [
    'item7/randint-2^40',
    (fl) => fl.randint(0, 2 ** 40, [3]),
    'DTypeError',
    /out of range for int32/,
  ],
  [
    'item7/add-string',
    (fl) => x(fl).add(js('1')),
    'ArgumentError',
    /Tensor\.add: other must be a Tensor, a number or a boolean, got '1'/,
  ],
  ['item7/add-null', (fl) => x(fl).add(js(null)), 'ArgumentError', /got null/],
  ['item7/add-object', (fl) => x(fl).add(js({})), 'ArgumentError', /got \{\}/],
  [
    'item7/fl-add-two-numbers',
    (fl) => fl.add(1, 2),
    'ArgumentError',
    /fl\.add: at least one of input and other must be a Tensor/,
  ],
  [
    'item7/indexSelect-fractional',
    (fl) => x(fl).indexSelect(0, [1.7]),
    'ArgumentError',
    /indexSelect: index/,
  ],
  [
    'item7/oneHot-fractional',
    (fl) => fl.oneHot(fl.tensor([1], { dtype: 'int32' }), 2.5),
    'ArgumentError',
    /numClasses must be an integer/,
  ],
  [
    'item7/pad-bogus',
    (fl) => fl.pad(fl.ones([1, 1, 3]), [1, 1], js('bogus')),
    'ArgumentError',
    /mode must be one of 'constant', 'reflect', 'replicate'/,
  ],
  [
    'item7/F-pad-bogus',
    (fl) => fl.nn.F.pad(fl.ones([1, 1, 3]), [1, 1], js('bogus')),
    'ArgumentError',
    /F\.pad: mode/,
  ],
  [
    'item7/gelu-bogus',
    (fl) => fl.gelu(x(fl), js('bogus')),
    'ArgumentError',
    /approximate must be one of 'none', 'tanh'/,
  ],
  [
    'item7/nn-GELU-bogus',
    (fl) => new fl.nn.GELU(js('bogus')),
    'ArgumentError',
    /nn\.GELU: approximate/,
  ],
  [
    'item7/fit-epochs-negative',
    (fl) => compiled(fl).fit(x(fl), fl.ones([2, 2]), { epochs: -1 }),
    'ArgumentError',
    /Model\.fit: options\.epochs must be a non-negative integer, got -1/,
  ],
  [
    'item7/fit-epochs-nan',
    (fl) => compiled(fl).fit(x(fl), fl.ones([2, 2]), { epochs: NaN }),
    'ArgumentError',
    /epochs .*NaN/,
  ],
  [
    'item7/fit-epochs-fraction',
    (fl) => compiled(fl).fit(x(fl), fl.ones([2, 2]), { epochs: 2.5 }),
    'ArgumentError',
    /epochs .*2\.5/,
  ],
  [
    'item7/compile-metric-f1',
    (fl) => new fl.Model(new fl.nn.Linear(3, 2)).compile(js({ metrics: ['f1'] })),
    'ArgumentError',
    /metrics\[0\] must be 'accuracy' or a metric function, got 'f1'/,
  ],
  [
    'item7/compile-loss-typo',
    (fl) =>
      new fl.Model(new fl.nn.Linear(3, 2)).compile(
        js({ optimizer: () => 0, loss: 'crossentropy' }),
      ),
    'ArgumentError',
    /options\.loss must be/,
  ],
  [
    'item7/DataLoader-null',
    (fl) => new fl.data.DataLoader(js(null)),
    'ArgumentError',
    /data\.DataLoader: dataset must be a dataset/,
  ],
  // 0-d tensors take dims −1 and 0 only, and cannot be concatenated (as torch)
  ['zero-d/max-dim-1', (fl) => fl.tensor(3).max(1), 'ShapeError', /max: dim 1/],
  [
    'zero-d/cat',
    (fl) => fl.cat([fl.tensor(3), fl.tensor(4)]),
    'ShapeError',
    /0-d tensor \(at position 0\) cannot be concatenated/,
  ],
  ['zero-d/sum-dim-1', (fl) => fl.tensor(3).sum(1), 'ShapeError', /dim 1/],
  ['zero-d/softmax-dim-1', (fl) => fl.tensor(3).softmax(1), 'ShapeError', /dim 1/],
  ['zero-d/split', (fl) => fl.tensor(3).split(1), 'ShapeError', /split/],
  ['zero-d/flatten-dim-1', (fl) => fl.tensor(3).flatten(1), 'ShapeError', /flatten: dim 1/],
  // issue 12 §1: a value where an options object belongs, unknown options, wrong types inside
  [
    'positional/randn-options-number',
    (fl) => fl.randn([2], js(3)),
    'ArgumentError',
    /fl\.randn: options must be an options object/,
  ],
  [
    'positional/Linear-bias-false',
    (fl) => new fl.nn.Linear(4, 2, js(false)),
    'ArgumentError',
    /nn\.Linear: .*\{ bias: false \}/,
  ],
  [
    'positional/Conv2d-stride',
    (fl) => new fl.nn.Conv2d(1, 8, 3, js(2)),
    'ArgumentError',
    /nn\.Conv2d: .*\{ stride: 2 \}/,
  ],
  [
    'positional/Conv2d-stride-padding',
    (fl) => new (fl.nn.Conv2d as unknown as new (...a: unknown[]) => unknown)(1, 8, 3, 2, 1),
    'ArgumentError',
    /nn\.Conv2d: takes at most 4 arguments/,
  ],
  [
    'positional/SGD-lr',
    (fl) => new fl.optim.SGD(params(fl), js(0.1)),
    'ArgumentError',
    /optim\.SGD: .*\{ lr: 0\.1 \}/,
  ],
  [
    'positional/StepLR-step-size',
    (fl) => new fl.optim.StepLR(new fl.optim.SGD(params(fl)), js(10)),
    'ArgumentError',
    /optim\.StepLR: .*\{ stepSize: 10 \}/,
  ],
  [
    'positional/CrossEntropyLoss-weight',
    (fl) => new fl.nn.CrossEntropyLoss(js(fl.ones([3]))),
    'ArgumentError',
    /\{ weight: a tensor \[3\] float32 \}/,
  ],
  [
    'positional/ReLU-inplace',
    (fl) => new (fl.nn.ReLU as unknown as new (a: unknown) => unknown)(true),
    'ArgumentError',
    /nn\.ReLU: takes no arguments/,
  ],
  [
    'positional/Dropout-object',
    (fl) => new fl.nn.Dropout(js({ p: 0.5 })),
    'ArgumentError',
    /nn\.Dropout: p must be a probability .* got \{ p: 0\.5 \}/,
  ],
  [
    'options/SGD-misspelt-lr',
    (fl) => new fl.optim.SGD(params(fl), js({ lrr: 0.1 })),
    'ArgumentError',
    /unknown option 'lrr' .*did you mean 'lr'\?/,
  ],
  [
    'options/Adam-snake-case',
    (fl) => new fl.optim.Adam(params(fl), js({ weight_decay: 0.1 })),
    'ArgumentError',
    /did you mean 'weightDecay'\?/,
  ],
  [
    'options/SGD-lr-string',
    (fl) => new fl.optim.SGD(params(fl), js({ lr: '0.1' })),
    'ArgumentError',
    /options\.lr must be a number, got '0\.1'/,
  ],
  [
    'options/BatchNorm-snake-case',
    (fl) => new fl.nn.BatchNorm2d(4, js({ track_running_stats: false })),
    'ArgumentError',
    /did you mean 'trackRunningStats'\?/,
  ],
  [
    'options/DataLoader-batch-size',
    (fl) => new fl.data.DataLoader(new fl.data.TensorDataset(fl.ones([4])), js({ batch_size: 2 })),
    'ArgumentError',
    /did you mean 'batchSize'\?/,
  ],
  [
    'options/tensor-dtype-typo',
    (fl) => fl.tensor([1], js({ dtpye: 'float64' })),
    'ArgumentError',
    /unknown option 'dtpye' .*did you mean 'dtype'\?/,
  ],
  [
    'options/tensor-unknown-dtype',
    (fl) => fl.tensor([1], js({ dtype: 'float16' })),
    'DTypeError',
    /options\.dtype must be a dtype/,
  ],
  [
    'options/sum-keepdim-number',
    (fl) => x(fl).sum(0, js(1)),
    'ArgumentError',
    /Tensor\.sum: keepdim must be a boolean, got 1/,
  ],
  [
    'options/reduce-options-typo',
    (fl) => x(fl).sum(js({ dims: 1 })),
    'ArgumentError',
    /unknown option 'dims' .*did you mean 'dim'\?/,
  ],
  [
    'options/Conv2d-padding-bogus',
    (fl) => new fl.nn.Conv2d(1, 1, 3, js({ padding: 'full' })),
    'ArgumentError',
    /options\.padding must be/,
  ],
  [
    'options/kaiming-mode',
    (fl) => fl.nn.init.kaimingUniform_(fl.zeros([2, 2]), js({ mode: 'fan_in' })),
    'ArgumentError',
    /options\.mode must be one of 'fanIn', 'fanOut'/,
  ],
  [
    'options/StepLR-missing-step-size',
    (fl) => new fl.optim.StepLR(new fl.optim.SGD(params(fl)), js({ gamma: 0.5 })),
    'ArgumentError',
    /options\.stepSize is required/,
  ],
  // wrong kinds of arguments everywhere
  [
    'kinds/cat-dim-object',
    (fl) => fl.cat([x(fl), x(fl)], js({})),
    'ArgumentError',
    /fl\.cat: dim must be a dimension \(an integer\), got \{\}/,
  ],
  [
    'kinds/cat-not-a-list',
    (fl) => fl.cat(js(x(fl))),
    'ArgumentError',
    /fl\.cat: tensors must be an array of Tensors/,
  ],
  ['kinds/zeros-shape-string', (fl) => fl.zeros(js('3')), 'ShapeError', /fl\.zeros: shape/],
  ['kinds/zeros-negative', (fl) => fl.zeros([2, -1]), 'ShapeError', /\[2,-1\]/],
  [
    'kinds/matmul-array',
    (fl) => x(fl).matmul(js([[1], [2], [3]])),
    'ArgumentError',
    /Tensor\.matmul: other must be a Tensor/,
  ],
  [
    'kinds/softmax-no-dim',
    (fl) => x(fl).softmax(js(undefined)),
    'ArgumentError',
    /Tensor\.softmax: dim must be a dimension/,
  ],
  ['kinds/to-number', (fl) => x(fl).to(js(5)), 'ArgumentError', /Tensor\.to: target/],
  [
    'kinds/tidy-not-a-function',
    (fl) => fl.tidy(js(5)),
    'ArgumentError',
    /fl\.tidy: fn must be a function/,
  ],
  [
    'kinds/manualSeed-fraction',
    (fl) => fl.manualSeed(1.5),
    'ArgumentError',
    /fl\.manualSeed: seed/,
  ],
  [
    'kinds/F-linear-bias-number',
    (fl) => fl.nn.F.linear(x(fl), fl.ones([2, 3]), js(1)),
    'ArgumentError',
    /F\.linear: bias must be a Tensor or null/,
  ],
  [
    'kinds/crossEntropy-weight-positional',
    (fl) => fl.nn.F.crossEntropy(x(fl), fl.tensor([0, 1], { dtype: 'int32' }), js(fl.ones([3]))),
    'ArgumentError',
    /\{ weight: a tensor/,
  ],
  [
    'kinds/Sequential-not-a-module',
    (fl) => new fl.nn.Sequential(new fl.nn.ReLU(), js(5)),
    'ArgumentError',
    /nn\.Sequential: argument 2 must be a Module/,
  ],
  [
    'kinds/Parameter-array',
    (fl) => fl.nn.Parameter(js([1, 2])),
    'ArgumentError',
    /nn\.Parameter: tensor must be a Tensor/,
  ],
  [
    'kinds/clip-params-number',
    (fl) => fl.optim.clipGradNorm_(js(5), 1),
    'ArgumentError',
    /optim\.clipGradNorm_: parameters/,
  ],
  [
    'kinds/accuracy-array',
    (fl) => fl.metrics.accuracy(js([1]), fl.ones([1])),
    'ArgumentError',
    /metrics\.accuracy: input must be a Tensor/,
  ],
  [
    'kinds/extra-argument',
    (fl) => (x(fl).neg as (...a: unknown[]) => unknown).call(x(fl), 1),
    'ArgumentError',
    /Tensor\.neg: takes no arguments, got 1/,
  ],
  [
    'kinds/fit-targets-missing',
    (fl) => compiled(fl).fit(x(fl)),
    'ArgumentError',
    /Model\.fit: y \(the targets\) must be a Tensor/,
  ],
  [
    'kinds/io-save-path-number',
    (fl) => fl.save({}, js(5)),
    'ArgumentError',
    /fl\.save: path must be a path/,
  ],
  [
    'kinds/io-load-options',
    (fl) => fl.io.loadFromBuffer(new Uint8Array(8), js({ devcie: 'cpu' })),
    'ArgumentError',
    /did you mean 'device'\?/,
  ],
  // methods of layers, modules, optimizers, schedulers and datasets (item 9: no raw TypeError)
  [
    'methods/Linear-forward-array',
    (fl) => new fl.nn.Linear(2, 2).forward(js([1, 2])),
    'ArgumentError',
    /nn\.Linear\.forward: input must be a Tensor, got \[1,2\]/,
  ],
  [
    'methods/Conv2d-forward-string',
    (fl) => new fl.nn.Conv2d(1, 1, 3).forward(js('x')),
    'ArgumentError',
    /nn\.Conv2d\.forward: input must be a Tensor/,
  ],
  [
    'methods/LSTM-forward-number',
    (fl) => new fl.nn.LSTM(2, 2).forward(js(5)),
    'ArgumentError',
    /nn\.LSTM\.forward: input must be a Tensor/,
  ],
  [
    'methods/loss-forward-target-number',
    (fl) => new fl.nn.MSELoss().forward(fl.ones([2]), js(5)),
    'ArgumentError',
    /nn\.MSELoss\.forward: target must be a Tensor/,
  ],
  [
    'methods/attention-forward-key-number',
    (fl) => new fl.nn.MultiheadAttention(4, 2).forward(fl.ones([1, 1, 4]), js(5), js(6)),
    'ArgumentError',
    /nn\.MultiheadAttention\.forward: key must be a Tensor/,
  ],
  [
    'methods/Module-train-string',
    (fl) => new fl.nn.Linear(2, 2).train(js('yes')),
    'ArgumentError',
    /nn\.Module\.train: mode must be a boolean, got 'yes'/,
  ],
  [
    'methods/Module-apply-number',
    (fl) => new fl.nn.Linear(2, 2).apply(js(5)),
    'ArgumentError',
    /nn\.Module\.apply: fn must be a function/,
  ],
  [
    'methods/Module-registerParameter-kinds',
    (fl) => new fl.nn.Linear(2, 2).registerParameter(js(5), js(6)),
    'ArgumentError',
    /nn\.Module\.registerParameter: name must be a string/,
  ],
  [
    'methods/optimizer-step-number',
    (fl) => new fl.optim.SGD(params(fl)).step(js(5)),
    'ArgumentError',
    /Optimizer\.step: closure must be a function/,
  ],
  [
    'methods/optimizer-zeroGrad-string',
    (fl) => new fl.optim.SGD(params(fl)).zeroGrad(js('x')),
    'ArgumentError',
    /Optimizer\.zeroGrad: setToNone must be a boolean/,
  ],
  [
    'methods/scheduler-step-extra',
    (fl) =>
      (
        new fl.optim.StepLR(new fl.optim.SGD(params(fl)), { stepSize: 1 }).step as (
          ...a: unknown[]
        ) => void
      )(5),
    'ArgumentError',
    /LRScheduler\.step: takes no arguments/,
  ],
  [
    'methods/plateau-step-string',
    (fl) => new fl.optim.ReduceLROnPlateau(new fl.optim.SGD(params(fl))).step(js('0.5')),
    'ArgumentError',
    /ReduceLROnPlateau\.step: metric must be a number or a Tensor/,
  ],
  [
    'methods/dataset-get-string',
    (fl) => new fl.data.TensorDataset(fl.ones([2])).get(js('x')),
    'ArgumentError',
    /data\.TensorDataset\.get: index must be an integer/,
  ],
  [
    'methods/ModuleList-append-number',
    (fl) => new fl.nn.ModuleList().append(js(5)),
    'ArgumentError',
    /nn\.ModuleList\.append: module must be a Module/,
  ],
  // messages stay bounded and never print [object Object]
  [
    'bounded/huge-string',
    (fl) => x(fl).add(js('x'.repeat(50_000_000))),
    'ArgumentError',
    /got 'x{40}…'/,
  ],
  [
    'bounded/huge-key',
    (fl) => fl.tensor([1], js({ ['k'.repeat(1_000_000)]: 1 })),
    'ArgumentError',
    /unknown option 'k{40}…'/,
  ],
  [
    'bounded/huge-array',
    (fl) => fl.zeros(js(new Array(1e6).fill(-1))),
    'ShapeError',
    /… 1000000 items/,
  ],
  [
    'bounded/nested-object',
    (fl) => new fl.nn.Linear(2, 2, js({ dtype: { a: { b: { c: {} } } } })),
    'DTypeError',
    /\{ a: \{ b: \{…\} \} \}/,
  ],
  ['bounded/class-instance', (fl) => x(fl).add(js(new Map())), 'ArgumentError', /got a Map/],
  [
    'bounded/symbol-and-bigint',
    (fl) => x(fl).narrow(0, js(10n), js(Symbol('s'))),
    'ArgumentError',
    /got 10n/,
  ],
];

export const probes: Probe[] = [
  ...THROWS.map(([id, run, throws, match]): Probe => ({
    id,
    expect: { throws, match },
    run: ({ fl }) => run(fl),
  })),
  {
    id: 'accepted/randn-2-3-is-shape-2-3',
    expect: 'ok',
    run: ({ fl }) => {
      const r = fl.randn as unknown as (...a: unknown[]) => InstanceType<Fl['Tensor']>;
      assert.deepEqual(r(2, 3).shape, [2, 3]);
      assert.deepEqual(r(2, 3, { dtype: 'float64' }).dtype, 'float64');
      assert.deepEqual(fl.zeros(4).shape, [4]);
    },
  },
  {
    id: 'accepted/reshape-varargs-and-array',
    expect: 'ok',
    run: ({ fl }) => {
      assert.deepEqual(fl.ones([6]).reshape(2, 3).shape, [2, 3]);
      assert.deepEqual(fl.ones([6]).reshape([3, 2]).shape, [3, 2]);
      assert.deepEqual(fl.ones([2, 3]).permute(1, 0).shape, [3, 2]);
    },
  },
  {
    id: 'accepted/options-with-undefined-values',
    expect: 'ok',
    run: ({ fl }) => {
      const opt = new fl.optim.SGD(params(fl), { lr: 0.5, momentum: undefined });
      assert.equal(opt.paramGroups[0]!.lr, 0.5);
      assert.equal(new fl.nn.Linear(2, 2, { bias: undefined }).bias !== null, true);
    },
  },
  {
    id: 'accepted/a-failed-check-changes-nothing',
    expect: 'ok',
    run: ({ fl }) => {
      const before = fl.memory().tensors;
      for (let i = 0; i < 100; i++) assert.throws(() => fl.ones([2]).add(js('1')));
      // The ones() tensors are the only ones made (the check runs before any op).
      assert.equal(fl.memory().tensors - before, 100);
    },
  },
  {
    id: 'accepted/async-functions-reject',
    expect: 'ok',
    run: async ({ fl }) => {
      const p = fl.load(js(5));
      assert.ok(p instanceof Promise);
      await assert.rejects(
        p,
        (e: Error) => e instanceof fl.ArgumentError && /fl\.load/.test(e.message),
      );
    },
  },
];
