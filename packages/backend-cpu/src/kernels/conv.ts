/**
 * Fused conv2d gradients and max pooling (DESIGN §2, tier 3).
 *
 * conv2dBackward works through the batch a few samples at a time, so its scratch stays a few MiB
 * whatever the batch size. Per chunk it unfolds x (im2col: one row per output pixel, one column
 * per tap) and runs both gradients as products batched over the groups with the blocked matmul
 * kernel: gw += gᵀ·cols, and gx = col2im(g·W), folded back with float64 accumulation.
 * maxPool2d is one pass over each window, recording where the max was.
 */
import { BackendError, sizeOf } from '@flint/core/backend';
import type { Conv2dParams, Pool2dParams, TypedArray } from '@flint/core/backend';
import { isContiguousView } from '../strided.js';
import type { Alloc, Release, View } from '../types.js';
import { matmulKernel } from './matmul.js';

/** Unfolded elements per chunk of samples (4 MiB of float32). */
const CHUNK = 1 << 20;

/** Geometry of one conv2d (from x, weight and the output gradient), and the chunk in hand. */
interface ConvGeo {
  c: number;
  h: number;
  w: number;
  o: number;
  groups: number;
  cg: number;
  kh: number;
  kw: number;
  oh: number;
  ow: number;
  /** Output pixels per sample, and taps per output channel (C/g·kH·kW). */
  l: number;
  ckk: number;
  p: Conv2dParams;
  /** The chunk: samples [n0, n0 + count). */
  n0: number;
  count: number;
}

function convGeo(x: View, weight: View, grad: View, p: Conv2dParams): ConvGeo {
  const [, c, h, w] = x.shape as [number, number, number, number];
  const [o, cg, kh, kw] = weight.shape as [number, number, number, number];
  const [, , oh, ow] = grad.shape as [number, number, number, number];
  const ckk = cg * kh * kw;
  return { c, h, w, o, groups: p.groups, cg, kh, kw, oh, ow, l: oh * ow, ckk, p, n0: 0, count: 0 };
}

export function requireFloat(op: string, ...views: View[]): void {
  for (const v of views) {
    if (v.dtype !== 'float32' && v.dtype !== 'float64')
      throw new BackendError(`cpu: ${op} needs float tensors, got ${v.dtype}`);
    if (!isContiguousView(v))
      throw new BackendError(`cpu: ${op} expects contiguous inputs (core copies strided ones)`);
  }
}

/**
 * cols [groups, count·L, C/g·kH·kW] for the chunk: row r of group g holds the taps of output
 * pixel r over that group's channels, zero where a tap falls in the padding.
 */
function im2col(x: View, q: ConvGeo, cols: TypedArray): void {
  const X = x.buf;
  const [sh, sw] = q.p.stride;
  const [dh, dw] = q.p.dilation;
  const [pt, , pl] = q.p.padding;
  let k = 0;
  for (let g = 0; g < q.groups; g++)
    for (let ni = q.n0; ni < q.n0 + q.count; ni++)
      for (let y = 0; y < q.oh; y++)
        for (let z = 0; z < q.ow; z++)
          for (let ci = 0; ci < q.cg; ci++) {
            const plane = x.offset + (ni * q.c + g * q.cg + ci) * q.h * q.w;
            for (let i = 0; i < q.kh; i++) {
              const r = y * sh - pt + i * dh;
              const rowOk = r >= 0 && r < q.h;
              for (let j = 0, s = z * sw - pl; j < q.kw; j++, s += dw)
                cols[k++] = rowOk && s >= 0 && s < q.w ? X[plane + r * q.w + s]! : 0;
            }
          }
}

