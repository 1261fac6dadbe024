/**
 * L3 softmax and logSoftmax: the override kernel called directly on a KView against core's
 * decomposition and a plain-JS reference; under autograd the public op must give the
 * decomposition's gradient.
 */
import * as fl from '@flint/core';
import { coerce, contiguousStrides, type DType } from '@flint/core/backend';
import { assertClose } from '../harness/compare.js';
import { Rng } from '../harness/rng.js';
import type { Case, CaseContext } from '../types.js';
import { readNumbers } from '../harness/read.js';
import { withBuffers } from '../l0/views.js';
import { flatTensor } from '../l1/fixtures.js';

type Name = 'softmax' | 'logSoftmax';

const INPUTS: Record<
  string,
  { shape: number[]; axis: number; gen: (r: Rng, i: number) => number }
> = {
  rows: { shape: [4, 7], axis: 1, gen: (r) => r.normal() * 3 },
  cols: { shape: [5, 3], axis: 0, gen: (r) => r.normal() },
  rank3: { shape: [2, 3, 4], axis: 1, gen: (r) => r.normal() * 2 },
  large: { shape: [2, 4], axis: 1, gen: (_, i) => [1000, 999, -1000, 0, -50, -50, -50, -50][i]! },
  'neg-inf': {
    shape: [2, 3],
    axis: 1,
    gen: (_, i) => [-Infinity, 0, 1, -Infinity, 2, -Infinity][i]!,
  },
  single: { shape: [3, 1], axis: 1, gen: (r) => r.normal() },
  // +∞ or NaN in a line make it NaN, an all −∞ line is NaN (torch); −100 gives a subnormal float32.
  special: {
    shape: [5, 3],
    axis: 1,
    gen: (_, i) =>
      [
        Infinity,
        0,
        1,
        NaN,
        0,
        1,
        -Infinity,
        -Infinity,
        -Infinity,
        Infinity,
        Infinity,
        0,
        0,
        -100,
        -1,
      ][i]!,
  },
};

/** Plain-JS softmax/logSoftmax along an axis, in float64. */
export function softmaxRef(x: number[], shape: number[], axis: number, log: boolean): number[] {
  const st = contiguousStrides(shape);
  const out = new Array<number>(x.length);
  const n = shape[axis]!;
  for (let base = 0; base < x.length; base++) {
    if (Math.floor(base / st[axis]!) % n !== 0) continue; // first element of each lane
    const lane = Array.from({ length: n }, (_, k) => base + k * st[axis]!);
    const m = Math.max(...lane.map((i) => x[i]!));
    const lse = Math.log(lane.reduce((s, i) => s + Math.exp(x[i]! - m), 0)) + m;
    for (const i of lane) out[i] = log ? x[i]! - lse : Math.exp(x[i]! - lse);
  }
  return out;
}

function kernelCase(name: Name, dtype: DType, variant: string): Case {
  const v = INPUTS[variant]!;
  return {
    id: `l3/${name}/${dtype}/${variant}`,
    layer: 'L3',
    op: name,
    dtype,
    needs: { override: name, dtypes: [dtype] },
    run: async (ctx: CaseContext) => {
      const rng = new Rng(`l3/${variant}`);
      const n = v.shape.reduce((a, b) => a * b, 1);
      const data = Array.from({ length: n }, (_, i) => coerce(v.gen(rng, i), dtype));
      const ref = softmaxRef(data, v.shape, v.axis, name === 'logSoftmax').map((y) =>
        coerce(y, dtype),
      );
      const fused = await withBuffers(ctx.backend, async (bufs) => {
        const view = bufs.view(
          dtype,
          { shape: v.shape, strides: contiguousStrides(v.shape), offset: 0, size: n },
          data,
        ).view;
        return Array.from(await bufs.take(ctx.backend.overrides![name]!(view, v.axis), dtype, n));
      });
      assertClose(fused, ref, { tol: ctx.tol(dtype), what: `override ${name} vs reference` });
      const x = flatTensor(data, v.shape, dtype);
      const composite = await readNumbers(fl.decomposed[name](x, v.axis));
      assertClose(fused, composite, {
        tol: ctx.tol(dtype),
        what: `override ${name} vs core's decomposition`,
      });
      assertClose(await readNumbers(x[name](v.axis)), composite, {
        tol: ctx.tol(dtype),
        what: `fl.${name} vs decomposition`,
      });
    },
  };
}

function gradCase(name: Name): Case {
  return {
    id: `l3/${name}/grad`,
    layer: 'L3',
    op: name,
    dtype: 'float64',
    needs: { override: name, dtypes: ['float64'] },
    run: async (ctx: CaseContext) => {
      const rng = new Rng(`l3/grad/${name}`);
      const data = Float64Array.from({ length: 12 }, () => rng.normal());
      const g = fl.tensor(
        Float64Array.from({ length: 12 }, () => rng.normal()),
        { shape: [3, 4], dtype: 'float64' },
      );
      const gradOf = (f: (x: fl.Tensor) => fl.Tensor): Promise<number[]> => {
        const x = fl.tensor(data, { shape: [3, 4], dtype: 'float64', requiresGrad: true });
        return readNumbers(fl.grad([f(x)], [x], { gradOutputs: [g] })[0]!);
      };
      const viaOp = await gradOf((x) => x[name](1));
      const viaComposite = await gradOf((x) => fl.decomposed[name](x, 1));
      assertClose(viaOp, viaComposite, {
        tol: ctx.tol('float64'),
        what: `gradient of ${name} vs the decomposition's`,
      });
    },
  };
}

export function softmaxCases(): Case[] {
  const cases: Case[] = [];
  for (const name of ['softmax', 'logSoftmax'] as const) {
    for (const dtype of ['float32', 'float64'] as const)
      for (const v of Object.keys(INPUTS)) cases.push(kernelCase(name, dtype, v));
    cases.push(gradCase(name));
  }
  return cases;
}
