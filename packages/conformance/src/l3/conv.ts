/**
 * L3 conv2dBackward and maxPool2d: each kernel called directly on KViews against core's
 * decomposition (the composite's autograd gradients; the composite pool with its indices), then
 * the public op's gradients with the override against the decomposition's.
 */
import * as fl from '@flint/core';
import type { Conv2dParams, DType, Pool2dParams } from '@flint/core/backend';
import { EXACT, assertClose, check } from '../harness/compare.js';
import { withBuffers } from '../l0/views.js';
import { flatTensor } from '../l1/fixtures.js';
import type { Case, CaseContext } from '../types.js';
import { FLOATS, checkGradients, close, normals, take, upload, valuesAll } from './common.js';

interface ConvVariant {
  x: [number, number, number, number];
  w: [number, number, number, number];
  stride?: [number, number];
  /** [top, bottom, left, right] */
  padding?: [number, number, number, number];
  dilation?: [number, number];
  groups?: number;
  needs?: [boolean, boolean];
  offset?: boolean;
}

const CONV: Record<string, ConvVariant> = {
  basic: { x: [2, 3, 5, 5], w: [4, 3, 3, 3] },
  padded: { x: [1, 2, 6, 5], w: [3, 2, 3, 3], padding: [1, 1, 1, 1] },
  strided: { x: [2, 2, 7, 8], w: [3, 2, 3, 2], stride: [2, 3], padding: [1, 1, 0, 0] },
  dilated: { x: [1, 3, 8, 7], w: [2, 3, 3, 2], dilation: [2, 3], padding: [2, 2, 1, 1] },
  grouped: { x: [2, 4, 5, 6], w: [6, 2, 3, 3], groups: 2, padding: [1, 1, 1, 1] },
  depthwise: { x: [1, 3, 5, 5], w: [3, 1, 3, 3], groups: 3, stride: [2, 2] },
  asymmetric: { x: [2, 2, 6, 6], w: [2, 2, 4, 4], padding: [1, 2, 1, 2] },
  pointwise: { x: [2, 3, 4, 4], w: [5, 3, 1, 1] },
  'input-only': { x: [1, 2, 5, 5], w: [3, 2, 3, 3], padding: [1, 1, 1, 1], needs: [true, false] },
  'weight-only': { x: [1, 2, 5, 5], w: [3, 2, 2, 2], stride: [2, 2], needs: [false, true] },
  offset: { x: [2, 2, 5, 4], w: [2, 2, 3, 3], padding: [0, 1, 1, 0], offset: true },
};

function convParams(v: ConvVariant): Conv2dParams {
  return {
    stride: v.stride ?? [1, 1],
    padding: v.padding ?? [0, 0, 0, 0],
    dilation: v.dilation ?? [1, 1],
    groups: v.groups ?? 1,
  };
}

function convOut(v: ConvVariant, p: Conv2dParams): [number, number, number, number] {
  const size = (i: 0 | 1) => {
    const span = v.x[2 + i]! + p.padding[2 * i]! + p.padding[2 * i + 1]!;
    return Math.floor((span - p.dilation[i] * (v.w[2 + i]! - 1) - 1) / p.stride[i]) + 1;
  };
  return [v.x[0], v.w[0], size(0), size(1)];
}

