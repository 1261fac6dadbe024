import { sizeOf } from '@flint/core/backend';
import type { Conv2dParams, Pool2dParams } from '@flint/core/backend';
import { describe, expect, it } from 'vitest';
import type { CpuOverrides } from './overrides.js';
import {
  contiguousView,
  expectClose,
  expectExact,
  freshCpu,
  read,
  rng,
} from '../helpers.test.util.js';

const cpu = freshCpu();
const ov = cpu.overrides as CpuOverrides;

type Shape4 = [number, number, number, number];

/** Direct loop-nest gradients of conv2d: every (output, tap) pair adds to gx and gw. */
function naiveConvGrads(
  x: number[],
  xs: Shape4,
  w: number[],
  ws: Shape4,
  g: number[],
  gs: Shape4,
  p: Conv2dParams,
) {
  const [n, c, h, wd] = xs;
  const [o, cg, kh, kw] = ws;
  const [, , oh, ow] = gs;
  const gx = new Array<number>(x.length).fill(0);
  const gw = new Array<number>(w.length).fill(0);
  for (let ni = 0; ni < n; ni++)
    for (let oi = 0; oi < o; oi++)
      for (let y = 0; y < oh; y++)
        for (let z = 0; z < ow; z++) {
          const gv = g[((ni * o + oi) * oh + y) * ow + z]!;
          const group = Math.floor(oi / (o / p.groups));
          for (let ci = 0; ci < cg; ci++)
            for (let i = 0; i < kh; i++)
              for (let j = 0; j < kw; j++) {
                const r = y * p.stride[0] + i * p.dilation[0] - p.padding[0];
                const s = z * p.stride[1] + j * p.dilation[1] - p.padding[2];
                if (r < 0 || r >= h || s < 0 || s >= wd) continue;
                const xi = ((ni * c + group * cg + ci) * h + r) * wd + s;
                const wi = ((oi * cg + ci) * kh + i) * kw + j;
                gx[xi]! += gv * w[wi]!;
                gw[wi]! += gv * x[xi]!;
              }
        }
  return [gx, gw];
}

describe('conv2dBackward', () => {
  const cases: [string, Shape4, Shape4, Conv2dParams][] = [
    [
      'plain',
      [2, 3, 5, 4],
      [4, 3, 3, 2],
      { stride: [1, 1], padding: [0, 0, 0, 0], dilation: [1, 1], groups: 1 },
    ],
    [
      'strided, dilated, asymmetric padding',
      [1, 2, 9, 8],
      [3, 2, 3, 2],
      { stride: [2, 3], padding: [1, 2, 0, 3], dilation: [2, 2], groups: 1 },
    ],
    [
      'grouped',
      [3, 4, 6, 5],
      [6, 2, 2, 3],
      { stride: [1, 2], padding: [1, 1, 1, 1], dilation: [1, 1], groups: 2 },
    ],
  ];
  for (const dtype of ['float32', 'float64'] as const)
    for (const [name, xs, ws, p] of cases)
      it(`${name} (${dtype}) matches a direct loop nest`, () => {
        const r = rng(7);
        const oh =
          Math.floor(
            (xs[2] + p.padding[0] + p.padding[1] - p.dilation[0] * (ws[2] - 1) - 1) / p.stride[0],
          ) + 1;
        const ow =
          Math.floor(
            (xs[3] + p.padding[2] + p.padding[3] - p.dilation[1] * (ws[3] - 1) - 1) / p.stride[1],
          ) + 1;
        const gs: Shape4 = [xs[0], ws[0], oh, ow];
        const [x, w, g] = [xs, ws, gs].map((s) =>
          Array.from({ length: sizeOf(s) }, () => r() - 0.5),
        );
        const [wantX, wantW] = naiveConvGrads(x!, xs, w!, ws, g!, gs, p);
        const views = [x, w, g].map((d, i) => contiguousView(cpu, dtype, [xs, ws, gs][i]!, d!));
        const before = cpu.stats().buffers;
        const [gx, gw] = ov.conv2dBackward(views[0]!, views[1]!, views[2]!, p, [true, true]);
        const tol = dtype === 'float32' ? 1e-5 : 1e-12;
        expectClose(read(cpu, gx!, dtype, x!.length), wantX!, tol, tol, 'gx');
        expectClose(read(cpu, gw!, dtype, w!.length), wantW!, tol, tol, 'gw');
        expect(cpu.stats().buffers).toBe(before + 2); // only the two outputs stay allocated
        const [onlyX, noW] = ov.conv2dBackward(views[0]!, views[1]!, views[2]!, p, [true, false]);
        expect(noW).toBeNull();
        expectClose(read(cpu, onlyX!, dtype, x!.length), wantX!, tol, tol, 'gx alone');
      });
});

