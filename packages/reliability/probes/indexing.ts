/**
 * Advanced indexing, masks and einsum from JavaScript: index arrays and tensors of the wrong
 * kind, out of range, ragged or absurdly nested; masks of the wrong shape; writes that must
 * change nothing when refused; equations that are malformed or huge. Each must be a typed error
 * with a bounded message, never a crash, a RangeError or a corrupted tensor.
 */
import assert from 'node:assert/strict';
import type { Probe, ProbeContext } from '../src/probe.js';

type Fl = ProbeContext['fl'];
const grid = (fl: Fl) => fl.arange(6).reshape([2, 3]);
const any = (v: unknown) => v as never;

export const probes: Probe[] = [
  {
    id: 'index/out-of-range-names-dim',
    expect: { throws: 'ShapeError', match: /index 5 is out of bounds for dimension 1 with size 3/ },
    run: ({ fl }) => grid(fl).index(':', [0, 5]),
  },
  {
    id: 'index/negative-past-start',
    expect: { throws: 'ShapeError', match: /index -4 is out of bounds for dimension 1/ },
    run: ({ fl }) => grid(fl).index(':', fl.tensor([-4], { dtype: 'int32' })),
  },
  {
    id: 'index/beyond-int32',
    expect: { throws: 'ShapeError', match: /index 1099511627776 is out of bounds/ },
    run: ({ fl }) => grid(fl).index([2 ** 40]),
  },
  {
    id: 'index/nan-in-array',
    expect: { throws: 'ArgumentError', match: /only integers or only booleans, got NaN/ },
    run: ({ fl }) => grid(fl).index([NaN]),
  },
  {
    id: 'index/mixed-bool-int',
    expect: { throws: 'ArgumentError', match: /only integers or only booleans/ },
    run: ({ fl }) => grid(fl).index(any([true, 1])),
  },
  {
    id: 'index/object-in-array',
    expect: { throws: 'ArgumentError', match: /got object/ },
    run: ({ fl }) => grid(fl).index(any([{ valueOf: () => 0 }])),
  },
  {
    id: 'index/sparse-array',
    expect: { throws: 'ArgumentError', match: /index:/ },
    run: ({ fl }) => grid(fl).index(any(new Array(3))),
  },
  {
    id: 'index/ragged-array',
    expect: { throws: 'ShapeError', match: /ragged/ },
    run: ({ fl }) => grid(fl).index([[0, 1], [1]]),
  },
  {
    id: 'index/nested-200000-deep',
    expect: { throws: 'ShapeError', match: /nested deeper than 64/ },
    run: ({ fl }) => {
      let a: unknown = [0];
      for (let i = 0; i < 200_000; i++) a = [a];
      return grid(fl).index(any(a));
    },
  },
  {
    id: 'index/float-tensor',
    expect: { throws: 'DTypeError', match: /int32 or bool, got float32/ },
    run: ({ fl }) => grid(fl).index(fl.tensor([0.5])),
  },
  {
    id: 'index/mask-wrong-shape',
    expect: { throws: 'ShapeError', match: /shape of the mask \[3\] does not match/ },
    run: ({ fl }) => grid(fl).index(fl.tensor([true, false, true])),
  },
  {
    id: 'index/indices-do-not-broadcast',
    expect: { throws: 'ShapeError', match: /cannot be broadcast together \(shapes \[2\], \[3\]\)/ },
    run: ({ fl }) => grid(fl).index([0, 1], [0, 1, 2]),
  },
  {
    id: 'index/empty-dim',
    expect: { throws: 'ShapeError', match: /size 0 \(the dimension is empty\)/ },
    run: ({ fl }) => fl.zeros([2, 0]).index(':', [0]),
  },
  {
    id: 'index/result-is-a-copy-and-grad-accumulates',
    expect: 'ok',
    run: ({ fl }) => {
      const x = fl.tensor([1, 2, 3], { requiresGrad: true, dtype: 'float64' });
      const y = x.index([2, 2, 0]);
      assert.deepEqual(y.toArray(), [3, 3, 1]);
      y.sum().backward();
      assert.deepEqual(x.grad!.toArray(), [1, 0, 2]);
      const z = fl.arange(4);
      z.index([1]).fill_(9);
      assert.deepEqual(z.toArray(), [0, 1, 2, 3]);
    },
  },
  {
    id: 'set/refused-value-changes-nothing',
    expect: 'ok',
    run: ({ fl }) => {
      const x = grid(fl);
      assert.throws(() => x.set([[0, 1]], fl.ones([4])), { name: 'ShapeError' });
      assert.throws(() => x.set([[0, 9]], 1), { name: 'ShapeError', message: /index 9/ });
      assert.deepEqual(x.toArray(), [
        [0, 1, 2],
        [3, 4, 5],
      ]);
    },
  },
  {
    id: 'set/writes-through-views-last-wins',
    expect: 'ok',
    run: ({ fl }) => {
      const x = fl.zeros([5]);
      x.index('1:').set([[0, 2, 0]], fl.tensor([1, 2, 3]));
      assert.deepEqual(x.toArray(), [0, 3, 0, 2, 0]);
      x.set(x.gt(0), -1);
      assert.deepEqual(x.toArray(), [0, -1, 0, -1, 0]);
    },
  },
  {
    id: 'set/leaf-requiring-grad',
    expect: { throws: 'GradError', match: /leaf tensor that requires grad/ },
    run: ({ fl }) => fl.zeros([3], { requiresGrad: true }).set([[0]], 1),
  },
  {
    id: 'indexPut/dtype-mismatch-changes-nothing',
    expect: {
      throws: 'DTypeError',
      match: /indexPut_: values must have the dtype of the input \(float32\), got int32/,
    },
    run: ({ fl }) => {
      const x = fl.zeros([3]);
      try {
        return x.indexPut_(
          [fl.tensor([0], { dtype: 'int32' })],
          fl.tensor([1], { dtype: 'int32' }),
        );
      } finally {
        assert.deepEqual(x.toArray(), [0, 0, 0]);
      }
    },
  },
  {
    id: 'indexPut/indices-not-an-array',
    expect: { throws: 'ArgumentError', match: /indexPut_/ },
    run: ({ fl }) => fl.zeros([3]).indexPut_(any(fl.tensor([0], { dtype: 'int32' })), fl.ones([1])),
  },
  {
    id: 'maskedFill_/1-d-value',
    expect: { throws: 'ShapeError', match: /only a 0-d value tensor/ },
    run: ({ fl }) => fl.zeros([3]).maskedFill_(fl.tensor([true, false, true]), fl.ones([3])),
  },
  {
    id: 'maskedSelect/int-mask',
    expect: { throws: 'DTypeError', match: /mask must be a bool tensor, got int32/ },
    run: ({ fl }) => fl.maskedSelect(fl.zeros([3]), fl.tensor([1, 0, 1], { dtype: 'int32' })),
  },
  {
    id: 'nonzero/options-not-an-object',
    expect: { throws: 'ArgumentError', match: /nonzero/ },
    run: ({ fl }) => fl.zeros([3]).nonzero(any(true)),
  },
  {
    id: 'nonzero/nan-counts-and-empty',
    expect: 'ok',
    run: ({ fl }) => {
      assert.deepEqual(fl.tensor([0, NaN, -0, 2]).nonzero().toArray(), [[1], [3]]);
      assert.deepEqual(fl.zeros([0, 3]).nonzero().shape, [0, 2]);
    },
  },
  {
    id: 'einsum/huge-equation-bounded-message',
    expect: { throws: 'ShapeError', match: /^einsum: operand 0 has 2 dims.{0,200}$/s },
    run: ({ fl }) => fl.einsum('i'.repeat(1_000_000), grid(fl)),
  },
  {
    id: 'einsum/bad-subscript',
    expect: { throws: 'ArgumentError', match: /invalid subscript '1'/ },
    run: ({ fl }) => fl.einsum('i1', grid(fl)),
  },
  {
    id: 'einsum/two-arrows',
    expect: { throws: 'ArgumentError', match: /more than one '->'/ },
    run: ({ fl }) => fl.einsum('ij->ij->i', grid(fl)),
  },
  {
    id: 'einsum/no-operands',
    expect: { throws: 'ArgumentError', match: /at least one operand/ },
    run: ({ fl }) => fl.einsum('i'),
  },
  {
    id: 'einsum/operand-not-a-tensor',
    expect: { throws: 'ArgumentError', match: /fl\.einsum/ },
    run: ({ fl }) => fl.einsum('i,i', fl.ones([2]), any([1, 2])),
  },
  {
    id: 'einsum/sizes-disagree',
    expect: { throws: 'ShapeError', match: /subscript j has size 4 in operand 1/ },
    run: ({ fl }) => fl.einsum('ij,jk', grid(fl), fl.ones([4, 2], { dtype: 'int32' })),
  },
  {
    id: 'einsum/matches-matmul',
    expect: 'ok',
    run: ({ fl }) => {
      const a = fl.arange(6).reshape([2, 3]);
      const b = fl.arange(12).reshape([3, 4]);
      assert.deepEqual(fl.einsum('ij,jk->ik', a, b).toArray(), a.matmul(b).toArray());
      assert.equal(fl.einsum('ii', fl.eye(3)).item(), 3);
    },
  },
];
