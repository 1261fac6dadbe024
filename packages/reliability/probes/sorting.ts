/**
 * Sorting and selection (issue 13 §1: sort, argsort, msort, topk, kthvalue, median, randperm)
 * called badly from plain JavaScript — dims and k out of range, wrong argument kinds, bool
 * where torch refuses it, empty dims, disposed inputs — each a typed error naming the call with
 * its input untouched; and the answers that are easy to get wrong (NaN order, stable ties, the
 * gradient's routing, long rows, a seed's permutation) checked on every device, gpujs included.
 */
import assert from 'node:assert/strict';
import type { Probe, ProbeContext } from '../src/probe.js';

type Fl = ProbeContext['fl'];
type Any = (...a: unknown[]) => unknown;
/** fl.* as plain JS sees it: any argument goes. */
const js = (fl: Fl) => fl as unknown as Record<string, Any>;
const v3 = (fl: Fl) => fl.tensor([3, 1, 2]);

/** [id, call, error class, message]. */
const BAD: [string, (fl: Fl) => unknown, string, RegExp][] = [
  ['sort/dim-range', (fl) => v3(fl).sort(1), 'ShapeError', /sort: dim 1 is out of range/],
  ['sort/dim-fraction', (fl) => js(fl).sort!(v3(fl), 0.5), 'ArgumentError', /fl\.sort: dim/],
  ['sort/dim-string', (fl) => js(fl).sort!(v3(fl), '0'), 'ArgumentError', /fl\.sort: dim/],
  [
    'sort/unknown-option',
    (fl) => js(fl).sort!(v3(fl), { dims: 0 }),
    'ArgumentError',
    /unknown option 'dims'/,
  ],
  [
    'sort/descending-string',
    (fl) => js(fl).sort!(v3(fl), 0, 'yes'),
    'ArgumentError',
    /descending must be a boolean/,
  ],
  ['sort/not-a-tensor', (fl) => js(fl).sort!([3, 1, 2]), 'ArgumentError', /input must be a Tensor/],
  [
    'sort/disposed',
    (fl) => {
      const x = v3(fl);
      x.dispose();
      return x.sort();
    },
    'DisposedTensorError',
    /sort: .*after dispose/,
  ],
  ['argsort/dim-range', (fl) => fl.argsort(v3(fl), -2), 'ShapeError', /argsort: dim -2/],
  ['msort/extra-arg', (fl) => js(fl).msort!(v3(fl), 1), 'ArgumentError', /fl\.msort/],
  ['topk/k-too-big', (fl) => v3(fl).topk(4), 'ShapeError', /topk: k = 4 is out of range.*0 to 3/],
  ['topk/k-negative', (fl) => fl.topk(v3(fl), -1), 'ArgumentError', /fl\.topk: k/],
  ['topk/k-huge', (fl) => fl.topk(v3(fl), 2 ** 53), 'ArgumentError', /fl\.topk: k/],
  ['topk/k-nan', (fl) => fl.topk(v3(fl), NaN), 'ArgumentError', /fl\.topk: k/],
  ['topk/bool', (fl) => fl.tensor([true, false]).topk(1), 'DTypeError', /topk: bool/],
  [
    'topk/largest-number',
    (fl) => js(fl).topk!(v3(fl), 1, { largest: 1 }),
    'ArgumentError',
    /fl\.topk/,
  ],
  ['kthvalue/k-zero', (fl) => v3(fl).kthvalue(0), 'ShapeError', /kthvalue: k = 0.*1 to 3/],
  ['kthvalue/k-too-big', (fl) => v3(fl).kthvalue(4), 'ShapeError', /kthvalue: k = 4/],
  ['kthvalue/k-fraction', (fl) => fl.kthvalue(v3(fl), 1.5), 'ArgumentError', /fl\.kthvalue: k/],
  ['kthvalue/empty-dim', (fl) => fl.zeros([2, 0]).kthvalue(1), 'ShapeError', /kthvalue: k = 1/],
  ['median/empty-dim', (fl) => fl.zeros([2, 0]).median(1), 'ShapeError', /median: .*\[2,0\]/],
  [
    'median/empty-int32',
    (fl) => fl.zeros([0], { dtype: 'int32' }).median(),
    'ShapeError',
    /median: .*empty int32/,
  ],
  ['median/bool', (fl) => fl.tensor([true]).median(), 'DTypeError', /median: bool/],
  ['median/dim-null', (fl) => js(fl).median!(v3(fl), null), 'ArgumentError', /fl\.median: dim/],
  ['randperm/negative', (fl) => fl.randperm(-1), 'ArgumentError', /fl\.randperm: n/],
  ['randperm/fraction', (fl) => fl.randperm(2.5), 'ArgumentError', /fl\.randperm: n/],
  ['randperm/huge', (fl) => fl.randperm(2 ** 40), 'ShapeError', /randperm: n = .* int32/],
  ['randperm/bool', (fl) => fl.randperm(3, { dtype: 'bool' }), 'DTypeError', /randperm: .*bool/],
  [
    'randperm/int-requires-grad',
    (fl) => fl.randperm(3, { requiresGrad: true }),
    'GradError',
    /randperm: only float/,
  ],
];