/** torch's max pool by definition: scan each window's in-bounds taps; first max, last NaN wins. */
function naivePool(x: number[], xs: Shape4, p: Pool2dParams, oh: number, ow: number) {
  const [n, c, h, w] = xs;
  const values: number[] = [];
  const indices: number[] = [];
  for (let plane = 0; plane < n * c; plane++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        let best = NaN;
        let at = -1;
        for (let a = 0; a < p.kernel[0]; a++)
          for (let b = 0; b < p.kernel[1]; b++) {
            const r = i * p.stride[0] - p.padding[0] + a * p.dilation[0];
            const s = j * p.stride[1] - p.padding[1] + b * p.dilation[1];
            if (r < 0 || r >= h || s < 0 || s >= w) continue;
            const v = x[plane * h * w + r * w + s]!;
            if (at < 0 || v > best || Number.isNaN(v)) [best, at] = [v, r * w + s];
          }
        values.push(best);
        indices.push(at);
      }
  return [values, indices];
}

describe('maxPool2d', () => {
  const cases: [string, Shape4, Pool2dParams, number, number][] = [
    [
      '2x2',
      [2, 3, 6, 6],
      { kernel: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1], ceilMode: false },
      3,
      3,
    ],
    [
      'padded, ceil mode',
      [1, 2, 7, 6],
      { kernel: [3, 2], stride: [2, 2], padding: [1, 1], dilation: [1, 1], ceilMode: true },
      4,
      4,
    ],
    [
      'dilated, overlapping',
      [1, 1, 8, 9],
      { kernel: [2, 3], stride: [1, 2], padding: [1, 1], dilation: [3, 2], ceilMode: false },
      7,
      4,
    ],
  ];
  for (const dtype of ['float32', 'float64'] as const)
    for (const [name, xs, p, oh, ow] of cases)
      it(`${name} (${dtype}): values and plane indices by definition, with ties, NaN and -inf`, () => {
        const r = rng(11);
        const specials = [NaN, -Infinity, Infinity, 0];
        const x = Array.from({ length: sizeOf(xs) }, () =>
          r() < 0.1 ? specials[Math.floor(r() * 4)]! : Math.round((r() - 0.5) * 6),
        );
        const [wantV, wantI] = naivePool(x, xs, p, oh, ow);
        const [v, i] = ov.maxPool2d(contiguousView(cpu, dtype, xs, x), p);
        expectExact(read(cpu, v, dtype, wantV!.length), wantV!, 'values');
        expectExact(read(cpu, i, 'int32', wantI!.length), wantI!, 'indices');
      });

  it('reads a view at an offset and starts an all -inf window at its first in-bounds tap', () => {
    const p: Pool2dParams = {
      kernel: [2, 2],
      stride: [2, 2],
      padding: [1, 1],
      dilation: [1, 1],
      ceilMode: false,
    };
    const data = [99, 99, -Infinity, -Infinity, -Infinity, -Infinity, 1, 2, 3];
    const buf = contiguousView(cpu, 'float64', [9], data).buf;
    const x = {
      buf,
      dtype: 'float64' as const,
      shape: [1, 1, 2, 3],
      strides: [6, 6, 3, 1],
      offset: 3,
    };
    const [v, i] = ov.maxPool2d(x, p);
    expectExact(read(cpu, v, 'float64', 4), [-Infinity, -Infinity, 1, 3], 'values');
    expectExact(read(cpu, i, 'int32', 4), [0, 1, 3, 5], 'indices');
  });
});
