/**
 * Pooling as composites over the same unfolded windows as convolution: max takes the first
 * maximum of each window, or its last NaN (so its gradient goes to that element, as torch's
 * does), or runs the backend's fused `maxPool2d` with a scatter of the gradient to its indices;
 * average sums and divides by torch's count. The 1-d forms pool [N,C,L] as [N,C,1,L] with a
 * 1 × k kernel. Adaptive average pooling gathers its windows of differing sizes (adaptive.ts).
 */
import { ShapeError, fmtShape } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { tidy } from '../../scope.js';
import { upload, zeros } from '../../ops/creation.js';
import { exec, execOverride } from '../../ops/dispatch.js';
import { where } from '../../ops/elementwise.js';
import { overridesEnabled } from '../../ops/reduce.js';
import { isFloat, typedArrayFor } from '../../dtype.js';
import { sizeOf } from '../../shape.js';
import type { GradRule } from '../../autograd/node.js';
import type { Pool2dParams } from '../../backend/types.js';
import { expectRank, ntuple, type SpatialArg } from './args.js';
import { adaptiveAverage } from './adaptive.js';
import {
  type PoolAxis,
  type PoolSpec,
  planes,
  poolAxes,
  poolWindows,
  spec1d,
  spec2d,
} from './pool-axes.js';

/** Options of `F.maxPool2d` (torch's keyword arguments, camelCase). */
export interface MaxPool2dOptions {
  /** Step between windows (default: the kernel size). */
  stride?: SpatialArg | null;
  /** Implicit −∞ padding per side, at most half the kernel (default 0). */
  padding?: SpatialArg;
  /** Spacing between window taps (default 1). */
  dilation?: SpatialArg;
  /**
   * Use ⌈⌉ instead of ⌊⌋ for the output size, so partial windows at the end count (torch's rule:
   * the last window must start inside the input or the left padding).
   */
  ceilMode?: boolean;
  /**
   * Also return, as int32, the index of each maximum within its input H·W plane (h·W + w), as
   * torch's `return_indices` (default false).
   */
  returnIndices?: boolean;
}

/** maxPool1d takes the same options, each a number (or a one-element array). */
export type MaxPool1dOptions = MaxPool2dOptions;

/** torch's avg_pool1d options (no divisor override). */
export interface AvgPool1dOptions {
  /** Step between windows (default: the kernel size). */
  stride?: SpatialArg | null;
  /** Implicit zero padding per side, at most half the kernel (default 0). */
  padding?: SpatialArg;
  /** Use ⌈⌉ for the output length; the last window may overhang the end (see avgPool2d). */
  ceilMode?: boolean;
  /** Count zero padding in the divisor (default true, as torch). */
  countIncludePad?: boolean;
}

/** Options of `F.avgPool2d` (torch's keyword arguments, camelCase). */
export interface AvgPool2dOptions {
  /** Step between windows (default: the kernel size). */
  stride?: SpatialArg | null;
  /** Implicit zero padding per side, at most half the kernel (default 0). */
  padding?: SpatialArg;
  /** Round the output size up, so a partial window at the end counts (default false). */
  ceilMode?: boolean;
  /** Count zero padding in the divisor (default true, as torch). */
  countIncludePad?: boolean;
  /** Divide every window by this instead of its size. */
  divisorOverride?: number | null;
}

/** Accept [C,H,W] like torch by adding and removing a batch dim. */
function batched(op: string, x: Tensor, fn: (x4: Tensor) => Tensor): Tensor {
  expectRank(op, x, [3, 4], 'input of shape [N,C,H,W] or [C,H,W]');
  return x.ndim === 3 ? tidy(() => fn(x.unsqueeze(0)).squeeze(0)) : fn(x);
}

/** Max pooling of the planes of x under `sp`; values, and indices when asked for. */
function maxPoolAs(
  op: string,
  x: Tensor,
  sp: PoolSpec,
  withIndices: boolean,
): Tensor | [Tensor, Tensor] {
  const pl = planes(op, x);
  return tidy(() => {
    const [h, w] = poolAxes(op, pl.x4, sp, x.shape);
    const [values, indices] =
      fusedMaxPool2d(pl.x4, h, w, sp.ceilMode) ?? maxPoolComposite(pl.x4, h, w, withIndices);
    return withIndices ? [pl.back(values), pl.back(indices!)] : pl.back(values);
  });
}