/** acc[chunk sample, c, h, w] += every column entry that im2col read from there. */
function col2im(dcols: TypedArray, q: ConvGeo, acc: Float64Array): void {
  const [sh, sw] = q.p.stride;
  const [dh, dw] = q.p.dilation;
  const [pt, , pl] = q.p.padding;
  let k = 0;
  for (let g = 0; g < q.groups; g++)
    for (let ni = 0; ni < q.count; ni++)
      for (let y = 0; y < q.oh; y++)
        for (let z = 0; z < q.ow; z++)
          for (let ci = 0; ci < q.cg; ci++) {
            const plane = (ni * q.c + g * q.cg + ci) * q.h * q.w;
            for (let i = 0; i < q.kh; i++) {
              const r = y * sh - pt + i * dh;
              if (r < 0 || r >= q.h) {
                k += q.kw;
                continue;
              }
              for (let j = 0, s = z * sw - pl; j < q.kw; j++, k++, s += dw)
                if (s >= 0 && s < q.w) acc[plane + r * q.w + s]! += dcols[k]!;
            }
          }
}

/** gT [O, count·L]: the chunk's output gradient with its sample and channel axes swapped. */
function transposeGrad(grad: View, q: ConvGeo, gT: TypedArray): void {
  const G = grad.buf;
  for (let ni = 0; ni < q.count; ni++)
    for (let oi = 0; oi < q.o; oi++) {
      const src = grad.offset + ((q.n0 + ni) * q.o + oi) * q.l;
      const dst = (oi * q.count + ni) * q.l;
      for (let t = 0; t < q.l; t++) gT[dst + t] = G[src + t]!;
    }
}

/** A [batch, rows, cols] view of `buf` from `offset`: row-major, or with `t` its transpose. */
function mat(buf: TypedArray, dtype: View['dtype'], dims: number[], offset = 0, t = false): View {
  const [b, r, c] = dims as [number, number, number];
  const strides = t ? [r * c, 1, c] : [r * c, c, 1];
  return { buf, dtype, shape: t ? [b, c, r] : [b, r, c], strides, offset };
}

export function convKernels(alloc: Alloc, release: Release) {
  const matmul = matmulKernel(alloc);

  /** Run `fn` with a scratch buffer from the backend's pool, returned afterwards. */
  function scratch<T>(dtype: View['dtype'], size: number, fn: (buf: TypedArray) => T): T {
    const buf = alloc(dtype, size);
    try {
      return fn(buf);
    } finally {
      release(buf);
    }
  }

  /** acc [count, C, H, W] = col2im(gᵀᵀ·W) for the chunk, per group in one batched product. */
  function inputChunk(weight: View, gT: TypedArray, q: ConvGeo, acc: Float64Array): void {
    const og = q.o / q.groups;
    const a = mat(gT, weight.dtype, [q.groups, og, q.count * q.l], 0, true);
    const b = mat(weight.buf, weight.dtype, [q.groups, og, q.ckk], weight.offset);
    acc.fill(0, 0, q.count * q.c * q.h * q.w);
    const dcols = matmul(a, b);
    try {
      col2im(dcols, q, acc);
    } finally {
      release(dcols);
    }
  }

  /** acc [groups, O/g, C/g·kH·kW] (the weight's layout) += gᵀ·cols for the chunk. */
  function weightChunk(x: View, gT: TypedArray, q: ConvGeo, acc: Float64Array): void {
    const rows = q.count * q.l;
    const part = scratch(x.dtype, q.groups * rows * q.ckk, (cols) => {
      im2col(x, q, cols);
      const a = mat(gT, x.dtype, [q.groups, q.o / q.groups, rows]);
      return matmul(a, mat(cols, x.dtype, [q.groups, rows, q.ckk]));
    });
    for (let i = 0; i < acc.length; i++) acc[i]! += part[i]!;
    release(part);
  }

  function conv2dBackward(
    x: View,
    weight: View,
    grad: View,
    p: Conv2dParams,
    needs: readonly [boolean, boolean],
  ): [TypedArray | null, TypedArray | null] {
    requireFloat('conv2dBackward', x, weight, grad);
    const q = convGeo(x, weight, grad, p);
    const n = x.shape[0]!;
    const per = Math.max(1, Math.floor(CHUNK / Math.max(1, q.groups * q.l * q.ckk)));
    const plane = q.c * q.h * q.w;
    const gwAcc = needs[1] ? new Float64Array(sizeOf(weight.shape)) : null;
    const gxAcc = needs[0] ? new Float64Array(Math.min(per, n) * plane) : null;
    const gx = needs[0] ? alloc(x.dtype, n * plane) : null;
    try {
      for (q.n0 = 0; q.n0 < n; q.n0 += per) {
        q.count = Math.min(per, n - q.n0);
        scratch(x.dtype, q.o * q.count * q.l, (gT) => {
          transposeGrad(grad, q, gT);
          if (gwAcc) weightChunk(x, gT, q, gwAcc);
          if (!gx || !gxAcc) return;
          inputChunk(weight, gT, q, gxAcc);
          gx.set(gxAcc.subarray(0, q.count * plane), q.n0 * plane);
        });
      }
    } catch (e) {
      if (gx) release(gx);
      throw e;
    }
    return [gx, gwAcc ? fromAcc(gwAcc, x.dtype) : null];
  }

  function fromAcc(acc: Float64Array, dtype: View['dtype']): TypedArray {
    const out = alloc(dtype, acc.length);
    out.set(acc);
    return out;
  }

  return { conv2dBackward, maxPool2d: (x: View, p: Pool2dParams) => maxPool2d(alloc, x, p) };
}

