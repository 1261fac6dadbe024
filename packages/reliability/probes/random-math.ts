/**
 * The random samplers and small math ops of issue 13 §1 (multinomial, bernoulli, normal,
 * randint and the *Like creators; atan2, isclose, roll, diag, meshgrid, cumprod …) called badly
 * from plain JavaScript: wrong argument kinds, invalid distributions, hostile sizes and dtypes.
 * Each must be a typed error naming the call, with no tensor changed; and the edge values that
 * are easy to get wrong (atan2 at ±0, cumprod's gradient at zeros, weight-0 categories) are
 * torch's.
 */
import assert from 'node:assert/strict';
import type { Probe, ProbeContext } from '../src/probe.js';

type Fl = ProbeContext['fl'];
type Any = (...a: unknown[]) => unknown;
/** fl.* as plain JS sees it: any argument goes. */
const js = (fl: Fl) => fl as unknown as Record<string, Any>;
const t = (fl: Fl, v: number[]) => fl.tensor(v);

/** [id, call, error class, message]. */
const BAD: [string, (fl: Fl) => unknown, string, RegExp][] = [
  // ---- multinomial ----
  [
    'multinomial/negative',
    (fl) => fl.multinomial(t(fl, [1, -1]), 1),
    'ArgumentError',
    /multinomial: .*non-negative/,
  ],
  [
    'multinomial/inf',
    (fl) => fl.multinomial(t(fl, [1, Infinity]), 1),
    'ArgumentError',
    /multinomial/,
  ],
  ['multinomial/nan', (fl) => fl.multinomial(t(fl, [NaN, 1]), 1), 'ArgumentError', /multinomial/],
  [
    'multinomial/zero-row',
    (fl) =>
      fl.multinomial(
        fl.tensor([
          [1, 1],
          [0, 0],
        ]),
        1,
      ),
    'ArgumentError',
    /sums to 0/,
  ],
  [
    'multinomial/no-categories',
    (fl) => fl.multinomial(fl.zeros([2, 0]), 1, true),
    'ArgumentError',
    /sums to 0/,
  ],
  [
    'multinomial/too-many',
    (fl) => fl.multinomial(t(fl, [1, 2]), 3),
    'ArgumentError',
    /3 samples without replacement from 2/,
  ],
  [
    'multinomial/huge-n',
    (fl) => fl.multinomial(t(fl, [1, 2]), 2 ** 60, true),
    'ArgumentError',
    /multinomial/,
  ],
  [
    'multinomial/fraction',
    (fl) => js(fl).multinomial!(t(fl, [1, 2]), 1.5),
    'ArgumentError',
    /multinomial/,
  ],
  ['multinomial/zero', (fl) => fl.multinomial(t(fl, [1, 2]), 0), 'ArgumentError', /multinomial/],
  [
    'multinomial/3d',
    (fl) => fl.multinomial(fl.ones([2, 2, 2]), 1),
    'ShapeError',
    /multinomial: .*\[2, ?2, ?2\]/,
  ],
  ['multinomial/0d', (fl) => fl.multinomial(fl.tensor(1), 1), 'ShapeError', /multinomial/],
  [
    'multinomial/int32',
    (fl) => fl.multinomial(fl.tensor([1, 2], { dtype: 'int32' }), 1),
    'DTypeError',
    /multinomial: .*int32/,
  ],
  ['multinomial/array', (fl) => js(fl).multinomial!([0.5, 0.5], 1), 'ArgumentError', /multinomial/],
  [
    'multinomial/string-replacement',
    (fl) => js(fl).multinomial!(t(fl, [1, 2]), 1, 'true'),
    'ArgumentError',
    /multinomial/,
  ],
  // ---- bernoulli ----
  [
    'bernoulli/above-one',
    (fl) => fl.bernoulli(t(fl, [0.5, 1.5])),
    'ArgumentError',
    /bernoulli: .*\[0, 1\]/,
  ],
  ['bernoulli/nan', (fl) => fl.bernoulli(t(fl, [NaN])), 'ArgumentError', /bernoulli/],
  [
    'bernoulli/int32',
    (fl) => fl.bernoulli(fl.tensor([1], { dtype: 'int32' })),
    'DTypeError',
    /bernoulli: .*int32/,
  ],
  ['bernoulli/p-2', (fl) => js(fl).bernoulli!(fl.zeros([2]), 2), 'ArgumentError', /bernoulli/],
  [
    'bernoulli_/p-string',
    (fl) => (fl.zeros([2]) as unknown as Record<string, Any>).bernoulli_!('0.5'),
    'ArgumentError',
    /bernoulli_/,
  ],
  [
    'bernoulli_/p-shape',
    (fl) => fl.zeros([3]).bernoulli_(t(fl, [0.5, 0.5])),
    'ShapeError',
    /bernoulli_/,
  ],
  // ---- normal ----
  ['normal/negative-std', (fl) => fl.normal(0, -1, [2]), 'ArgumentError', /normal/],
  ['normal/nan-std', (fl) => fl.normal(0, NaN, [2]), 'ArgumentError', /normal/],
  [
    'normal/negative-std-tensor',
    (fl) => fl.normal(fl.zeros([2]), t(fl, [1, -1])),
    'ArgumentError',
    /normal: .*≥ 0/,
  ],
  ['normal/no-shape', (fl) => js(fl).normal!(0, 1), 'ShapeError', /normal: .*shape is required/],
  [
    'normal/shape-with-tensors',
    (fl) => js(fl).normal!(fl.zeros([2]), 1, [2]),
    'ArgumentError',
    /normal/,
  ],
  [
    'normal/int-mean',
    (fl) => fl.normal(fl.zeros([2], { dtype: 'int32' }), 1),
    'DTypeError',
    /normal: .*int32/,
  ],
  ['normal/broadcast', (fl) => fl.normal(fl.zeros([2]), fl.ones([3])), 'ShapeError', /normal/],
  ['normal/string-mean', (fl) => js(fl).normal!('0', 1, [2]), 'ArgumentError', /normal/],
  // ---- randint and the *Like creators ----
  ['randint/empty-range', (fl) => fl.randint(3, 3, [2]), 'ShapeError', /randint: .*low < high/],
  ['randint/no-shape', (fl) => js(fl).randint!(0, 3), 'ShapeError', /randint: .*shape is required/],
  ['randint/fraction', (fl) => js(fl).randint!(0, 2.5, [2]), 'ArgumentError', /randint/],
  ['randint/int32-overflow', (fl) => fl.randint(0, 2 ** 40, [2]), 'DTypeError', /randint: .*int32/],
  ['randint/negative-size', (fl) => fl.randint(5, [-1]), 'ArgumentError', /randint/],
  [
    'randLike/int32',
    (fl) => fl.randLike(fl.zeros([2], { dtype: 'int32' })),
    'DTypeError',
    /randLike: .*int32/,
  ],
  [
    'randnLike/bool',
    (fl) => fl.randnLike(fl.zeros([2], { dtype: 'bool' })),
    'DTypeError',
    /randnLike/,
  ],
  [
    'randintLike/not-a-tensor',
    (fl) => js(fl).randintLike!([1, 2], 3),
    'ArgumentError',
    /randintLike/,
  ],
  ['randintLike/empty-range', (fl) => fl.randintLike(fl.zeros([2]), 4, 2), 'ShapeError', /randint/],
  // ---- math ----
  ['atan2/number', (fl) => js(fl).atan2!(fl.ones([2]), 1), 'ArgumentError', /atan2/],
  [
    'atan2/broadcast',
    (fl) => fl.atan2(fl.ones([2, 3]), fl.ones([4])),
    'ShapeError',
    /atan2: .*\[2, ?3\]/,
  ],
  [
    'isclose/dtypes',
    (fl) => fl.isclose(fl.ones([2]), fl.ones([2], { dtype: 'int32' })),
    'DTypeError',
    /isclose: .*float32.*int32/,
  ],
  [
    'isclose/negative-rtol',
    (fl) => fl.isclose(fl.ones([2]), fl.ones([2]), { rtol: -1 }),
    'ArgumentError',
    /isclose/,
  ],
  [
    'isclose/python-kwarg',
    (fl) => js(fl).isclose!(fl.ones([2]), fl.ones([2]), { equal_nan: true }),
    'ArgumentError',
    /isclose/,
  ],
  ['allclose/shapes', (fl) => fl.allclose(fl.ones([2]), fl.ones([3])), 'ShapeError', /allclose/],
  ['logicalXor/two-numbers', (fl) => js(fl).logicalXor!(1, 0), 'ArgumentError', /logicalXor/],
  ['unbind/0d', (fl) => fl.unbind(fl.tensor(1)), 'ShapeError', /unbind/],
  ['unbind/dim', (fl) => fl.unbind(fl.ones([2]), 5), 'ShapeError', /unbind/],
  [
    'roll/lengths',
    (fl) => fl.roll(fl.ones([2, 2]), [1], [0, 1]),
    'ShapeError',
    /roll: .*same length/,
  ],
  ['roll/flat-two-shifts', (fl) => fl.roll(fl.ones([2, 2]), [1, 2]), 'ShapeError', /roll/],
  ['roll/fraction', (fl) => js(fl).roll!(fl.ones([3]), 0.5), 'ArgumentError', /roll/],
  ['roll/dim', (fl) => fl.roll(fl.ones([3]), 1, 4), 'ShapeError', /roll/],
  ['diag/3d', (fl) => fl.diag(fl.ones([2, 2, 2])), 'ShapeError', /diag: .*1-D or 2-D/],
  ['diag/fraction', (fl) => js(fl).diag!(fl.ones([2]), 0.5), 'ArgumentError', /diag/],
  ['meshgrid/empty', (fl) => fl.meshgrid([]), 'ShapeError', /meshgrid/],
  ['meshgrid/2d', (fl) => fl.meshgrid([fl.ones([2, 2])]), 'ShapeError', /meshgrid: .*\[2, ?2\]/],
  [
    'meshgrid/dtypes',
    (fl) => fl.meshgrid([fl.ones([2]), fl.ones([2], { dtype: 'int32' })]),
    'DTypeError',
    /meshgrid/,
  ],
  [
    'meshgrid/indexing',
    (fl) => js(fl).meshgrid!([fl.ones([2])], { indexing: 'IJ' }),
    'ArgumentError',
    /meshgrid/,
  ],
  [
    'meshgrid/variadic',
    (fl) => js(fl).meshgrid!(fl.ones([2]), fl.ones([3])),
    'ArgumentError',
    /meshgrid/,
  ],
  ['cumprod/dim', (fl) => fl.cumprod(fl.ones([2]), 1), 'ShapeError', /cumprod/],
  ['cumprod/no-dim', (fl) => js(fl).cumprod!(fl.ones([2])), 'ArgumentError', /cumprod/],
];

