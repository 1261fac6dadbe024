/**
 * The op findings of the differential corpus (issue 15, fix round), each made from plain
 * JavaScript: dtypes torch 1.13 refuses by rule (relu and norm of ints and bools, a bool in a
 * subtraction, matrix products of two dtypes, scatterAdd from another dtype, in-place results
 * that would truncate), pad/oneHot/indexSelect/remainder at empty and negative sizes, std of
 * huge and of equal values, and gradients near the largest float or behind an infinite one.
 */
import assert from 'node:assert/strict';
import type { Probe } from '../src/probe.js';
import { close, grad, values, type Fl, type T } from './math/util.js';

const throwsD = (match: RegExp) => ({ throws: 'DTypeError', match });
const throwsS = (match: RegExp) => ({ throws: 'ShapeError', match });
const ints = (fl: Fl, xs: number[]) => fl.tensor(xs, { dtype: 'int32' });

/** Calls refused for their dtypes: [id, call, message]. */
const DTYPE_REFUSED: [string, (fl: Fl) => unknown, RegExp][] = [
  ['relu/bool', (fl) => fl.relu(fl.tensor([true, false])), /relu: bool tensors/],
  ['relu/bool-method', (fl) => fl.tensor([[true]]).relu(), /relu: bool tensors/],
  ['sub/float-bool', (fl) => fl.sub(fl.tensor([1.5]), fl.tensor([true])), /float32 - bool/],
  ['sub/bool-int32', (fl) => fl.sub(fl.tensor([true]), ints(fl, [2])), /bool - int32/],
  [
    'sub/js-true',
    (fl) => fl.sub(fl.tensor([1.5]), true as unknown as number),
    /float32 - a JS boolean/,
  ],
  ['sub/bool-minus-number', (fl) => fl.tensor([true]).sub(2), /bool - a JS number/],
  ['sub_/in-place-bool', (fl) => fl.tensor([1, 2]).sub_(fl.tensor([true, false])), /sub:/],
  ['norm/int32', (fl) => ints(fl, [3, -4]).norm(), /norm: input dtype must be float32/],
  ['norm/bool-p0', (fl) => fl.norm(fl.tensor([true]), 0), /got bool/],
  ['norm/int32-inf', (fl) => ints(fl, [1]).norm(Infinity, 0), /got int32/],
  [
    'matmul/float32-float64',
    (fl) => fl.ones([2, 3]).matmul(fl.ones([3, 2], { dtype: 'float64' })),
    /same dtype, got float32 and float64/,
  ],
  [
    'matmul/int32-float32',
    (fl) => fl.matmul(fl.ones([2, 2], { dtype: 'int32' }), fl.ones([2, 2])),
    /int32 and float32/,
  ],
  [
    'bmm/float64-float32',
    (fl) => fl.ones([1, 2, 2], { dtype: 'float64' }).bmm(fl.ones([1, 2, 2])),
    /bmm: both operands/,
  ],
  ['dot/float32-int32', (fl) => fl.dot(fl.ones([2]), ints(fl, [1, 2])), /dot: both operands/],
  [
    'scatterAdd/src-float64',
    (fl) =>
      fl
        .zeros([2, 3])
        .scatterAdd(0, ints(fl, [0, 1, 0]).reshape([1, 3]), fl.ones([1, 3], { dtype: 'float64' })),
    /src must have the input's dtype float32, got float64/,
  ],
  [
    'add_/float-into-int32',
    (fl) => ints(fl, [1, 2]).add_(2.5),
    /float32 cannot be written in place into a tensor of dtype int32/,
  ],
  ['div_/int32', (fl) => ints(fl, [4]).div_(2), /div_: the result type float32/],
  ['mul_/int-into-bool', (fl) => fl.tensor([true]).mul_(ints(fl, [2])), /of dtype bool/],
  ['clamp_/float-bound-into-int32', (fl) => ints(fl, [1]).clamp_(0.5), /clamp_/],
  ['remainder/int32-by-zero', (fl) => fl.remainder(ints(fl, [3]), 0), /integer division by zero/],
];

