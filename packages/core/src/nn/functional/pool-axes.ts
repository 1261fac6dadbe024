/**
 * Pooling geometry shared by the max and average pools: option normalisation (the 1-d forms as a
 * 1 × k kernel over [N,C,1,L]), torch's output-length rule with ceil mode, and the padded windows.
 */
import { ShapeError, fmtShape } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { expectRank, ntuple, type SpatialArg } from './args.js';
import { unfold, type WindowAxis } from './im2col.js';

export interface PoolAxis extends WindowAxis {
  /** Input length without padding, and the padding before it. */
  input: number;
  pad: number;
}

/**
 * torch's pooling output length: ⌊(size + 2p − d(k − 1) − 1 + (ceil ? s − 1 : 0)) / s⌋ + 1, and in
 * ceil mode the last window must start inside the input or the left padding. Unlike convolution,
 * ceil mode allows a kernel longer than the padded input: the one window then overhangs the end
 * (torch pools [1, 6] with a 2x2 kernel to [1, 3]).
 */
function poolCount(size: number, pad: number, k: number, s: number, d: number, ceil: boolean) {
  const span = size + 2 * pad - d * (k - 1) - 1 + (ceil ? s - 1 : 0);
  let n = Math.floor(span / s) + 1;
  if (ceil && n > 0 && (n - 1) * s >= size + pad) n--;
  return n;
}

/** Pooling hyperparameters, resolved to one value per spatial dim of the 2-d form. */
export interface PoolSpec {
  kernel: number[];
  stride: number[];
  padding: number[];
  dilation: number[];
  ceilMode: boolean;
}

/** Normalise the 2-d options (torch's int-or-pair arguments) into a PoolSpec. */
export function spec2d(op: string, kernelSize: SpatialArg, o: PoolOptions): PoolSpec {
  const kernel = ntuple(op, 'kernelSize', kernelSize, 2);
  return {
    kernel,
    stride:
      o.stride === null || o.stride === undefined ? kernel : ntuple(op, 'stride', o.stride, 2),
    padding: ntuple(op, 'padding', o.padding ?? 0, 2, 0),
    dilation: ntuple(op, 'dilation', o.dilation ?? 1, 2),
    ceilMode: o.ceilMode ?? false,
  };
}

/**
 * The 1-d options as a 2-d spec over a height-1 plane: the kernel is 1 × k, so every window sees
 * exactly one row and the 2-d code computes the 1-d pool.
 */
export function spec1d(op: string, kernelSize: SpatialArg, o: PoolOptions): PoolSpec {
  const [k] = ntuple(op, 'kernelSize', kernelSize, 1);
  const s = o.stride === null || o.stride === undefined ? k : ntuple(op, 'stride', o.stride, 1)[0];
  const [p] = ntuple(op, 'padding', o.padding ?? 0, 1, 0);
  const [d] = ntuple(op, 'dilation', o.dilation ?? 1, 1);
  return {
    kernel: [1, k!],
    stride: [1, s!],
    padding: [0, p!],
    dilation: [1, d!],
    ceilMode: o.ceilMode ?? false,
  };
}

export interface PoolOptions {
  stride?: SpatialArg | null;
  padding?: SpatialArg;
  dilation?: SpatialArg;
  ceilMode?: boolean;
}

/**
 * Resolve the window of each spatial dim of x [N,C,H,W]; pads the end too when ceil mode needs a
 * partial window. `shown` is the caller's input shape, for messages.
 */
export function poolAxes(
  op: string,
  x: Tensor,
  sp: PoolSpec,
  shown: readonly number[],
): [PoolAxis, PoolAxis] {
  const { kernel: k, stride: s, padding: p, dilation: d } = sp;
  // The 1-d forms name their one value; the 2-d forms both.
  const one = op.endsWith('1d');
  const dims = (v: number[]) => (one ? String(v[1]) : fmtShape(v));
  const last = (v: number[]) => (one ? String(v[1]) : v.join('x'));
  if (p.some((pi, i) => 2 * pi > k[i]!))
    throw new ShapeError(
      `${op}: padding ${dims(p)} must be at most half the kernel size ${dims(k)}`,
    );
  const sizes = x.shape.slice(-2);
  return sizes.map((n, i) => {
    const out = poolCount(n, p[i]!, k[i]!, s[i]!, d[i]!, sp.ceilMode);
    if (out < 1)
      throw new ShapeError(
        `${op}: kernel ${last(k)} (dilation ${last(d)}, padding ${last(p)}${sp.ceilMode ? ', ceil mode' : ''}) does not fit input of shape ${fmtShape(shown)}`,
      );
    // Extent the windows actually read; ≥ n + p except in ceil mode, where the last one may overhang.
    const size = Math.max(n + 2 * p[i]!, (out - 1) * s[i]! + d[i]! * (k[i]! - 1) + 1);
    return { input: n, pad: p[i]!, size, kernel: k[i]!, stride: s[i]!, dilation: d[i]!, out };
  }) as [PoolAxis, PoolAxis];
}

/** Windows of every channel: x [N,C,H,W] → [N·C, L, K], padded with `fill`. */
export function poolWindows(x: Tensor, h: PoolAxis, w: PoolAxis, fill: number): Tensor {
  const [n, c] = x.shape as [number, number];
  const planes = x.reshape([n * c, 1, h.input, w.input]);
  const widths = [w.pad, w.size - w.input - w.pad, h.pad, h.size - h.input - h.pad];
  return unfold(widths.some((v) => v > 0) ? planes.pad(widths, 'constant', fill) : planes, h, w);
}

/** x as [N,C,H,W] planes, and the way back to the caller's layout. */
export interface Planes {
  x4: Tensor;
  back(t: Tensor): Tensor;
}

/**
 * The 2-d forms take [N,C,H,W] or [C,H,W]; the 1-d forms [N,C,L] or [C,L], pooled as [N,C,1,L].
 * An unbatched input gets a batch dim of 1 (as torch), removed again from the result.
 */
export function planes(op: string, x: Tensor): Planes {
  const oneD = op.endsWith('1d');
  if (oneD) expectRank(op, x, [2, 3], 'input of shape [N,C,L] or [C,L]');
  else expectRank(op, x, [3, 4], 'input of shape [N,C,H,W] or [C,H,W]');
  const unbatched = x.ndim === (oneD ? 2 : 3);
  const b = unbatched ? x.unsqueeze(0) : x;
  return {
    x4: oneD ? b.unsqueeze(2) : b,
    back: (t) => {
      const r = oneD ? t.squeeze(2) : t;
      return unbatched ? r.squeeze(0) : r;
    },
  };
}
