/**
 * Sliding windows as one gather (im2col) and their inverse as one scatterAdd (col2im).
 *
 * The window taps are addressed by a host-built int32 index, so unfolding costs one pass over
 * the kh·kw·L output and its gradient one scatter, whatever the stride, dilation or kernel
 * size. (Stacking the kh·kw strided slices with `stack` would work too, but `cat` is built from
 * padding and `where`, which makes it quadratic in the number of slices.) The index is shared
 * by every row (batch sample, or sample×channel for pooling) through a stride-0 expand.
 */
import { Tensor } from '../../tensor.js';
import { tidy } from '../../scope.js';
import { exec } from '../../ops/dispatch.js';
import { upload, zeros } from '../../ops/creation.js';

/** One spatial axis of a sliding window over an (already padded) input. */
export interface WindowAxis {
  /** Input length, padding included. */
  size: number;
  kernel: number;
  stride: number;
  dilation: number;
  /** Number of window positions. */
  out: number;
}

const cache = new Map<string, Int32Array>();
const CACHE_ENTRIES = 64;

/**
 * Flat input positions of every tap: entry (l, c, t) of the [L, C, K] result is
 * c·H·W + (oh·sh + ki·dh)·W + ow·sw + kj·dw, for window l = (oh, ow) and tap t = (ki, kj).
 */
export function windowIndex(channels: number, h: WindowAxis, w: WindowAxis): Int32Array {
  const key = `${channels}|${h.size},${h.kernel},${h.stride},${h.dilation},${h.out}|${w.size},${w.kernel},${w.stride},${w.dilation},${w.out}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const taps = new Int32Array(h.kernel * w.kernel);
  for (let ki = 0; ki < h.kernel; ki++)
    for (let kj = 0; kj < w.kernel; kj++)
      taps[ki * w.kernel + kj] = ki * h.dilation * w.size + kj * w.dilation;
  const plane = h.size * w.size;
  const idx = new Int32Array(h.out * w.out * channels * taps.length);
  let q = 0;
  for (let oh = 0; oh < h.out; oh++)
    for (let ow = 0; ow < w.out; ow++)
      for (let c = 0; c < channels; c++) {
        const base = c * plane + oh * h.stride * w.size + ow * w.stride;
        for (let t = 0; t < taps.length; t++) idx[q++] = base + taps[t]!;
      }
  // A small LRU: a model uses a handful of geometries, so this stays tiny.
  if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  cache.set(key, idx);
  return idx;
}

function sharedIndex(x: Tensor, rows: number, idx: Int32Array): Tensor {
  return upload(idx, [1, idx.length], 'int32', x.device).expand([rows, idx.length]);
}

/**
 * Windows of x [R, C, H, W] as [R, L, C·K] (window-major, then channel, then tap). Calls the
 * gather primitive directly: the index is built here and in range by construction, so the
 * public gather's two range-check reductions would only cost time.
 */
export function unfold(x: Tensor, h: WindowAxis, w: WindowAxis): Tensor {
  const [rows, channels] = x.shape as [number, number];
  return tidy(() => {
    const idx = windowIndex(channels, h, w);
    const flat = x.reshape([rows, channels * h.size * w.size]);
    const out = exec(
      'gather',
      [flat, sharedIndex(x, rows, idx)],
      [1],
      [rows, idx.length],
      x.dtype,
      { gradParams: { axis: 1 } },
    );
    return out.reshape([rows, h.out * w.out, channels * h.kernel * w.kernel]);
  });
}

/** The adjoint of unfold: cols [R, L, C·K] summed back into [R, C, H, W] (overlaps add up). */
export function fold(cols: Tensor, channels: number, h: WindowAxis, w: WindowAxis): Tensor {
  const rows = cols.shape[0]!;
  const size = channels * h.size * w.size;
  return tidy(() => {
    const idx = windowIndex(channels, h, w);
    const z = zeros([rows, size], { dtype: cols.dtype, device: cols.device });
    const src = cols.reshape([rows, idx.length]);
    const out = exec(
      'scatterAdd',
      [z, sharedIndex(cols, rows, idx), src],
      [1],
      [rows, size],
      cols.dtype,
      { gradParams: { axis: 1 } },
    );
    return out.reshape([rows, channels, h.size, w.size]);
  });
}