export const probes: Probe[] = [
  ...BAD.map(([id, run, throws, match]): Probe => ({
    id,
    expect: { throws, match },
    run: ({ fl }) => run(fl),
    devices: ['cpu', 'native', 'gpujs'],
  })),
  {
    id: 'multinomial/input-intact-after-refusal',
    expect: 'ok',
    devices: ['cpu', 'native', 'gpujs'],
    run: ({ fl }) => {
      const p = fl.tensor([0.5, -1, 2]);
      const before = fl.memory().tensors;
      assert.throws(() => fl.multinomial(p, 1), fl.ArgumentError);
      assert.deepEqual(Array.from(p.dataSync()), [0.5, -1, 2]);
      assert.equal(fl.memory().tensors, before, 'the refused call left tensors behind');
    },
  },
  {
    id: 'multinomial/weight-zero-never-drawn',
    expect: 'ok',
    devices: ['cpu', 'native', 'gpujs'],
    run: ({ fl }) => {
      fl.manualSeed(0);
      const s = fl.multinomial(fl.tensor([[0, 1e-30, 0, 3]]), 4000, true);
      assert.ok(Array.from(s.dataSync()).every((v) => v === 1 || v === 3));
      const all = fl.multinomial(fl.tensor([0, 2, 0, 1]), 4).dataSync();
      assert.deepEqual(Array.from(all.slice(2)), [0, 2]);
    },
  },
  {
    id: 'bernoulli_/failed-call-leaves-tensor',
    expect: 'ok',
    run: ({ fl }) => {
      const x = fl.tensor([3, 4, 5]);
      assert.throws(() => x.bernoulli_(fl.tensor([0.5, 2, 0.5])), fl.ArgumentError);
      assert.deepEqual(Array.from(x.dataSync()), [3, 4, 5]);
    },
  },
  {
    id: 'atan2/signed-zeros-and-infinities',
    expect: 'ok',
    run: ({ fl }) => {
      const y = fl.tensor([0, -0, 0, -0, Infinity, -Infinity], { dtype: 'float64' });
      const x = fl.tensor([-0, -0, 0, 0, -Infinity, Infinity], { dtype: 'float64' });
      const got = Array.from(fl.atan2(y, x).dataSync());
      const want = [Math.PI, -Math.PI, 0, -0, (3 * Math.PI) / 4, -Math.PI / 4];
      got.forEach((g, i) => assert.ok(Object.is(g, want[i]) || Math.abs(g - want[i]!) < 1e-15));
    },
  },
  {
    id: 'cumprod/gradient-at-zeros',
    expect: 'ok',
    run: ({ fl }) => {
      const x = fl.tensor([2, 0, 3, 0], { dtype: 'float64', requiresGrad: true });
      x.cumprod(0).sum().backward();
      // d/dx_k Σ_i Π_{j≤i} x_j: [1 + 0 + 0 + 0, 2 + 6 + 0, 0, 0]
      assert.deepEqual(Array.from(x.grad!.dataSync()), [1, 8, 0, 0]);
    },
  },
  {
    id: 'logsumexp/empty-dim-is-minus-infinity',
    expect: 'ok',
    devices: ['cpu', 'native', 'gpujs'],
    run: ({ fl }) => {
      assert.deepEqual(Array.from(fl.zeros([2, 0]).logsumexp(1).dataSync()), [
        -Infinity,
        -Infinity,
      ]);
    },
  },
];