/** Output length along one axis, as core's windowCount (ceil mode drops a window starting in the padding). */
export function poolOut(size: number, k: number, s: number, pad: number, d: number, ceil: boolean) {
  const span = size + 2 * pad - d * (k - 1) - 1;
  if (span < 0) return 0;
  let n = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (n - 1) * s >= size + pad) n--;
  return n;
}

/**
 * Max of each window of one plane (from `base`) and its plane index, written at `q` on. The first
 * in-bounds tap starts each window, so padding never wins; the first max wins, and a NaN beats
 * everything, an earlier NaN included (torch's CPU loop takes `v > best || isnan(v)`, so the
 * gradient goes to the window's last NaN).
 */
function poolPlane(
  x: View,
  base: number,
  rows: readonly number[][],
  cols: readonly number[][],
  out: [TypedArray, TypedArray, number],
): void {
  const X = x.buf;
  const w = x.shape[3]!;
  const [values, indices] = out;
  let q = out[2];
  for (const rs of rows)
    for (const cs of cols) {
      let best = -Infinity;
      let at = -1;
      for (const r of rs)
        for (const s of cs) {
          const v = X[base + r * w + s]!;
          if (at < 0 || v > best || v !== v) {
            best = v;
            at = r * w + s;
          }
        }
      values[q] = best;
      indices[q++] = at;
    }
}

/** In-bounds input positions of each window's taps along one axis. */
function taps(size: number, out: number, k: number, s: number, pad: number, d: number): number[][] {
  return Array.from({ length: out }, (_, o) => {
    const list: number[] = [];
    for (let t = 0; t < k; t++) {
      const pos = o * s - pad + t * d;
      if (pos >= 0 && pos < size) list.push(pos);
    }
    return list;
  });
}

function maxPool2d(alloc: Alloc, x: View, p: Pool2dParams): [TypedArray, TypedArray] {
  requireFloat('maxPool2d', x);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const oh = poolOut(h, p.kernel[0], p.stride[0], p.padding[0], p.dilation[0], p.ceilMode);
  const ow = poolOut(w, p.kernel[1], p.stride[1], p.padding[1], p.dilation[1], p.ceilMode);
  const rows = taps(h, oh, p.kernel[0], p.stride[0], p.padding[0], p.dilation[0]);
  const cols = taps(w, ow, p.kernel[1], p.stride[1], p.padding[1], p.dilation[1]);
  if (n * c > 0 && [...rows, ...cols].some((t) => t.length === 0))
    throw new BackendError(`cpu: maxPool2d has a window with no input element (input ${h}x${w})`);
  const values = alloc(x.dtype, n * c * oh * ow);
  const indices = alloc('int32', n * c * oh * ow);
  for (let plane = 0; plane < n * c; plane++)
    poolPlane(x, x.offset + plane * h * w, rows, cols, [values, indices, plane * oh * ow]);
  return [values, indices];
}
