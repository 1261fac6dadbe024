/**
 * The activations of issue 13 §1 called badly from plain JavaScript: wrong argument kinds, wrong
 * dtypes and shapes, hostile hyperparameters, and module constructors given torch's Python
 * spellings. Each must be a typed error naming the call; the tensors involved stay intact, and
 * the values at the edges (overflow, NaN, the kinks) are torch's.
 */
import assert from 'node:assert/strict';
import type { Probe, ProbeContext } from '../src/probe.js';

type Fl = ProbeContext['fl'];
type Any = (...a: unknown[]) => unknown;
const F = (fl: Fl) => fl.nn.functional as unknown as Record<string, Any>;
const make = (fl: Fl, name: string, ...a: unknown[]) =>
  new (fl.nn as unknown as Record<string, new (...a: unknown[]) => unknown>)[name]!(...a);

/** [id, call, error class, message] for F.* calls. */
const BAD: [string, (fl: Fl) => unknown, string, RegExp][] = [
  [
    'selu/int32',
    (fl) => F(fl).selu!(fl.tensor([1, 2], { dtype: 'int32' })),
    'DTypeError',
    /selu: .*int32/,
  ],
  ['mish/bool', (fl) => F(fl).mish!(fl.tensor([1, 0]).gt(0)), 'DTypeError', /mish: .*bool/],
  ['hardswish/not-a-tensor', (fl) => F(fl).hardswish!([1, 2, 3]), 'ArgumentError', /hardswish/],
  [
    'hardtanh/string-bound',
    (fl) => F(fl).hardtanh!(fl.ones([2]), '-1'),
    'ArgumentError',
    /hardtanh/,
  ],
  [
    'celu/alpha-0',
    (fl) => F(fl).celu!(fl.ones([2]), 0),
    'ArgumentError',
    /celu: alpha cannot be 0/,
  ],
  [
    'softshrink/negative-lambd',
    (fl) => F(fl).softshrink!(fl.ones([2]), -1),
    'ArgumentError',
    /softshrink: lambd/,
  ],
  [
    'softshrink/nan-lambd',
    (fl) => F(fl).softshrink!(fl.ones([2]), NaN),
    'ArgumentError',
    /softshrink/,
  ],
  [
    'threshold/missing-value',
    (fl) => F(fl).threshold!(fl.ones([2]), 0.5),
    'ArgumentError',
    /threshold/,
  ],
  [
    'threshold/object-value',
    (fl) => F(fl).threshold!(fl.ones([2]), 0.5, {}),
    'ArgumentError',
    /threshold/,
  ],
  ['prelu/no-weight', (fl) => F(fl).prelu!(fl.ones([2, 3])), 'ArgumentError', /prelu/],
  ['prelu/number-weight', (fl) => F(fl).prelu!(fl.ones([2, 3]), 0.25), 'ArgumentError', /prelu/],
  [
    'prelu/channel-mismatch',
    (fl) => F(fl).prelu!(fl.ones([2, 3]), fl.ones([4])),
    'ShapeError',
    /prelu: weight has 4 values but the input \[2,3\] has 3 channel/,
  ],
  [
    'prelu/weight-2d',
    (fl) => F(fl).prelu!(fl.ones([2, 3]), fl.ones([3, 1])),
    'ShapeError',
    /prelu: weight must be 0-d or 1-D/,
  ],
  [
    'prelu/dtype-mismatch',
    (fl) => F(fl).prelu!(fl.ones([2, 3], { dtype: 'float64' }), fl.ones([1])),
    'DTypeError',
    /prelu: weight must have the input's dtype float64, got float32/,
  ],
  [
    'glu/odd',
    (fl) => F(fl).glu!(fl.ones([2, 3])),
    'ShapeError',
    /glu: dim -1 of \[2,3\] has odd size 3/,
  ],
  ['glu/0d', (fl) => F(fl).glu!(fl.tensor(1)), 'ShapeError', /glu: a 0-d tensor/],
  ['glu/dim-out-of-range', (fl) => F(fl).glu!(fl.ones([2, 4]), 5), 'ShapeError', /glu: dim 5/],
  ['glu/fractional-dim', (fl) => F(fl).glu!(fl.ones([2, 4]), 0.5), 'ArgumentError', /glu/],
  ['softmin/no-dim', (fl) => F(fl).softmin!(fl.ones([2, 4])), 'ArgumentError', /softmin/],
  ['tensor.prelu/wrong-kind', (fl) => (fl.ones([2]).prelu as Any)('x'), 'ArgumentError', /prelu/],
  [
    'fl.hardshrink/huge-string',
    (fl) => (fl.hardshrink as Any)(fl.ones([2]), 'x'.repeat(100_000)),
    'ArgumentError',
    /hardshrink/,
  ],
  [
    'rrelu/training-lower-above-upper',
    (fl) => F(fl).rrelu!(fl.ones([2]), 0.5, 0.1, true),
    'ArgumentError',
    /rrelu: lower must be less than or equal to upper/,
  ],
  [
    'rrelu/training-not-a-bool',
    (fl) => F(fl).rrelu!(fl.ones([2]), 0.1, 0.3, 'yes'),
    'ArgumentError',
    /rrelu/,
  ],
];