/** Shapes refused: [id, call, message]. */
const SHAPE_REFUSED: [string, (fl: Fl) => unknown, RegExp][] = [
  [
    'pad/reflect-empty-input',
    (fl) => fl.pad(fl.zeros([0, 0]), [0, 0], 'reflect'),
    /reflect padding needs non-empty padded and channel dimensions/,
  ],
  [
    'pad/replicate-empty-channel',
    (fl) => fl.pad(fl.zeros([0, 1]).expand(0, 3), [2, 1], 'replicate'),
    /dimension 0 of size 0/,
  ],
  [
    'pad/reflect-3d-empty-channel',
    (fl) => fl.pad(fl.zeros([0, 2, 2, 2]), [1, 1, 1, 1, 1, 1], 'reflect'),
    /non-empty/,
  ],
  [
    'pad/constant-positive-leaves-empty',
    (fl) => fl.pad(fl.zeros([3, 0]), [0, 0, 0, 2], 'constant', 1.5),
    /dimension 1 would have size 0/,
  ],
  [
    'pad/constant-crop-leaves-empty',
    (fl) => fl.pad(ints(fl, [-3, 3]).reshape([2, 1]), [0, -1, 1, 1]),
    /would have size 0/,
  ],
  [
    'pad/constant-crop-too-much',
    (fl) => fl.pad(fl.zeros([3]), [-2, -2]),
    /removes more than the 3 elements/,
  ],
  [
    'pad/replicate-crop-to-nothing',
    (fl) => fl.pad(fl.zeros([1, 3]), [-2, -1], 'replicate'),
    /must leave it at least 1 element/,
  ],
  [
    'oneHot/empty-zero-classes',
    (fl) => fl.oneHot(fl.zeros([0, 4], { dtype: 'int32' }), 0),
    /cannot infer the number of classes from an empty index \[0,4\]/,
  ],
  ['oneHot/empty-infer', (fl) => fl.oneHot(fl.zeros([0], { dtype: 'int32' })), /cannot infer/],
  ['oneHot/minus-two', (fl) => fl.oneHot(ints(fl, [0, 1]), -2), /-1 \(infer\) or non-negative/],
  [
    'indexSelect/empty-input-past-end',
    (fl) => fl.zeros([0, 3]).indexSelect(1, ints(fl, [3])),
    /index 3 is out of bounds for dimension 1 with size 3/,
  ],
  [
    'indexSelect/empty-input-negative',
    (fl) =>
      fl
        .zeros([5, 0])
        .transpose(0, 1)
        .indexSelect(1, ints(fl, [1, -2])),
    /index -2 is out of bounds/,
  ],
  [
    'indexSelect/empty-rows-js-index',
    (fl) => fl.zeros([2, 0]).indexSelect(0, [2]),
    /out of bounds/,
  ],
  [
    'view/flip-of-one-merged-dim',
    (fl) => fl.arange(0, 6).reshape([2, 3]).flip([1]).view([6]),
    /use reshape\(\)/,
  ],
];

const okProbe = (id: string, run: (fl: Fl) => void): Probe => ({
  id,
  expect: 'ok',
  run: ({ fl }) => fl.tidy(() => run(fl)),
});

