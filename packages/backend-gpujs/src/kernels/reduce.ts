/**
 * Reductions on the device. Core hands over contiguous inputs; the reduced axes are first moved
 * last (a strided copy, skipped when they already are), so every kernel reduces rows of `n`
 * adjacent elements: output o reads x[off + o·n … off + o·n + n − 1].
 */
import type { ReducePrim } from '@flint/core/backend';

// max/min start from the row's first element (gpu.js writes `Infinity` as FLT_MAX on WebGL, so
// ±Infinity cannot seed them; core rejects max/min of an empty row). NaN propagates at once;
// between zeros the max prefers +0 and the min −0.
const FOLD: Record<ReducePrim, { init: string; from: number; step: string }> = {
  // sums start at +0 as torch's do (the sum of −0s is +0)
  sum: { init: '0', from: 0, step: 'acc += v;' },
  prod: { init: '1', from: 0, step: 'acc = acc * v;' },
  max: {
    init: 'x[base]',
    from: 1,
    step: 'if (v > acc) { acc = v; } if (v === 0 && acc === 0) { acc = acc + v; }',
  },
  min: {
    init: 'x[base]',
    from: 1,
    step: 'if (v < acc) { acc = v; } if (v === 0 && acc === 0) { acc = -((-acc) + (-v)); }',
  },
};

export const reduceSrc = (p: ReducePrim): string => `function(x, xo, n) {
  if (n === 0) { return ${p === 'prod' ? 1 : 0}; }
  const base = xo + this.thread.x * n;
  let acc = ${FOLD[p].init};
  ${p === 'max' || p === 'min' ? 'if (acc !== acc) { return acc; }' : ''}
  for (let j = ${FOLD[p].from}; j < n; j++) {
    const v = x[base + j];
    ${p === 'max' || p === 'min' ? 'if (v !== v) { return v; }' : ''}
    ${FOLD[p].step}
  }
  return acc;
}`;

/**
 * Inclusive prefix sum along an axis of length L with `inner` elements after it: output
 * (o, j, i) sums x[(o, k, i)] for k ≤ j.
 */
export const CUMSUM_SRC = `function(x, xo, L, inner) {
  const i = this.thread.x;
  const inn = i % inner;
  const oj = Math.floor(i / inner);
  const j = oj % L;
  const base = xo + (oj - j) * inner + inn;
  let acc = 0;
  for (let k = 0; k <= j; k++) {
    acc += x[base + k * inner];
  }
  return acc;
}`;