/** [id, module, constructor args, error class, message]. */
const BAD_MODULES: [string, string, unknown[], string, RegExp][] = [
  [
    'Hardtanh/max-below-min',
    'Hardtanh',
    [1, -1],
    'ArgumentError',
    /Hardtanh: maxVal must be greater/,
  ],
  ['CELU/alpha-0', 'CELU', [0], 'ArgumentError', /CELU: alpha cannot be 0/],
  ['Softshrink/negative', 'Softshrink', [-0.5], 'ArgumentError', /Softshrink: lambd/],
  ['PReLU/zero-parameters', 'PReLU', [0], 'ArgumentError', /PReLU/],
  ['PReLU/positional-init', 'PReLU', [3, 0.1], 'ArgumentError', /init/],
  ['PReLU/int-dtype', 'PReLU', [3, { dtype: 'int32' }], 'DTypeError', /float32 or float64/],
  ['ReLU/inplace-flag', 'ReLU', [true], 'ArgumentError', /ReLU/],
  ['Softmin/no-dim', 'Softmin', [], 'ArgumentError', /Softmin/],
  ['Threshold/one-arg', 'Threshold', [0.1], 'ArgumentError', /Threshold/],
  ['GLU/string-dim', 'GLU', ['-1'], 'ArgumentError', /GLU/],
  ['RReLU/string-bound', 'RReLU', ['0.1'], 'ArgumentError', /RReLU/],
];

export const probes: Probe[] = [
  ...BAD.map(([id, run, throws, match]): Probe => ({
    id,
    expect: { throws, match },
    run: ({ fl }) => run(fl),
  })),
  ...BAD_MODULES.map(([id, name, args, throws, match]): Probe => ({
    id: `module/${id}`,
    expect: { throws, match },
    run: ({ fl }) => make(fl, name, ...args),
  })),
  {
    id: 'prelu/failed-call-leaves-inputs-intact',
    expect: 'ok',
    run: ({ fl }) => {
      const x = fl.tensor([[-1, 2, -3]]);
      const w = fl.tensor([0.5, 0.5]);
      assert.throws(() => fl.nn.F.prelu(x, w), fl.ShapeError);
      assert.deepEqual(x.toArray(), [[-1, 2, -3]]);
      assert.deepEqual(w.toArray(), [0.5, 0.5]);
    },
  },
  {
    id: 'edges/torch-values',
    expect: 'ok',
    devices: ['cpu', 'native', 'gpujs'],
    run: ({ fl }) => {
      const { F: f } = fl.nn;
      // mish where exp overflows in float32: x itself, gradient 1 (torch's closed form).
      const x = fl.tensor([100, 1e30], { requiresGrad: true });
      const y = f.mish(x);
      assert.deepEqual(Array.from(y.dataSync()), [100, Math.fround(1e30)]);
      y.sum().backward();
      assert.deepEqual(Array.from(x.grad!.dataSync()), [1, 1]);
      // hardswish at ±3 and its kinks; softshrink of NaN is 0; logsigmoid never overflows.
      assert.deepEqual(Array.from(f.hardswish(fl.tensor([-3, 3])).dataSync()), [-0, 3]);
      assert.deepEqual(Array.from(f.softshrink(fl.tensor([NaN, 2])).dataSync()), [0, 1.5]);
      const ls = Array.from(f.logsigmoid(fl.tensor([-1e30, 1e30])).dataSync());
      assert.deepEqual(ls, [-Math.fround(1e30), 0]);
    },
  },
  {
    id: 'module/softmax2d-wrong-rank',
    expect: { throws: 'ShapeError', match: /Softmax2d: expected a 3-D \[C,H,W\] or 4-D/ },
    run: ({ fl }) => new fl.nn.Softmax2d().forward(fl.ones([2, 3])),
  },
  {
    id: 'module/rrelu-training-slopes-in-bounds',
    expect: 'ok',
    run: ({ fl }) => {
      const y = new fl.nn.RReLU(0.1, 0.3).forward(fl.full([500], -1));
      for (const v of y.dataSync())
        assert.ok(v <= -Math.fround(0.1) + 1e-7 && v >= -Math.fround(0.3) - 1e-7);
    },
  },
  {
    id: 'module/prelu-state-dict-round-trip',
    expect: 'ok',
    run: ({ fl }) => {
      const m = new fl.nn.PReLU(3);
      assert.deepEqual(Object.keys(m.stateDict()), ['weight']);
      assert.throws(() => m.loadStateDict({ weight: fl.ones([2]) }), fl.ShapeError);
      assert.deepEqual(m.weight.toArray(), [0.25, 0.25, 0.25]);
    },
  },
];
