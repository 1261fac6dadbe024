/** Item 8: the special values of every reduction and the softmax family (torch's answers). */
import assert from 'node:assert/strict';
import type { Probe } from '../../src/probe.js';
import { close, values } from './util.js';

export const reductions: Probe[] = [
  {
    id: 'reduce/sum-cumsum-negative-zeros',
    expect: 'ok',
    run: ({ fl }) => {
      const z = fl.tensor([-0, -0], { dtype: 'float64' });
      assert.ok(Object.is(values(z.sum())[0], 0), 'sum of −0s is +0');
      assert.ok(
        values(z.cumsum(0)).every((v) => Object.is(v, 0)),
        'cumsum of −0s is +0',
      );
      assert.ok(Object.is(values(z.prod())[0], 0), 'prod of two −0s is +0');
    },
  },
  {
    id: 'reduce/specials-per-row',
    expect: 'ok',
    run: ({ fl }) => {
      const x = fl.tensor([
        [NaN, 1, 2],
        [Infinity, 1, 2],
        [Infinity, -Infinity, 0],
      ]);
      close(values(x.sum(1)), [NaN, Infinity, NaN], 'sum');
      close(values(x.mean(1)), [NaN, Infinity, NaN], 'mean');
      close(values(x.prod(1)), [NaN, Infinity, NaN], 'prod');
      close(values(x.amax(1)), [NaN, Infinity, Infinity], 'amax');
      close(values(x.amin(1)), [NaN, 1, -Infinity], 'amin');
      close(values(x.argmax(1)), [0, 0, 0], 'argmax');
      close(values(x.argmin(1)), [0, 1, 1], 'argmin');
      close(values(x.var(1)), [NaN, NaN, NaN], 'var');
      close(
        values(x.logsumexp(1)),
        [NaN, Infinity, Infinity],
        'logsumexp (an infinite max shifts by 0)',
      );
      close(values(x.norm(2, 1)), [NaN, Infinity, Infinity], 'norm');
      close(
        values(x.cumsum(1)),
        [NaN, NaN, NaN, Infinity, Infinity, Infinity, Infinity, NaN, NaN],
        'cumsum',
      );
    },
  },
  {
    id: 'reduce/empty-slices',
    expect: 'ok',
    run: ({ fl }) => {
      const e = fl.zeros([2, 0]);
      close(values(e.sum(1)), [0, 0], 'sum');
      close(values(e.prod(1)), [1, 1], 'prod');
      close(values(e.mean(1)), [NaN, NaN], 'mean');
      close(values(e.var(1)), [NaN, NaN], 'var');
      close(values(e.norm(2, 1)), [0, 0], 'norm');
      close(values(e.norm(Infinity, 1)), [0, 0], 'norm ∞');
      close(values(e.logsumexp(1)), [-Infinity, -Infinity], 'logsumexp');
      assert.deepEqual([...e.softmax(1).shape], [2, 0]);
    },
  },
  {
    id: 'reduce/amax-empty-names-amax',
    expect: { throws: 'ShapeError', match: /^amax: .*empty/ },
    run: ({ fl }) => fl.zeros([2, 0]).amax(1),
  },
  {
    id: 'softmax/infinities-and-nan',
    expect: 'ok',
    run: ({ fl }) => {
      const x = fl.tensor([
        [Infinity, 0, 1],
        [-Infinity, -Infinity, -Infinity],
        [NaN, 0, 1],
        [-Infinity, 0, 0],
      ]);
      const nanRow = [NaN, NaN, NaN];
      close(values(x.softmax(1)), [...nanRow, ...nanRow, ...nanRow, 0, 0.5, 0.5], 'softmax');
      const ls = values(x.logSoftmax(1));
      close(ls.slice(0, 9), [...nanRow, ...nanRow, ...nanRow], 'logSoftmax NaN rows');
      close(ls.slice(9), [-Infinity, -Math.LN2, -Math.LN2], 'logSoftmax −∞ entry');
      // 64 entries reach the vectorised paths; exp(−100) is subnormal in float32 and must survive.
      const row = Array.from({ length: 64 }, (_, i) => (i % 2 ? -100 : 0));
      const s = values(fl.tensor(row).softmax(0));
      assert.ok(s[1]! > 0 && s[1]! < 1e-40, `softmax keeps the subnormal: ${s[1]}`);
    },
  },
  {
    id: 'softmax/cross-entropy-infinite-logit',
    expect: 'ok',
    run: ({ fl }) => {
      const logits = fl.tensor([
        [Infinity, 0, 1],
        [-Infinity, 0, 1],
        [1000, -1000, 0],
      ]);
      const target = fl.tensor([1, 2, 1], { dtype: 'int32' });
      const loss = fl.nn.functional.crossEntropy(logits, target, { reduction: 'none' });
      close(values(loss), [NaN, Math.log1p(Math.exp(-1)), 2000], 'crossEntropy', 1e-5);
    },
  },
];
