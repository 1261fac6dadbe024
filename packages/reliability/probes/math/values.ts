/** Values, shapes, dtypes and typed errors at the edges (issue 15): PyTorch 1.13's answers. */
import assert from 'node:assert/strict';
import type { Probe } from '../../src/probe.js';
import { close, values } from './util.js';

export const valuesAndShapes: Probe[] = [
  {
    id: 'value/clamp-nan-bounds',
    expect: 'ok',
    run: ({ fl }) => {
      const x = fl.tensor([1, 5, NaN]);
      close(values(x.clamp(NaN, 2)), [NaN, NaN, NaN], 'NaN min with a max');
      close(values(x.clamp(0, NaN)), [NaN, NaN, NaN], 'NaN max with a min');
      close(values(x.clamp(NaN)), [1, 5, NaN], 'a lone NaN bound is ignored');
      close(values(x.clamp(fl.tensor([NaN, 0, 0]), fl.tensor(2))), [NaN, 2, NaN], 'tensor bounds');
      close(values(fl.tensor([1, 5, -3]).clamp(3, 2)), [2, 2, 2], 'min > max gives max');
    },
  },
  {
    id: 'value/sign-nan-and-zero',
    expect: 'ok',
    run: ({ fl }) => {
      const s = values(fl.tensor([NaN, -0, 0, -Infinity], { dtype: 'float64' }).sign());
      close(s, [0, 0, 0, -1], 'sign');
      assert.ok(Object.is(s[1], 0), 'sign(−0) is +0');
    },
  },
  {
    id: 'value/pow-scalar-special-cases',
    expect: 'ok',
    run: ({ fl }) => {
      const x = fl.tensor([-Infinity, -0, 4, -1], { dtype: 'float64' });
      const half = values(x.pow(0.5));
      close(half, [NaN, -0, 2, NaN], 'x^0.5 is sqrt');
      assert.ok(Object.is(half[1], -0), '(−0)^0.5 is −0');
      close(values(x.pow(-0.5)), [NaN, -Infinity, 0.5, NaN], 'x^-0.5 is rsqrt');
      close(
        values(
          fl.tensor([-Infinity], { dtype: 'float64' }).pow(fl.tensor(0.5, { dtype: 'float64' })),
        ),
        [Infinity],
        'tensor exponent: C pow',
      );
      close(
        values(fl.tensor([1, -1, NaN]).pow(fl.tensor([NaN, Infinity, 0]))),
        [1, 1, 1],
        'C pow specials',
      );
    },
  },
  {
    id: 'shape/chunk-empty-dim',
    expect: 'ok',
    run: ({ fl }) => {
      const parts = fl.zeros([0]).chunk(3, 0);
      assert.equal(parts.length, 3);
      for (const p of parts) assert.deepEqual([...p.shape], [0]);
      assert.equal(fl.zeros([2, 0]).chunk(3, 1).length, 3);
    },
  },
  {
    id: 'shape/repeat-tile-then-view',
    expect: 'ok',
    run: ({ fl }) => {
      const x = fl.tensor([1, 2, 3]);
      close(values(x.repeat(2, 1).view([6])), [1, 2, 3, 1, 2, 3], 'repeat');
      close(values(x.tile([2]).view([-1])), [1, 2, 3, 1, 2, 3], 'tile');
      const same = x.repeat(1);
      same.add_(10); // a copy, never a view of x
      close(values(x), [1, 2, 3], 'x after writing into repeat(1)');
    },
  },
  {
    id: 'dtype/square-bool',
    expect: 'ok',
    run: ({ fl }) => {
      const y = fl.tensor([true, false]).square();
      assert.equal(y.dtype, 'int32');
      close(values(y), [1, 0], 'square(bool)');
    },
  },
  {
    id: 'value/logsumexp-empty-dim',
    expect: 'ok',
    run: ({ fl }) => {
      close(values(fl.zeros([2, 0]).logsumexp(1)), [-Infinity, -Infinity], 'empty dim');
      close(values(fl.zeros([0, 3]).logsumexp([0, 1])), [-Infinity], 'empty dims');
    },
  },
  {
    id: 'shape/index-select-0d',
    expect: 'ok',
    run: ({ fl }) => {
      const y = fl.tensor(5).indexSelect(0, [0]);
      assert.deepEqual([...y.shape], []);
      close(values(y), [5], '0-d');
      close(
        values(fl.tensor(5).indexSelect(-1, fl.tensor([0], { dtype: 'int32' }))),
        [5],
        'dim −1',
      );
    },
  },
  {
    id: 'shape/index-select-0d-out-of-range',
    expect: { throws: 'ShapeError', match: /indexSelect/ },
    run: ({ fl }) => fl.tensor(5).indexSelect(0, [1]),
  },
  {
    id: 'shape/index-select-0d-two-indices',
    expect: { throws: 'ShapeError', match: /indexSelect.*one-element/ },
    run: ({ fl }) => fl.tensor(5).indexSelect(0, [0, 0]),
  },
  {
    id: 'shape/gather-0d-out-of-range',
    expect: { throws: 'ShapeError', match: /gather: index 1 is out of bounds .* size 1/ },
    run: ({ fl }) => fl.tensor(2).gather(0, fl.tensor(1, { dtype: 'int32' })),
  },
  {
    id: 'shape/scatter-add-0d-out-of-range',
    expect: { throws: 'ShapeError', match: /scatterAdd: index 1 is out of bounds/ },
    run: ({ fl }) => fl.tensor(2).scatterAdd(0, fl.tensor(1, { dtype: 'int32' }), fl.tensor(3)),
  },
  {
    id: 'shape/scatter-add-0d',
    expect: 'ok',
    run: ({ fl }) =>
      close(
        values(fl.tensor(2).scatterAdd(0, fl.tensor(0, { dtype: 'int32' }), fl.tensor(3))),
        [5],
        '0-d',
      ),
  },
  {
    id: 'dtype/cat-promotes-over-empty',
    expect: 'ok',
    run: ({ fl }) => {
      const ints = fl.tensor([1, 2], { dtype: 'int32' });
      assert.equal(fl.cat([ints, fl.zeros([0])]).dtype, 'float32', 'legacy 1-D empty');
      const row = fl.tensor([[1, 2]], { dtype: 'int32' });
      assert.equal(fl.cat([row, fl.zeros([0, 2], { dtype: 'float64' })]).dtype, 'float64');
      const empty = fl.cat([fl.zeros([0], { dtype: 'int32' }), fl.zeros([0])]);
      assert.equal(empty.dtype, 'float32');
      assert.deepEqual([...empty.shape], [0]);
    },
  },
  {
    id: 'error/int-pow-negative-exponent',
    expect: { throws: 'DTypeError', match: /pow.*int32.*-1/ },
    run: ({ fl }) => fl.tensor([2, 3], { dtype: 'int32' }).pow(-1),
  },
  {
    id: 'value/int-pow-negative-tensor-exponent',
    expect: 'ok',
    // torch raises only for a number exponent; a tensor one computes 2^-1 = 0, 1^-1 = 1.
    run: ({ fl }) => {
      const e = fl.tensor([-1, -1, -2], { dtype: 'int32' });
      close(values(fl.tensor([2, 1, -1], { dtype: 'int32' }).pow(e)), [0, 1, 1], 'int ** tensor');
    },
  },
  {
    id: 'error/int-remainder-by-zero-tensor',
    expect: { throws: 'DTypeError', match: /remainder.*int32.*0/ },
    run: ({ fl }) =>
      fl.tensor([2, 3], { dtype: 'int32' }).remainder(fl.tensor([1, 0], { dtype: 'int32' })),
  },
  {
    id: 'error/int-remainder-by-zero-number',
    expect: { throws: 'DTypeError', match: /remainder/ },
    run: ({ fl }) => fl.tensor([2, 3], { dtype: 'int32' }).remainder(0),
  },
  {
    id: 'value/float-remainder-by-zero',
    expect: 'ok',
    run: ({ fl }) => close(values(fl.tensor([2, 3]).remainder(0)), [NaN, NaN], 'float % 0'),
  },
];