/**
 * 2-D max pooling over x [N,C,H,W] or [C,H,W]; with `returnIndices`, `[values, indices]`.
 * @example
 * nn.F.maxPool2d(fl.randn([1, 3, 28, 28]), 2).shape; // [1, 3, 14, 14]
 * const [y, idx] = nn.F.maxPool2d(fl.randn([1, 1, 4, 4]), 2, { returnIndices: true });
 */
export function maxPool2d(
  x: Tensor,
  kernelSize: SpatialArg,
  opts: MaxPool2dOptions & { returnIndices: true },
): [Tensor, Tensor];
export function maxPool2d(
  x: Tensor,
  kernelSize: SpatialArg,
  opts?: MaxPool2dOptions & { returnIndices?: false },
): Tensor;
export function maxPool2d(
  x: Tensor,
  kernelSize: SpatialArg,
  opts: MaxPool2dOptions,
): Tensor | [Tensor, Tensor];
export function maxPool2d(
  x: Tensor,
  kernelSize: SpatialArg,
  opts: MaxPool2dOptions = {},
): Tensor | [Tensor, Tensor] {
  const sp = spec2d('maxPool2d', kernelSize, opts);
  return maxPoolAs('maxPool2d', x, sp, opts.returnIndices ?? false);
}

/**
 * 1-D max pooling over x [N,C,L] or [C,L]; with `returnIndices`, `[values, indices]` (each
 * index is the position along L, as torch's).
 * @example
 * nn.F.maxPool1d(fl.tensor([[[1, 3, 2, 5, 4]]]), 2, { ceilMode: true }).toArray(); // [[[3, 5, 4]]]
 */
export function maxPool1d(
  x: Tensor,
  kernelSize: SpatialArg,
  opts: MaxPool1dOptions & { returnIndices: true },
): [Tensor, Tensor];
export function maxPool1d(
  x: Tensor,
  kernelSize: SpatialArg,
  opts?: MaxPool1dOptions & { returnIndices?: false },
): Tensor;
export function maxPool1d(
  x: Tensor,
  kernelSize: SpatialArg,
  opts: MaxPool1dOptions = {},
): Tensor | [Tensor, Tensor] {
  const sp = spec1d('maxPool1d', kernelSize, opts);
  return maxPoolAs('maxPool1d', x, sp, opts.returnIndices ?? false);
}

function maxPoolComposite(
  x: Tensor,
  h: PoolAxis,
  w: PoolAxis,
  withIndices: boolean,
): [Tensor, Tensor | null] {
  const [n, c] = x.shape as [number, number];
  const shape = [n, c, h.out, w.out];
  const { values, indices } = windowMax(poolWindows(x, h, w, -Infinity));
  if (!withIndices) return [values.reshape(shape), null];
  const table = planeIndex(x, h, w);
  const taps = h.kernel * w.kernel;
  const full = table.reshape([1, h.out * w.out, taps]).expand([n * c, h.out * w.out, taps]);
  const picked = exec(
    'gather',
    [full, indices.unsqueeze(2)],
    [2],
    [n * c, h.out * w.out, 1],
    'int32',
  );
  return [values.reshape(shape), picked.reshape(shape)];
}

/**
 * torch's choice in each window of win [R, L, K]: the first maximum, except that the last NaN
 * wins when the window holds any (its CPU loop takes `v > best || isnan(v)`), so the gradient
 * goes to that NaN.
 */
export function windowMax(win: Tensor): { values: Tensor; indices: Tensor } {
  if (!isFloat(win.dtype)) return win.max(2);
  const [r, l, k] = win.shape as [number, number, number];
  const nan = win.isnan();
  const lastNaN = nan
    .flip(2)
    .argmax(2)
    .neg()
    .add(k - 1);
  const indices = where(nan.any(2), lastNaN, win.argmax(2));
  // In range by construction: the public gather's range check would only cost time.
  const values = exec('gather', [win, indices.unsqueeze(2)], [2], [r, l, 1], win.dtype, {
    gradParams: { axis: 2 },
  });
  return { values: values.squeeze(2), indices };
}

