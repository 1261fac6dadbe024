/**
 * Pooling as composites over the same unfolded windows as convolution: max takes the first
 * maximum of each window (so its gradient goes to that element, as torch's does), or runs the
 * backend's fused `maxPool2d` with a scatter of the gradient to its indices; average sums
 * and divides by torch's count. Adaptive average pooling is two small matmuls with averaging
 * matrices, since its windows differ in size.
 */
import { ShapeError, fmtShape } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { tidy } from '../../scope.js';
import { upload, zeros } from '../../ops/creation.js';
import { exec, execOverride } from '../../ops/dispatch.js';
import { overridesEnabled } from '../../ops/reduce.js';
import { isFloat, typedArrayFor } from '../../dtype.js';
import { sizeOf } from '../../shape.js';
import type { GradRule } from '../../autograd/node.js';
import type { Pool2dParams } from '../../backend/types.js';
import { expectRank, ntuple, type SpatialArg, windowCount } from './args.js';
import { unfold, type WindowAxis } from './im2col.js';

export interface MaxPool2dOptions {
  /** Step between windows (default: the kernel size). */
  stride?: SpatialArg | null;
  /** Implicit −∞ padding per side, at most half the kernel (default 0). */
  padding?: SpatialArg;
  dilation?: SpatialArg;
  /** Use ⌈⌉ instead of ⌊⌋ for the output size, so partial windows at the end count. */
  ceilMode?: boolean;
  /**
   * Also return, as int32, the index of each maximum within its input H·W plane (h·W + w), as
   * torch's `return_indices` (default false).
   */
  returnIndices?: boolean;
}

export interface AvgPool2dOptions {
  stride?: SpatialArg | null;
  padding?: SpatialArg;
  ceilMode?: boolean;
  /** Count zero padding in the divisor (default true, as torch). */
  countIncludePad?: boolean;
  /** Divide every window by this instead of its size. */
  divisorOverride?: number | null;
}

interface PoolAxis extends WindowAxis {
  /** Input length without padding, and the padding before it. */
  input: number;
  pad: number;
}

/** Resolve the window of each spatial dim; pads the end too when ceil mode needs a partial window. */
function poolAxes(
  op: string,
  x: Tensor,
  kernelSize: SpatialArg,
  o: {
    stride?: SpatialArg | null;
    padding?: SpatialArg;
    dilation?: SpatialArg;
    ceilMode?: boolean;
  },
): [PoolAxis, PoolAxis] {
  const k = ntuple(op, 'kernelSize', kernelSize, 2);
  const s = o.stride === null || o.stride === undefined ? k : ntuple(op, 'stride', o.stride, 2);
  const p = ntuple(op, 'padding', o.padding ?? 0, 2, 0);
  const d = ntuple(op, 'dilation', o.dilation ?? 1, 2);
  if (p.some((pi, i) => 2 * pi > k[i]!))
    throw new ShapeError(
      `${op}: padding ${fmtShape(p)} must be at most half the kernel size ${fmtShape(k)}`,
    );
  const sizes = x.shape.slice(-2);
  return sizes.map((n, i) => {
    const out = windowCount(n, p[i]!, p[i]!, k[i]!, s[i]!, d[i]!, o.ceilMode ?? false);
    if (out < 1)
      throw new ShapeError(
        `${op}: kernel ${k.join('x')} (dilation ${d.join('x')}, padding ${p.join('x')}) does not fit input of shape ${fmtShape(x.shape)}`,
      );
    // Extent the windows actually read; ≥ n + p except in ceil mode, where the last one may overhang.
    const size = Math.max(n + 2 * p[i]!, (out - 1) * s[i]! + d[i]! * (k[i]! - 1) + 1);
    return { input: n, pad: p[i]!, size, kernel: k[i]!, stride: s[i]!, dilation: d[i]!, out };
  }) as [PoolAxis, PoolAxis];
}

