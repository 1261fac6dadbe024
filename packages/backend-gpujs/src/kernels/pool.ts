/**
 * maxPool2d on the device: one kernel finds each window's plane index (h·W + w), a second reads
 * the value there. The composite instead unfolds the windows, runs argmax twice on the host (for
 * the NaN rule) and gathers — a full read-back of the unfolded windows per call, the slowest
 * step of a CNN's forward pass here. Semantics are the CPU backend's: the first in-bounds tap
 * starts each window (padding never wins), the first max wins, and any NaN beats everything,
 * the window's last NaN included (torch's `v > best || isnan(v)`).
 *
 * The indices are an int32 buffer whose values stay on the device as float32 (exact: a plane
 * index is below 2^24 because every tensor is); the host copy is made only when something reads
 * it (the backward's scatterAdd).
 */
import { BackendError } from '@flint/core/backend';
import type { KView, Pool2dParams } from '@flint/core/backend';
import type { GBuf } from '../storage.js';
import type { Device } from './table.js';

/** g = [H, W, OH, OW, kH, kW, sH, sW, pH, pW, dH, dW]; thread i is output (plane, oh, ow). */
const ARGMAX_SRC = `function(x, xo, g) {
  const H = g[0]; const W = g[1]; const OH = g[2]; const OW = g[3];
  const i = this.thread.x;
  const ow = i % OW; const r1 = Math.floor(i / OW);
  const oh = r1 % OH; const plane = Math.floor(r1 / OH);
  const base = xo + plane * H * W;
  let best = 0;
  let at = -1;
  for (let a = 0; a < g[4]; a++) {
    const h = oh * g[6] - g[8] + a * g[10];
    if (h >= 0 && h < H) {
      for (let b = 0; b < g[5]; b++) {
        const w = ow * g[7] - g[9] + b * g[11];
        if (w >= 0 && w < W) {
          const v = x[base + h * W + w];
          if (at < 0 || v > best || v !== v) {
            best = v;
            at = h * W + w;
          }
        }
      }
    }
  }
  return at;
}`;

/** values[i] = x[plane(i)][at[i]]. */
const PICK_SRC = `function(x, xo, at, plane) {
  const p = Math.floor(this.thread.x / plane[1]);
  return x[xo + p * plane[0] + at[this.thread.x]];
}`;

/** Output length along one axis, as core's window count (the CPU backend's poolOut). */
function poolOut(size: number, k: number, s: number, pad: number, d: number, ceil: boolean) {
  const span = size + 2 * pad - d * (k - 1) - 1;
  if (span < 0) return 0;
  let n = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (n - 1) * s >= size + pad) n--;
  return n;
}

/** Whether some window along an axis has no in-bounds tap. */
function emptyWindow(size: number, out: number, k: number, s: number, pad: number, d: number) {
  for (let o = 0; o < out; o++) {
    let any = false;
    for (let t = 0; t < k && !any; t++) {
      const pos = o * s - pad + t * d;
      any = pos >= 0 && pos < size;
    }
    if (!any) return true;
  }
  return false;
}

export function poolOverrides(d: Device) {
  const maxPool2d = (x: KView<GBuf>, p: Pool2dParams): [GBuf, GBuf] => {
    if (x.dtype !== 'float32')
      throw new BackendError(`gpujs: maxPool2d needs float32, got ${x.dtype}`);
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const axis = (i: 0 | 1, size: number) => {
      const o = poolOut(size, p.kernel[i], p.stride[i], p.padding[i], p.dilation[i], p.ceilMode);
      if (n * c > 0 && emptyWindow(size, o, p.kernel[i], p.stride[i], p.padding[i], p.dilation[i]))
        throw new BackendError(
          `gpujs: maxPool2d has a window with no input element (input ${h}x${w})`,
        );
      return o;
    };
    const [oh, ow] = [axis(0, h), axis(1, w)];
    const size = n * c * oh * ow;
    const t: GBuf[] = [];
    try {
      const [xd, xo] = d.flat(x, t);
      const g = Float32Array.from([
        h,
        w,
        oh,
        ow,
        ...p.kernel,
        ...p.stride,
        ...p.padding,
        ...p.dilation,
      ]);
      const at = d.out('int32', 'maxPoolArg', ARGMAX_SRC, size, [xd, xo, g]);
      try {
        const plane = Float32Array.from([h * w, oh * ow]);
        const v = d.out('float32', 'maxPoolPick', PICK_SRC, size, [xd, xo, d.s.dev(at), plane]);
        return [v, at];
      } catch (e) {
        d.s.free(at);
        throw e;
      }
    } finally {
      d.free(t);
    }
  };
  return { maxPool2d };
}