/**
 * [L, K] int32: the plane index h·W + w of each window's taps. A tap in the padding gets the
 * window's first in-bounds position, which is where torch puts the max of an all −∞ window.
 */
function planeIndex(x: Tensor, h: PoolAxis, w: PoolAxis): Tensor {
  const rows = axisTaps(h);
  const cols = axisTaps(w);
  const k = h.kernel * w.kernel;
  const table = new Int32Array(h.out * w.out * k);
  for (let i = 0; i < h.out; i++)
    for (let j = 0; j < w.out; j++) {
      const r = rows[i]!;
      const s = cols[j]!;
      const fallback = Math.max(0, r.first) * w.input + Math.max(0, s.first);
      const base = (i * w.out + j) * k;
      for (let a = 0; a < h.kernel; a++)
        for (let b = 0; b < w.kernel; b++) {
          const hh = r.taps[a]!;
          const ww = s.taps[b]!;
          table[base + a * w.kernel + b] = hh >= 0 && ww >= 0 ? hh * w.input + ww : fallback;
        }
    }
  return upload(table, [h.out * w.out, k], 'int32', x.device);
}

/** Input position of each tap of each window along one axis (−1 outside), and the first valid one. */
function axisTaps(a: PoolAxis): { taps: number[]; first: number }[] {
  return Array.from({ length: a.out }, (_, i) => {
    const taps = Array.from({ length: a.kernel }, (_, t) => {
      const pos = i * a.stride - a.pad + t * a.dilation;
      return pos >= 0 && pos < a.input ? pos : -1;
    });
    return { taps, first: taps.find((t) => t >= 0) ?? -1 };
  });
}

/** Closed-form gradient of the fused max pool: g scattered to the saved argmax positions. */
const maxPoolRule: GradRule<never> = {
  grad: (g, c) => {
    const shape = c.shapes[0]!;
    const [n, ch] = shape as [number, number];
    const plane = sizeOf(shape.slice(2));
    const z = zeros([n, ch, plane], { dtype: c.dtypes[0], device: g.device });
    const idx = c.aux[0]!.reshape([n, ch, -1]);
    const src = g.to(c.dtypes[0]!).reshape([n, ch, -1]);
    const gx = exec('scatterAdd', [z, idx, src], [2], z.shape, z.dtype, {
      gradParams: { axis: 2 },
    });
    return [gx.reshape(shape)];
  },
};

/** The backend's fused max pool (values and indices), when it has one for this input; else null. */
function fusedMaxPool2d(x: Tensor, h: PoolAxis, w: PoolAxis, ceilMode: boolean): Tensor[] | null {
  const kernel = overridesEnabled() ? x.storage.backend.overrides?.maxPool2d : undefined;
  if (!kernel || !isFloat(x.dtype) || x.size === 0) return null;
  // A kernel longer than the padded input (possible only in ceil mode) is left to the composite:
  // the backends' kernels size such an axis as empty rather than as torch's one overhanging window.
  if ([h, w].some((a) => a.input + 2 * a.pad < a.dilation * (a.kernel - 1) + 1)) return null;
  const p: Pool2dParams = {
    kernel: [h.kernel, w.kernel],
    stride: [h.stride, w.stride],
    padding: [h.pad, w.pad],
    dilation: [h.dilation, w.dilation],
    ceilMode,
  };
  const shape = [x.shape[0]!, x.shape[1]!, h.out, w.out];
  const outs = [
    { shape, dtype: x.dtype },
    { shape, dtype: 'int32' as const },
  ];
  return execOverride('maxPool2d', (v) => kernel(v[0]!, p), maxPoolRule, [x], outs);
}

/** torch's divisor of each window along one axis: its length clipped to the padded (or real) input. */
function windowLengths(a: PoolAxis, includePad: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.out; i++) {
    const start = i * a.stride - a.pad;
    const end = Math.min(start + a.kernel, a.input + a.pad);
    out.push(includePad ? end - start : Math.min(end, a.input) - Math.max(start, 0));
  }
  return out;
}