const accepted: Probe[] = [
  okProbe('pad/negative-reflect-and-replicate', (fl) => {
    const x = fl.arange(0, 5).reshape([1, 5]);
    close(values(fl.pad(x, [-1, 2], 'reflect')), [1, 2, 3, 4, 3, 2], 'reflect [-1,2]');
    close(values(fl.pad(x, [3, -4], 'reflect')), [3, 2, 1, 0], 'reflect [3,-4]');
    close(values(fl.pad(x, [-6, 3], 'reflect')), [2, 1], 'reflect [-6,3]');
    close(values(fl.pad(x, [-3, 3], 'replicate')), [3, 4, 4, 4, 4], 'replicate [-3,3]');
    close(values(fl.pad(x, [-6, 3], 'replicate')), [4, 4], 'replicate [-6,3]');
  }),
  okProbe('pad/empty-batch-and-unbatched-reflect-channel', (fl) => {
    assert.deepEqual(fl.pad(fl.zeros([0, 2, 3]), [1, 1], 'replicate').shape, [0, 2, 5]);
    assert.deepEqual(fl.pad(fl.zeros([0, 3]), [1, 1], 'reflect').shape, [0, 5]);
    assert.deepEqual(fl.pad(fl.ones([2, 3]), [-3, 0]).shape, [2, 0]);
    assert.deepEqual(fl.pad(fl.zeros([0, 3]), [1, 1]).shape, [0, 5]);
  }),
  okProbe('oneHot/empty-explicit-classes', (fl) => {
    const r = fl.oneHot(fl.zeros([0, 2], { dtype: 'int32' }), 3);
    assert.deepEqual([r.shape, r.dtype], [[0, 2, 3], 'int32']);
  }),
  okProbe('remainder/int32-empty-by-zero', (fl) => {
    assert.deepEqual(fl.remainder(fl.zeros([0, 3], { dtype: 'int32' }), 0).shape, [0, 3]);
    assert.deepEqual(
      fl.remainder(fl.zeros([0, 3], { dtype: 'int32' }), ints(fl, [1, 0, 2])).shape,
      [0, 3],
    );
  }),
  okProbe('matmul/int32-same-dtype', (fl) => {
    const r = ints(fl, [1, 2, 3, 4])
      .reshape([2, 2])
      .matmul(ints(fl, [1, 0, 0, 1]).reshape([2, 2]));
    assert.deepEqual([r.dtype, values(r)], ['int32', [1, 2, 3, 4]]);
  }),
  okProbe('in-place/same-category-casts', (fl) => {
    const x = ints(fl, [1, 2]);
    assert.throws(
      () => x.add_(0.5),
      (e: Error) => e.name === 'DTypeError',
    );
    assert.deepEqual(values(x), [1, 2], 'a refused in-place op leaves the tensor unchanged');
    const f = fl.tensor([1]).add_(fl.tensor([0.25], { dtype: 'float64' }));
    assert.deepEqual([f.dtype, values(f)], ['float32', [1.25]]);
  }),
  okProbe('std/float32-huge-is-finite', (fl) => {
    close(values(fl.tensor([3e38, -3e38, 1]).std()), [3e38], 'std', 1e-5);
    assert.equal(fl.tensor([3e38, -3e38, 1]).var().item(), Infinity);
    const row = fl.tensor([-1.35, 3e38, -1.26, -2.02, 6.11, 1.27, -1.41, -0.698]);
    close(values(row.std({ correction: 0 })), [9.921568e37], 'std correction 0', 1e-6);
  }),
  okProbe('std/equal-float64-values-zero-gradient', (fl) => {
    const g = grad(fl, [0.1, 0.1, 0.1], (x) => x.reshape([1, 3]).std({ dim: 1 }));
    close(g.map(Math.abs), [0, 0, 0], 'd std');
    const tiled = fl.tensor([-1.64, 1.91], { dtype: 'float64' }).erf().tile([3, 3]);
    assert.deepEqual(values(tiled.std({ dim: [0] })), [0, 0, 0, 0, 0, 0]);
  }),
  okProbe('max-min/infinite-upstream-gradient', (fl) => {
    close(
      grad(fl, [100, 1, 3], (x) => x.max().exp(), 'float32'),
      [Infinity, 0, 0],
      'max',
    );
    close(
      grad(fl, [2, -1], (x) => x.min().sqrt()),
      [0, NaN],
      'min',
    );
    close(
      grad(fl, [100, 1], (x) => x.amax().exp(), 'float32'),
      [Infinity, NaN],
      'amax (torch)',
    );
  }),
  okProbe('norm/p0-passes-no-gradient', (fl) => {
    const x = fl.tensor(0.157, { requiresGrad: true });
    const y = x.std({ dim: 0, correction: 2 }).norm(0);
    assert.deepEqual(values(fl.grad([y], [x], { allowUnused: true })[0]!), [0]);
  }),
  okProbe('div/gradient-near-float32-max', (fl) => {
    const a = fl.tensor([3e38, 3e38], { requiresGrad: true });
    const b = fl.tensor([2e19, -100], { requiresGrad: true });
    const [, gb] = fl.grad([a.div(b).sum()], [a, b]);
    close(values(gb!), [-0.75, -3e34], 'd/db', 1e-6);
  }),
  okProbe('elu-leakyRelu/nan-and-minus-inf-gradients', (fl) => {
    // Flint's answer is torch's scalar code for every length (torch's vector lanes give NaN at a
    // NaN for 8+ float64 elements): elu passes the gradient at NaN, leakyRelu(0) gives 0 at −∞.
    for (const n of [1, 24]) {
      const xs = Array.from({ length: n }, (_, i) => (i === n - 1 ? NaN : 0.5));
      assert.equal(grad(fl, xs, (x) => fl.elu(x, 0.5)).at(-1), 1, `elu at NaN, length ${n}`);
    }
    close(
      grad(fl, [-Infinity, NaN, 2], (x) => fl.leakyRelu(x, 0)),
      [0, 0, 1],
      'leakyRelu(0)',
    );
    close(values(fl.leakyRelu(fl.tensor([-Infinity]), 0)), [NaN], 'leakyRelu(−∞, 0)');
  }),
  okProbe('view/flip-of-every-dim', (fl) => {
    const x = fl.arange(0, 6).reshape([2, 3]);
    assert.deepEqual(values(x.flip([0, 1]).view([6])), [5, 4, 3, 2, 1, 0]);
    assert.deepEqual(values(x.flip([1]).view([2, 3, 1])), [2, 1, 0, 5, 4, 3]);
  }),
];

const refused = (rows: [string, (fl: Fl) => unknown, RegExp][], make: typeof throwsD) =>
  rows.map(([id, call, match]): Probe => ({
    id,
    expect: make(match),
    run: ({ fl }) => fl.tidy(() => call(fl) as T),
  }));

export const probes: Probe[] = [
  ...refused(DTYPE_REFUSED, throwsD),
  ...refused(SHAPE_REFUSED, throwsS),
  ...accepted,
];