/** The composite conv2d with the padding applied explicitly (it may be asymmetric). */
function convDecomposed(x: fl.Tensor, w: fl.Tensor, p: Conv2dParams): fl.Tensor {
  const [t, b, l, r] = p.padding;
  const opts = { stride: p.stride, dilation: p.dilation, groups: p.groups };
  return fl.nn.F.conv2d(x.pad([l, r, t, b]), w, null, opts);
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function conv2dBackwardCase(dtype: DType, variant: string): Case {
  const v = CONV[variant]!;
  return {
    id: `l3/conv2dBackward/${dtype}/${variant}`,
    layer: 'L3',
    op: 'conv2dBackward',
    dtype,
    needs: { override: 'conv2dBackward', dtypes: [dtype] },
    run: async (ctx: CaseContext) => {
      const p = convParams(v);
      const out = convOut(v, p);
      const [xd, wd, gd] = [v.x, v.w, out].map((s, i) =>
        normals(`l3/conv/${variant}/${i}`, size(s)),
      );
      const needs = v.needs ?? [true, true];
      const fused = await withBuffers(ctx.backend, async (bufs) => {
        const views = [xd, wd, gd].map((d, i) =>
          upload(bufs, dtype, [v.x, v.w, out][i]!, d!, v.offset),
        );
        const r = ctx.backend.overrides!.conv2dBackward!(views[0]!, views[1]!, views[2]!, p, needs);
        return Promise.all(
          r.map((b, i) => (b === null ? null : take(bufs, b, dtype, size(i ? v.w : v.x)))),
        );
      });
      const composite = await valuesAll(
        fl.decomposed.run(() => {
          const [x, w] = [flatTensor(xd!, v.x, dtype, true), flatTensor(wd!, v.w, dtype, true)];
          const g = flatTensor(gd!, out, dtype);
          return fl.grad([convDecomposed(x, w, p)], [x, w], { gradOutputs: [g] }) as fl.Tensor[];
        }),
      );
      ['gx', 'gw'].forEach((name, i) => {
        const got = fused[i];
        if (!needs[i])
          return check(got === null, `conv2dBackward: ${name} not asked for, got a buffer`);
        check(got, `conv2dBackward: ${name} asked for, got null`);
        close(ctx, dtype, got, composite[i]!, `conv2dBackward ${name} vs the decomposition`, true);
      });
    },
  };
}

const CONV_GRAD: Record<string, { x: number[]; w: number[]; opts: fl.nn.F.ConvOptions }> = {
  'padded-bias': { x: [2, 3, 6, 6], w: [4, 3, 3, 3], opts: { padding: 1 } },
  'grouped-strided': { x: [1, 4, 7, 6], w: [4, 2, 3, 2], opts: { stride: 2, groups: 2 } },
  'same-dilated': { x: [2, 2, 5, 5], w: [3, 2, 2, 3], opts: { padding: 'same', dilation: [2, 1] } },
};

function conv2dGradCase(variant: string, second: boolean): Case {
  const v = CONV_GRAD[variant]!;
  return {
    id: `l3/conv2dBackward/${second ? 'grad2' : 'grad'}/${variant}`,
    layer: 'L3',
    op: 'conv2dBackward',
    dtype: 'float64',
    needs: { override: 'conv2dBackward', dtypes: ['float64'] },
    run: async (ctx: CaseContext) => {
      const inputs = [v.x, v.w, [v.w[0]!]].map((shape, i) => ({
        shape,
        data: normals(`l3/conv-grad/${variant}/${i}`, size(shape)),
      }));
      const f = ([x, w, b]: fl.Tensor[]) => fl.nn.F.conv2d(x!, w!, b!, v.opts);
      await checkGradients(
        ctx,
        f,
        inputs,
        `l3/conv-grad/${variant}/g`,
        `conv2d ${variant}`,
        second,
      );
    },
  };
}

interface PoolVariant {
  x: [number, number, number, number];
  kernel: [number, number];
  stride?: [number, number];
  padding?: [number, number];
  dilation?: [number, number];
  ceilMode?: boolean;
  gen?: (i: number, normal: number) => number;
}

const POOL: Record<string, PoolVariant> = {
  basic: { x: [2, 3, 6, 6], kernel: [2, 2] },
  overlapping: { x: [1, 2, 7, 7], kernel: [3, 3], stride: [1, 1] },
  padded: { x: [2, 2, 5, 6], kernel: [3, 3], stride: [2, 2], padding: [1, 1] },
  ceil: { x: [1, 3, 7, 6], kernel: [2, 3], stride: [2, 2], padding: [0, 1], ceilMode: true },
  'ceil-padded': {
    x: [1, 2, 6, 6],
    kernel: [3, 3],
    stride: [2, 2],
    padding: [1, 1],
    ceilMode: true,
  },
  dilated: { x: [1, 2, 9, 8], kernel: [2, 2], stride: [1, 2], padding: [1, 1], dilation: [2, 3] },
  rectangular: { x: [2, 1, 4, 9], kernel: [1, 3], stride: [1, 3] },
  ties: { x: [1, 2, 6, 6], kernel: [3, 3], stride: [1, 1], gen: (_, r) => Math.round(r) },
  'neg-inf': {
    x: [1, 2, 4, 4],
    kernel: [2, 2],
    gen: (i, r) => (i < 2 || i === 4 || i === 5 || i % 3 === 0 ? -Infinity : r),
  },
  nan: { x: [1, 1, 5, 5], kernel: [2, 2], stride: [1, 1], gen: (i, r) => (i % 3 === 1 ? NaN : r) },
};

function poolParams(v: PoolVariant): Pool2dParams {
  return {
    kernel: v.kernel,
    stride: v.stride ?? v.kernel,
    padding: v.padding ?? [0, 0],
    dilation: v.dilation ?? [1, 1],
    ceilMode: v.ceilMode ?? false,
  };
}

function poolData(variant: string): number[] {
  const v = POOL[variant]!;
  return normals(`l3/pool/${variant}`, size(v.x)).map((r, i) => (v.gen ? v.gen(i, r) : r));
}

const poolOptions = (p: Pool2dParams) => ({
  stride: p.stride,
  padding: p.padding,
  dilation: p.dilation,
  ceilMode: p.ceilMode,
});

function maxPool2dCase(dtype: DType, variant: string): Case {
  const v = POOL[variant]!;
  return {
    id: `l3/maxPool2d/${dtype}/${variant}`,
    layer: 'L3',
    op: 'maxPool2d',
    dtype,
    needs: { override: 'maxPool2d', dtypes: [dtype, 'int32'] },
    run: async (ctx: CaseContext) => {
      const p = poolParams(v);
      const data = poolData(variant);
      const [want, wantIdx] = await valuesAll(
        fl.decomposed.run(() => {
          const opts = { ...poolOptions(p), returnIndices: true as const };
          return fl.nn.F.maxPool2d(flatTensor(data, v.x, dtype), p.kernel, opts);
        }),
      );
      const [got, gotIdx] = await withBuffers(ctx.backend, async (bufs) => {
        const [vb, ib] = ctx.backend.overrides!.maxPool2d!(upload(bufs, dtype, v.x, data), p);
        return [
          await take(bufs, vb, dtype, want!.length),
          await take(bufs, ib, 'int32', want!.length),
        ];
      });
      assertClose(got!, want!, { tol: EXACT, what: 'maxPool2d values vs the decomposition' });
      assertClose(gotIdx!, wantIdx!, {
        tol: EXACT,
        what: 'maxPool2d indices vs the decomposition',
      });
    },
  };
}

function maxPool2dGradCase(variant: string): Case {
  const v = POOL[variant]!;
  return {
    id: `l3/maxPool2d/grad/${variant}`,
    layer: 'L3',
    op: 'maxPool2d',
    dtype: 'float64',
    needs: { override: 'maxPool2d', dtypes: ['float64', 'int32'] },
    run: async (ctx: CaseContext) => {
      const p = poolParams(v);
      const f = ([x]: fl.Tensor[]) => fl.nn.F.maxPool2d(x!, p.kernel, poolOptions(p));
      const inputs = [{ shape: v.x, data: poolData(variant) }];
      await checkGradients(ctx, f, inputs, `l3/pool-grad/${variant}`, `maxPool2d ${variant}`);
    },
  };
}

export function convCases(): Case[] {
  const cases: Case[] = [];
  for (const d of FLOATS) for (const v of Object.keys(CONV)) cases.push(conv2dBackwardCase(d, v));
  for (const v of Object.keys(CONV_GRAD)) cases.push(conv2dGradCase(v, false));
  cases.push(conv2dGradCase('padded-bias', true));
  for (const d of FLOATS) for (const v of Object.keys(POOL)) cases.push(maxPool2dCase(d, v));
  for (const v of ['basic', 'overlapping', 'padded', 'ceil-padded', 'dilated', 'ties'])
    cases.push(maxPool2dGradCase(v));
  return cases;
}