/** The input is unchanged by every failed call. */
const untouched = (fl: Fl, call: (fl: Fl, x: InstanceType<Fl['Tensor']>) => unknown): void => {
  const x = fl.tensor([[3, 1, 2]]);
  assert.throws(() => call(fl, x));
  assert.deepEqual(x.toArray(), [[3, 1, 2]]);
};

const ALL_DEVICES = ['cpu', 'native', 'gpujs'] as const;

const OK: Probe[] = [
  {
    id: 'ok/nan-and-signed-zero-order',
    expect: 'ok',
    devices: ALL_DEVICES,
    run: ({ fl }) => {
      const x = fl.tensor([0, NaN, -Infinity, -0, 2, NaN, Infinity]);
      const up = x.sort();
      assert.deepEqual(up.indices.toArray(), [2, 0, 3, 4, 6, 1, 5]);
      assert.ok(Object.is((up.values.toArray() as number[])[2], -0));
      assert.deepEqual(x.sort(0, true).indices.toArray(), [1, 5, 6, 4, 0, 3, 2]);
      assert.deepEqual(fl.topk(x, 2).indices.toArray(), [1, 5]);
    },
  },
  {
    id: 'ok/stable-ties-both-ways',
    expect: 'ok',
    devices: ALL_DEVICES,
    run: ({ fl }) => {
      const x = fl.tensor([1, 0, 1, 0, 1]);
      assert.deepEqual(x.argsort().toArray(), [1, 3, 0, 2, 4]);
      assert.deepEqual(x.argsort(0, true).toArray(), [0, 2, 4, 1, 3]);
      assert.deepEqual(fl.tensor([true, false, true]).argsort().toArray(), [1, 0, 2]);
    },
  },
  {
    id: 'ok/long-rows-match-js-sort',
    expect: 'ok',
    devices: ALL_DEVICES,
    timeoutMs: 30_000,
    run: ({ fl }) => {
      fl.manualSeed(7);
      const x = fl.rand([3, 2000]).mul(100).floor(); // many ties
      const data = x.toArray() as number[][];
      const got = x.sort(1).indices.toArray() as number[][];
      data.forEach((row, r) => {
        const want = row.map((_, j) => j).sort((i, j) => row[i]! - row[j]! || i - j);
        assert.deepEqual(got[r], want);
      });
    },
  },
  {
    id: 'ok/gradient-routes-to-source',
    expect: 'ok',
    devices: ALL_DEVICES,
    run: ({ fl }) => {
      const x = fl.tensor([[4, 1, 3, 2]], { requiresGrad: true });
      const { values } = x.topk(2, 1);
      values
        .mul(fl.tensor([[10, 1]]))
        .sum()
        .backward();
      assert.deepEqual(x.grad!.toArray(), [[10, 0, 1, 0]]);
      const y = fl.tensor([5, 9, 7], { requiresGrad: true });
      y.median().backward();
      assert.deepEqual(y.grad!.toArray(), [0, 0, 1]);
    },
  },
  {
    id: 'ok/randperm-seeded-permutation',
    expect: 'ok',
    devices: ALL_DEVICES,
    run: ({ fl }) => {
      fl.manualSeed(3);
      const a = fl.randperm(50).toArray() as number[];
      fl.manualSeed(3);
      const b = fl.randperm(50).toArray() as number[];
      assert.deepEqual(a, b);
      assert.deepEqual(
        [...a].sort((p, q) => p - q),
        [...Array(50).keys()],
      );
      assert.equal(fl.randperm(0).size, 0);
      assert.equal(fl.randperm(4, { dtype: 'float32' }).dtype, 'float32');
    },
  },
  {
    id: 'ok/failed-calls-leave-input-untouched',
    expect: 'ok',
    run: ({ fl }) => {
      untouched(fl, (_, x) => x.topk(9));
      untouched(fl, (_, x) => x.kthvalue(0, 1));
      untouched(fl, (_, x) => x.sort(2));
      untouched(fl, (f, x) => js(f).median!(x, 'a'));
    },
  },
  {
    id: 'ok/no-leaks',
    expect: 'ok',
    devices: ALL_DEVICES,
    run: ({ fl }) => {
      const x = fl.tensor(
        [
          [3, 1, 2],
          [6, 5, 4],
        ],
        { requiresGrad: true },
      );
      const before = fl.memory().tensors;
      fl.tidy(() => {
        x.sort(1);
        x.topk(1, 0);
        x.median(1);
        x.kthvalue(2);
        x.median().backward();
      });
      x.grad = null;
      assert.equal(fl.memory().tensors, before);
    },
  },
];

export const probes: Probe[] = [
  ...BAD.map(([id, call, throws, match]): Probe => ({
    id,
    expect: { throws, match },
    run: ({ fl }) => call(fl),
  })),
  ...OK,
];
