/**
 * Fused overrides on the device (DESIGN §2, tier 3): softmax and logSoftmax as three passes
 * (row shift, row sum of exponentials, normalise) instead of the composite's five tensors,
 * crossEntropy from the same row statistics; conv2d in conv.ts, the optimizer steps in
 * optimizers.ts. Semantics match the CPU backend's overrides:
 * a NaN in a row gives a NaN row, an all −∞ row gives NaN, −∞ entries give 0 (or −∞).
 */
import { BackendError, sizeOf } from '@flint/core/backend';
import type { KView, Overrides } from '@flint/core/backend';
import type { GBuf } from '../storage.js';
import { classTargets } from '../webgpu-host.js';
import { convOverrides } from './conv.js';
import { optimizerOverrides } from './optimizers.js';
import { poolOverrides } from './pool.js';
import type { Device } from './table.js';

type V = KView<GBuf>;

/**
 * Per row of n (≥ 1): the max (NaN if any NaN), or 0 for an all −∞ row, as the shift. Seeded
 * with the first element: gpu.js writes `Infinity` as FLT_MAX on WebGL.
 */
const ROW_SHIFT_SRC = `function(x, xo, n) {
  const base = xo + this.thread.x * n;
  let m = x[base];
  for (let k = 0; k < n; k++) {
    const v = x[base + k];
    if (v !== v) { return v; }
    if (v > m) { m = v; }
  }
  if (m < -3.4028234663852886e38) { return 0; }
  return m;
}`;

// A NaN difference (∞ − ∞ in a row holding +∞) must stay NaN: shader exp(NaN) is ∞ and shader
// log(NaN) a finite number, so each kernel returns the NaN itself before exp or log sees it.
const ROW_SUM_SRC = `function(x, xo, n, sh) {
  const s = sh[this.thread.x];
  const base = xo + this.thread.x * n;
  let acc = 0;
  for (let k = 0; k < n; k++) {
    const t = x[base + k] - s;
    if (t !== t) { return t; }
    acc += Math.exp(t);
  }
  return acc;
}`;

const SOFTMAX_SRC = `function(x, xo, n, sh, sm) {
  const row = Math.floor(this.thread.x / n);
  const t = x[xo + this.thread.x] - sh[row];
  const s = sm[row];
  if (t !== t || s !== s) { return t + s; }
  return Math.exp(t) / s;
}`;

const LOG_SOFTMAX_SRC = `function(x, xo, n, sh, sm, inf) {
  const row = Math.floor(this.thread.x / n);
  const t = x[xo + this.thread.x] - sh[row];
  const s = sm[row];
  if (t !== t || s !== s) { return t + s; }
  if (s === 0) { return t + inf; }
  return t - Math.log(s);
}`;

const CE_SRC = `function(x, xo, n, sh, sm, t, to, ign, inf) {
  const ti = t[to + this.thread.x];
  if (ti === ign) { return 0; }
  const d = x[xo + this.thread.x * n + ti] - sh[this.thread.x];
  const s = sm[this.thread.x];
  if (d !== d || s !== s) { return d + s; }
  if (s === 0) { return -(d + inf); }
  return -(d - Math.log(s));
}`;

/** `x` with `axis` moved last, contiguous (a copy unless it already is last). */
function axisLast(
  d: Device,
  x: V,
  axis: number,
  temps: GBuf[],
): { data: unknown; off: number; n: number } {
  const n = x.shape[axis] ?? 1;
  if (axis === x.shape.length - 1 || x.shape.length === 0) {
    const [data, off] = d.flat(x, temps);
    return { data, off, n };
  }
  const order = [...x.shape.keys()].filter((i) => i !== axis).concat(axis);
  const c = d.strided({
    ...x,
    shape: order.map((i) => x.shape[i]!),
    strides: order.map((i) => x.strides[i]!),
  });
  temps.push(c);
  return { data: d.s.dev(c), off: 0, n };
}

/** Row shift and sum of exponentials of the rows of n. */
function rowStats(d: Device, data: unknown, off: number, n: number, rows: number, temps: GBuf[]) {
  const sh = d.out('float32', 'rowShift', ROW_SHIFT_SRC, rows, [data, off, n]);
  temps.push(sh);
  const sm = d.out('float32', 'rowSumExp', ROW_SUM_SRC, rows, [data, off, n, d.s.dev(sh)]);
  temps.push(sm);
  return [d.s.dev(sh), d.s.dev(sm)] as const;
}

function softmaxLike(d: Device, log: boolean) {
  return (x: V, axis: number): GBuf => {
    if (x.dtype !== 'float32')
      throw new BackendError(
        `gpujs: ${log ? 'logSoftmax' : 'softmax'} needs float32, got ${x.dtype}`,
      );
    const size = sizeOf(x.shape);
    const temps: GBuf[] = [];
    try {
      const { data, off, n } = axisLast(d, x, axis, temps);
      if (size === 0 || n === 0)
        return d.out('float32', 'fill', 'function(v) { return v; }', size, [0]);
      const [sh, sm] = rowStats(d, data, off, n, size / n, temps);
      const key = log ? 'logSoftmax' : 'softmax';
      const args = [data, off, n, sh, sm, ...(log ? [Infinity] : [])];
      const y = d.out('float32', key, log ? LOG_SOFTMAX_SRC : SOFTMAX_SRC, size, args);
      if (axis === x.shape.length - 1 || x.shape.length === 0) return y;
      temps.push(y);
      // move the axis back: y is x's shape with `axis` last
      const r = x.shape.length;
      const ys = x.shape.filter((_, i) => i !== axis).concat(n);
      const ystr = new Array<number>(r);
      for (let i = r - 1, s = 1; i >= 0; s *= ys[i]!, i--) ystr[i] = s;
      const back = [...x.shape.keys()].map((i) => (i < axis ? i : i === axis ? r - 1 : i - 1));
      return d.strided({
        buf: y,
        dtype: 'float32',
        shape: [...x.shape],
        strides: back.map((j) => ystr[j]!),
        offset: 0,
      });
    } finally {
      d.free(temps);
    }
  };
}

function crossEntropy(d: Device) {
  return (logits: V, target: V, ignoreIndex: number): GBuf => {
    if (logits.dtype !== 'float32' || target.dtype !== 'int32')
      throw new BackendError(
        `gpujs: crossEntropy needs float32 logits and int32 targets, got ${logits.dtype}, ${target.dtype}`,
      );
    const [n, classes] = logits.shape as [number, number];
    // targets as float32 device data, checked (on WebGPU possibly by a queued job)
    const tb = classTargets(d.s, target, n, classes, ignoreIndex);
    const temps: GBuf[] = [tb];
    try {
      const [data, off] = d.flat(logits, temps);
      if (n === 0) return d.out('float32', 'fill', 'function(v) { return v; }', 0, [0]);
      const [sh, sm] = rowStats(d, data, off, classes, n, temps);
      return d.out('float32', 'crossEntropy', CE_SRC, n, [
        data,
        off,
        classes,
        sh,
        sm,
        d.s.dev(tb),
        0,
        -1,
        Infinity,
      ]);
    } finally {
      d.free(temps);
    }
  };
}

export function overrideTable(d: Device): Overrides<GBuf> {
  return {
    softmax: softmaxLike(d, false),
    logSoftmax: softmaxLike(d, true),
    crossEntropy: crossEntropy(d),
    ...optimizerOverrides(d),
    ...convOverrides(d),
    // WebGPU keeps the composite: its int32 results must be host values a queued job fills
    ...(d.s.rt.async ? {} : poolOverrides(d)),
  };
}
