/**
 * Pooling as composites over the same unfolded windows as convolution: max takes the first
 * maximum of each window (so its gradient goes to that element, as torch's does), average sums
 * and divides by torch's count. Adaptive average pooling is two small matmuls with averaging
 * matrices, since its windows differ in size.
 */
import { ShapeError, fmtShape } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { tidy } from '../../scope.js';
import { upload } from '../../ops/creation.js';
import { typedArrayFor } from '../../dtype.js';
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
 * 2-D max pooling over x [N,C,H,W] or [C,H,W].
 * @example
 * nn.F.maxPool2d(fl.randn([1, 3, 28, 28]), 2).shape; // [1, 3, 14, 14]
 */
export function maxPool2d(x: Tensor, kernelSize: SpatialArg, opts: MaxPool2dOptions = {}): Tensor {
  return batched('maxPool2d', x, (x4) => {
    const [h, w] = poolAxes('maxPool2d', x4, kernelSize, opts);
    return tidy(() => {
      const { values } = poolWindows(x4, h, w, -Infinity).max(2);
      return values.reshape([x4.shape[0]!, x4.shape[1]!, h.out, w.out]);
    });
  });
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