/** Windows of every channel: x [N,C,H,W] → [N·C, L, K], padded with `fill`. */
function poolWindows(x: Tensor, h: PoolAxis, w: PoolAxis, fill: number): Tensor {
  const [n, c] = x.shape as [number, number];
  const planes = x.reshape([n * c, 1, h.input, w.input]);
  const widths = [w.pad, w.size - w.input - w.pad, h.pad, h.size - h.input - h.pad];
  return unfold(widths.some((v) => v > 0) ? planes.pad(widths, 'constant', fill) : planes, h, w);
}

/** Accept [C,H,W] like torch by adding and removing a batch dim. */
function batched(op: string, x: Tensor, fn: (x4: Tensor) => Tensor): Tensor {
  expectRank(op, x, [3, 4], 'input of shape [N,C,H,W] or [C,H,W]');
  return x.ndim === 3 ? tidy(() => fn(x.unsqueeze(0)).squeeze(0)) : fn(x);
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
  expectRank('maxPool2d', x, [3, 4], 'input of shape [N,C,H,W] or [C,H,W]');
  return tidy(() => {
    const x4 = x.ndim === 3 ? x.unsqueeze(0) : x;
    const [h, w] = poolAxes('maxPool2d', x4, kernelSize, opts);
    const withIndices = opts.returnIndices ?? false;
    const [values, indices] =
      fusedMaxPool2d(x4, h, w, opts.ceilMode ?? false) ?? maxPoolComposite(x4, h, w, withIndices);
    const unbatch = (t: Tensor) => (x.ndim === 3 ? t.squeeze(0) : t);
    return withIndices ? [unbatch(values), unbatch(indices!)] : unbatch(values);
  });
}

function maxPoolComposite(
  x: Tensor,
  h: PoolAxis,
  w: PoolAxis,
  withIndices: boolean,
): [Tensor, Tensor | null] {
  const [n, c] = x.shape as [number, number];
  const shape = [n, c, h.out, w.out];
  const { values, indices } = poolWindows(x, h, w, -Infinity).max(2);
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
function avgDivisor(x: Tensor, h: PoolAxis, w: PoolAxis, o: AvgPool2dOptions): number | Tensor {
  if (o.divisorOverride !== undefined && o.divisorOverride !== null) {
    if (!Number.isInteger(o.divisorOverride) || o.divisorOverride === 0)
      throw new ShapeError(
        `avgPool2d: divisorOverride must be a non-zero integer, got ${o.divisorOverride}`,
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

/**
 * 2-D average pooling over x [N,C,H,W] or [C,H,W] (torch's count_include_pad by default).
 * @example
 * nn.F.avgPool2d(fl.ones([1, 1, 4, 4]), 2).toArray(); // [[[[1, 1], [1, 1]]]]
 */
export function avgPool2d(x: Tensor, kernelSize: SpatialArg, opts: AvgPool2dOptions = {}): Tensor {
  return batched('avgPool2d', x, (x4) => {
    const [h, w] = poolAxes('avgPool2d', x4, kernelSize, opts);
    return tidy(() => {
      const sums = poolWindows(x4, h, w, 0).sum(2);
      return sums
        .div(avgDivisor(x4, h, w, opts))
        .reshape([x4.shape[0]!, x4.shape[1]!, h.out, w.out]);
    });
  });
}

/** [out, n] matrix whose row i averages torch's adaptive window ⌊i·n/out⌋ … ⌈(i+1)·n/out⌉. */
function averagingMatrix(x: Tensor, n: number, out: number): Tensor {
  const data = typedArrayFor(x.dtype, out * n);
  for (let i = 0; i < out; i++) {
    const start = Math.floor((i * n) / out);
    const end = Math.ceil(((i + 1) * n) / out);
    for (let j = start; j < end; j++) data[i * n + j] = 1 / (end - start);
  }
  return upload(data, [out, n], x.dtype, x.device);
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
    // Equal windows: plain average pooling is O(output·window) rather than O(output·input).
    if (height % oh! === 0 && width % ow! === 0) return avgPool2d(x4, [height / oh!, width / ow!]);
    return tidy(() =>
      averagingMatrix(x4, height, oh!)
        .matmul(x4)
        .matmul(averagingMatrix(x4, width, ow!).T),
    );
  });
}
