/**
 * Reductions on the device. The reduced axes are moved last (a view), so every kernel reduces
 * rows of `n` elements: output o reads x[off + o·t + j·s] for j < n. When the kept axes and the
 * reduced axes each collapse to one stride (`rowStrides`: every plain or transposed 2-D case,
 * e.g. the column sums of a bias gradient) the kernel reads the view in place; otherwise the
 * view is copied contiguous first (t = n, s = 1).
 */
import type { KView, ReducePrim } from '@flint/core/backend';

/**
 * The one stride of a run of dims that is row-major within itself (size-1 dims skipped;
 * stride 0, a broadcast run, included), or null.
 */
function runStride(shape: readonly number[], strides: readonly number[]): number | null {
  let s: number | null = null;
  let span = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] === 1) continue;
    if (s === null) s = strides[d]!;
    else if (strides[d] !== s * span) return null;
    span *= shape[d]!;
  }
  return s ?? 1;
}

/** [t, s] for a view whose first `kept` dims are kept and the rest reduced, or null. */
export function rowStrides(v: KView<unknown>, kept: number): [number, number] | null {
  const t = runStride(v.shape.slice(0, kept), v.strides.slice(0, kept));
  const s = runStride(v.shape.slice(kept), v.strides.slice(kept));
  return t === null || s === null ? null : [t, s];
}

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

export const reduceSrc = (p: ReducePrim): string => `function(x, xo, n, t, s) {
  if (n === 0) { return ${p === 'prod' ? 1 : 0}; }
  const base = xo + this.thread.x * t;
  let acc = ${FOLD[p].init};
  ${p === 'max' || p === 'min' ? 'if (acc !== acc) { return acc; }' : ''}
  for (let j = ${FOLD[p].from}; j < n; j++) {
    const v = x[base + j * s];
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