/** The divisor per output pixel: a number when all windows agree, else an [OH·OW] tensor. */
function avgDivisor(
  op: string,
  x: Tensor,
  h: PoolAxis,
  w: PoolAxis,
  o: AvgPool2dOptions,
): number | Tensor {
  if (o.divisorOverride !== undefined && o.divisorOverride !== null) {
    if (!Number.isInteger(o.divisorOverride) || o.divisorOverride === 0)
      throw new ShapeError(
        `${op}: divisorOverride must be a non-zero integer, got ${o.divisorOverride}`,
      );
    return o.divisorOverride;
  }
  const include = o.countIncludePad ?? true;
  const hl = windowLengths(h, include);
  const wl = windowLengths(w, include);
  const counts = hl.flatMap((a) => wl.map((b) => a * b));
  if (counts.every((v) => v === counts[0])) return counts[0]!;
  const data = typedArrayFor(x.dtype, counts.length);
  data.set(counts);
  return upload(data, [counts.length], x.dtype, x.device);
}

/** Average pooling of the planes of x under `sp` (no dilation: torch's avg pools have none). */
function avgPoolAs(op: string, x: Tensor, sp: PoolSpec, opts: AvgPool2dOptions): Tensor {
  const pl = planes(op, x);
  return tidy(() => {
    const [h, w] = poolAxes(op, pl.x4, sp, x.shape);
    const sums = poolWindows(pl.x4, h, w, 0).sum(2);
    const [n, c] = pl.x4.shape as [number, number];
    // torch adds each window's mean into a zeroed output, so a zero mean is +0, never −0.
    const means = sums.div(avgDivisor(op, pl.x4, h, w, opts)).add(0);
    return pl.back(means.reshape([n, c, h.out, w.out]));
  });
}

/**
 * 2-D average pooling over x [N,C,H,W] or [C,H,W] (torch's count_include_pad by default).
 * @example
 * nn.F.avgPool2d(fl.ones([1, 1, 4, 4]), 2).toArray(); // [[[[1, 1], [1, 1]]]]
 */
export function avgPool2d(x: Tensor, kernelSize: SpatialArg, opts: AvgPool2dOptions = {}): Tensor {
  const sp = spec2d('avgPool2d', kernelSize, { ...opts, dilation: 1 });
  return avgPoolAs('avgPool2d', x, sp, opts);
}

/**
 * 1-D average pooling over x [N,C,L] or [C,L] (torch's count_include_pad by default).
 * @example
 * nn.F.avgPool1d(fl.tensor([[[1, 2, 3, 4, 5]]]), 2, { ceilMode: true }).toArray(); // [[[1.5, 3.5, 5]]]
 */
export function avgPool1d(x: Tensor, kernelSize: SpatialArg, opts: AvgPool1dOptions = {}): Tensor {
  const sp = spec1d('avgPool1d', kernelSize, { ...opts, dilation: 1 });
  return avgPoolAs('avgPool1d', x, sp, { countIncludePad: opts.countIncludePad });
}

/**
 * Average pooling to a fixed output size (null keeps that dim), x [N,C,H,W] or [C,H,W].
 * @example
 * nn.F.adaptiveAvgPool2d(fl.randn([2, 8, 7, 7]), 1).shape; // [2, 8, 1, 1]
 */
export function adaptiveAvgPool2d(
  x: Tensor,
  outputSize: number | readonly (number | null)[],
): Tensor {
  return batched('adaptiveAvgPool2d', x, (x4) => {
    const [height, width] = x4.shape.slice(2) as [number, number];
    const raw = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize.slice();
    const [oh, ow] = ntuple(
      'adaptiveAvgPool2d',
      'outputSize',
      [raw[0] ?? height, raw[1] ?? width],
      2,
    );
    if (height === 0 || width === 0)
      throw new ShapeError(
        `adaptiveAvgPool2d: input of shape ${fmtShape(x4.shape)} has an empty spatial dim`,
      );
    // Also for equal windows: avgPool2d would round sum / (kh·kw) where torch rounds sum / kh / kw.
    return adaptiveAverage(x4, oh!, ow!);
  });
}
