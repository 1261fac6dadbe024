/**
 * torch's adaptive pooling windows: output i of an axis of length n pooled to `out` covers
 * ⌊i·n/out⌋ … ⌈(i+1)·n/out⌉ − 1. The windows differ in length, so each axis gathers [out, K] taps
 * (K the longest window) and drops the surplus taps with `where` rather than multiplying them by
 * 0 (or averaging with a matrix): an ±∞ outside a window would make 0·∞ = NaN inside it.
 */
import { typedArrayFor } from '../../dtype.js';
import { exec } from '../../ops/dispatch.js';
import { upload } from '../../ops/creation.js';
import { where } from '../../ops/elementwise.js';
import { tidy } from '../../scope.js';
import type { Tensor } from '../../tensor.js';

/** One axis's adaptive windows. @internal */
export interface AdaptiveAxis {
  /** Input position of tap t of window i at i·k + t (surplus taps repeat the window's start). */
  index: Int32Array;
  /** 1 where the tap is inside its window. */
  inside: Uint8Array;
  lengths: number[];
  k: number;
}

/** torch's adaptive windows of an axis of length n pooled to `out` (≥ 1). @internal */
export function adaptiveAxis(n: number, out: number): AdaptiveAxis {
  const starts = Array.from({ length: out }, (_, i) => Math.floor((i * n) / out));
  const ends = Array.from({ length: out }, (_, i) => Math.ceil(((i + 1) * n) / out));
  const lengths = starts.map((s, i) => ends[i]! - s);
  const k = Math.max(...lengths);
  const index = new Int32Array(out * k);
  const inside = new Uint8Array(out * k);
  for (let i = 0; i < out; i++)
    for (let t = 0; t < k; t++) {
      const ok = t < lengths[i]!;
      index[i * k + t] = ok ? starts[i]! + t : starts[i]!;
      inside[i * k + t] = ok ? 1 : 0;
    }
  return { index, inside, lengths, k };
}

/** Sums of x [R, n, M] over the adaptive windows of its axis 1: [R, out, M]. */
function windowSums(x: Tensor, ax: AdaptiveAxis): Tensor {
  const [r, , m] = x.shape as [number, number, number];
  const out = ax.lengths.length;
  const taps = out * ax.k;
  const idx = upload(ax.index, [1, taps, 1], 'int32', x.device).expand([r, taps, m]);
  // The index is in range by construction: the public gather's range check would only cost time.
  const picked = exec('gather', [x, idx], [1], [r, taps, m], x.dtype, { gradParams: { axis: 1 } });
  const windows = picked.reshape([r, out, ax.k, m]);
  if (ax.inside.every((v) => v === 1)) return windows.sum(2);
  const inside = upload(ax.inside, [1, out, ax.k, 1], 'bool', x.device);
  return where(inside, windows, 0).sum(2);
}

/** An axis's window lengths as a tensor of x's dtype, shaped to divide [N,C,oh,ow] along `dim`. */
function lengthsOf(x: Tensor, ax: AdaptiveAxis, dim: 2 | 3): Tensor {
  const data = typedArrayFor(x.dtype, ax.lengths.length);
  data.set(ax.lengths);
  return upload(data, dim === 2 ? [data.length, 1] : [data.length], x.dtype, x.device);
}

/**
 * Adaptive average pooling of x [N,C,H,W] to [N,C,oh,ow]: each window's sum (rows, then
 * columns) divided by its height and then by its width, as torch's kernel (sum / kh / kw).
 */
export function adaptiveAverage(x: Tensor, oh: number, ow: number): Tensor {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  return tidy(() => {
    const ah = adaptiveAxis(h, oh);
    const aw = adaptiveAxis(w, ow);
    const rows = windowSums(x.reshape([n * c, h, w]), ah);
    const sums = windowSums(rows.reshape([n * c * oh, w, 1]), aw).reshape([n, c, oh, ow]);
    return sums.div(lengthsOf(x, ah, 2)).div(lengthsOf(x, aw, 3));
  });
}
