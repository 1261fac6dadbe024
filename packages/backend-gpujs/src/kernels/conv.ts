/**
 * conv2d and its backward as direct gather kernels (one output per thread) instead of the
 * composite's im2col matrix — on WebGL only where conv-gemm.ts's tiled products cannot run
 * (grouped convolutions, passes beyond 2^24 elements), and in every other mode. Semantics follow
 * the im2col decomposition: padded positions count as zeros that are still multiplied (so a NaN
 * weight gives NaN there, as 0·NaN does in the composite's matmul), and the input gradient sums
 * only the positions a window really reads.
 *
 * Geometry travels in one metadata array g = [N, C, H, W, O, kH, kW, OH, OW, sH, sW, pT, pL,
 * dH, dW, groups] (exact small integers), so one compiled kernel serves every shape.
 */
import { BackendError, sizeOf } from '@flint/core/backend';
import type { Conv2dParams, KView } from '@flint/core/backend';
import type { GBuf } from '../storage.js';
import {
  convGemmFits,
  convGemmForward,
  convGemmGradInput,
  convGemmGradWeight,
  WINDOWS_READING,
} from './conv-gemm.js';
import type { Device } from './table.js';

type V = KView<GBuf>;

const FORWARD_SRC = `function(x, xo, w, wo, b, bo, hasBias, g) {
  const C = g[1]; const H = g[2]; const W = g[3]; const O = g[4];
  const kH = g[5]; const kW = g[6]; const OH = g[7]; const OW = g[8];
  const Cg = C / g[15]; const Og = O / g[15];
  const i = this.thread.x;
  const ow = i % OW; const r1 = Math.floor(i / OW);
  const oh = r1 % OH; const r2 = Math.floor(r1 / OH);
  const o = r2 % O; const n = Math.floor(r2 / O);
  const c0 = Math.floor(o / Og) * Cg;
  let acc = 0;
  for (let c = 0; c < Cg; c++) {
    for (let kh = 0; kh < kH; kh++) {
      const h = oh * g[9] - g[11] + kh * g[13];
      for (let kw = 0; kw < kW; kw++) {
        const ww = ow * g[10] - g[12] + kw * g[14];
        const wv = w[wo + ((o * Cg + c) * kH + kh) * kW + kw];
        let xv = 0;
        if (h >= 0 && h < H && ww >= 0 && ww < W) { xv = x[xo + ((n * C + c0 + c) * H + h) * W + ww]; }
        acc += xv * wv;
      }
    }
  }
  if (hasBias > 0) { acc += b[bo + o]; }
  return acc;
}`;

/** gx[n,c,h,w] = Σ over the windows that read (h,w): grad[n,o,oh,ow] · w[o,c',kh,kw]. */
const GRAD_INPUT_SRC = `function(gr, gro, w, wo, g) {
  const C = g[1]; const H = g[2]; const W = g[3]; const O = g[4];
  const kH = g[5]; const kW = g[6]; const OH = g[7]; const OW = g[8];
  const Cg = C / g[15]; const Og = O / g[15];
  const i = this.thread.x;
  const x = i % W; const r1 = Math.floor(i / W);
  const y = r1 % H; const r2 = Math.floor(r1 / H);
  const c = r2 % C; const n = Math.floor(r2 / C);
  const grp = Math.floor(c / Cg); const cl = c - grp * Cg;
  let acc = 0;${WINDOWS_READING(`
          for (let oo = 0; oo < Og; oo++) {
            const o = grp * Og + oo;
            acc += gr[gro + ((n * O + o) * OH + oh) * OW + ow] * w[wo + ((o * Cg + cl) * kH + kh) * kW + kw];
          }`)}
  return acc;
}`;

/** gw[o,c,kh,kw] = Σ_{n,oh,ow} grad[n,o,oh,ow] · x (0 where the window reads padding). */
const GRAD_WEIGHT_SRC = `function(gr, gro, x, xo, g) {
  const N = g[0]; const C = g[1]; const H = g[2]; const W = g[3]; const O = g[4];
  const kH = g[5]; const kW = g[6]; const OH = g[7]; const OW = g[8];
  const Cg = C / g[15]; const Og = O / g[15];
  const i = this.thread.x;
  const kw = i % kW; const r1 = Math.floor(i / kW);
  const kh = r1 % kH; const r2 = Math.floor(r1 / kH);
  const c = r2 % Cg; const o = Math.floor(r2 / Cg);
  const cin = Math.floor(o / Og) * Cg + c;
  let acc = 0;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const h = oh * g[9] - g[11] + kh * g[13];
      for (let ow = 0; ow < OW; ow++) {
        const ww = ow * g[10] - g[12] + kw * g[14];
        let xv = 0;
        if (h >= 0 && h < H && ww >= 0 && ww < W) { xv = x[xo + ((n * C + cin) * H + h) * W + ww]; }
        acc += gr[gro + ((n * O + o) * OH + oh) * OW + ow] * xv;
      }
    }
  }
  return acc;
}`;

function geometry(x: V, w: V, p: Conv2dParams): number[] {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [O, , kH, kW] = w.shape as [number, number, number, number];
  const out = (i: 0 | 1, size: number, k: number) =>
    Math.floor(
      (size + p.padding[2 * i]! + p.padding[2 * i + 1]! - p.dilation[i] * (k - 1) - 1) /
        p.stride[i],
    ) + 1;
  const [OH, OW] = [out(0, H, kH), out(1, W, kW)];
  return [
    N,
    C,
    H,
    W,
    O,
    kH,
    kW,
    OH,
    OW,
    ...p.stride,
    p.padding[0],
    p.padding[2],
    ...p.dilation,
    p.groups,
  ];
}

function requireFloat32(op: string, ...vs: (V | null)[]): void {
  for (const v of vs)
    if (v && v.dtype !== 'float32')
      throw new BackendError(`gpujs: ${op} needs float32 tensors, got ${v.dtype}`);
}

export function convOverrides(d: Device) {
  const conv2d = (x: V, w: V, bias: V | null, p: Conv2dParams): GBuf => {
    requireFloat32('conv2d', x, w, bias);
    const t: GBuf[] = [];
    try {
      const g = geometry(x, w, p);
      const n = g[0]! * g[4]! * g[7]! * g[8]!;
      const [xd, xo] = d.flat(x, t);
      const [wd, wo] = d.flat(w, t);
      const [bd, bo] = bias ? d.flat(bias, t) : [wd, 0];
      // WebGL: the same product on the tiled vec4 matmul (conv-gemm.ts)
      if (convGemmFits(d.s.rt, g))
        return d.s.fromDev(
          'float32',
          n,
          convGemmForward(d.s.rt, g, [xd, xo], [wd, wo], bias ? [bd, bo] : null),
        );
      const args = [xd, xo, wd, wo, bd, bo, bias ? 1 : 0, Float32Array.from(g)];
      return d.out('float32', 'conv2d', FORWARD_SRC, n, args);
    } finally {
      d.free(t);
    }
  };
  const conv2dBackward = (
    x: V,
    w: V,
    grad: V,
    p: Conv2dParams,
    needs: readonly [boolean, boolean],
  ): [GBuf | null, GBuf | null] => {
    requireFloat32('conv2dBackward', x, w, grad);
    const t: GBuf[] = [];
    try {
      const geo = geometry(x, w, p);
      const g = Float32Array.from(geo);
      const [gr, go] = d.flat(grad, t);
      const [xd, xo] = d.flat(x, t);
      const [wd, wo] = d.flat(w, t);
      if (convGemmFits(d.s.rt, geo)) {
        const rt = d.s.rt;
        const gx = needs[0]
          ? d.s.fromDev('float32', sizeOf(x.shape), convGemmGradInput(rt, geo, [gr, go], [wd, wo]))
          : null;
        try {
          const gw = needs[1] ? convGemmGradWeight(rt, geo, [gr, go], [xd, xo]) : null;
          return [gx, gw && d.s.fromDev('float32', sizeOf(w.shape), gw)];
        } catch (e) {
          if (gx) d.s.free(gx);
          throw e;
        }
      }
      const gx = needs[0]
        ? d.out('float32', 'conv2dGradInput', GRAD_INPUT_SRC, sizeOf(x.shape), [gr, go, wd, wo, g])
        : null;
      const gw = needs[1]
        ? d.out('float32', 'conv2dGradWeight', GRAD_WEIGHT_SRC, sizeOf(w.shape), [
            gr,
            go,
            xd,
            xo,
            g,
          ])
        : null;
      return [gx, gw];
    } finally {
      d.free(t);
    }
  };
  return { conv2d, conv2dBackward };
}
