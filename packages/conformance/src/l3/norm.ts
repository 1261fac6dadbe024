/**
 * L3 layerNorm, gelu and crossEntropy: each kernel called directly on KViews against core's
 * decomposition (the public op with overrides switched off), special values included, then the
 * public op's first and second-order gradients with the override against the decomposition's.
 */
import * as fl from '@flint/core';
import type { DType } from '@flint/core/backend';
import { check } from '../harness/compare.js';
import { withBuffers } from '../l0/views.js';
import { flatTensor } from '../l1/fixtures.js';
import type { Case, CaseContext } from '../types.js';
import {
  FLOATS,
  checkGradients,
  close,
  normals,
  take,
  upload,
  values,
  valuesAll,
} from './common.js';

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

interface NormVariant {
  shape: number[];
  ns: number[];
  weight?: boolean;
  bias?: boolean;
  offset?: boolean;
  /** Added to every input (a mean away from 0). */
  shift?: number;
}

const LN: Record<string, NormVariant> = {
  affine: { shape: [4, 6], ns: [6], weight: true, bias: true },
  plain: { shape: [3, 5], ns: [5] },
  'weight-only': { shape: [2, 3, 4], ns: [4], weight: true },
  'bias-only': { shape: [2, 3, 4], ns: [3, 4], bias: true },
  'multi-dim': { shape: [2, 3, 4], ns: [3, 4], weight: true, bias: true, shift: 3 },
  whole: { shape: [3, 4], ns: [3, 4], weight: true, bias: true },
  single: { shape: [4, 1], ns: [1], weight: true, bias: true },
  offset: { shape: [5, 3], ns: [3], weight: true, bias: true, offset: true },
};

function lnInputs(variant: string) {
  const v = LN[variant]!;
  const x = normals(`l3/ln/${variant}/x`, size(v.shape), 2).map((a) => a + (v.shift ?? 0));
  const w = v.weight ? normals(`l3/ln/${variant}/w`, size(v.ns)).map((a) => 1 + a / 2) : null;
  const b = v.bias ? normals(`l3/ln/${variant}/b`, size(v.ns)) : null;
  return { x, w, b };
}

/** The decomposition's y, per-row mean and 1/√(biased var + eps). */
function lnDecomposed(variant: string, dtype: DType, eps: number): Promise<number[][]> {
  const v = LN[variant]!;
  const { x, w, b } = lnInputs(variant);
  const ts = fl.decomposed.run(() => {
    const xt = flatTensor(x, v.shape, dtype);
    const [wt, bt] = [w, b].map((d) => (d ? flatTensor(d, v.ns, dtype) : null));
    const y = fl.nn.F.layerNorm(xt, v.ns, wt, bt, eps);
    const rows = xt.reshape([-1, size(v.ns)]);
    const mean = rows.mean(1);
    const rstd = rows.var({ dim: 1, correction: 0 }).add(eps).rsqrt();
    return [y, mean, rstd];
  });
  return valuesAll(ts);
}

function layerNormCase(dtype: DType, variant: string): Case {
  const v = LN[variant]!;
  return {
    id: `l3/layerNorm/${dtype}/${variant}`,
    layer: 'L3',
    op: 'layerNorm',
    dtype,
    needs: { override: 'layerNorm', dtypes: [dtype] },
    run: async (ctx: CaseContext) => {
      const eps = 1e-5;
      const { x, w, b } = lnInputs(variant);
      const n = size(v.ns);
      const rows = size(v.shape) / n;
      const got = await withBuffers(ctx.backend, async (bufs) => {
        const [wv, bv] = [w, b].map((d) => (d ? upload(bufs, dtype, v.ns, d, v.offset) : null));
        const xv = upload(bufs, dtype, v.shape, x, v.offset);
        const out = ctx.backend.overrides!.layerNorm!(xv, wv!, bv!, n, eps);
        return Promise.all(
          out.map((buf, i) => take(bufs, buf, dtype, i === 0 ? size(v.shape) : rows)),
        );
      });
      const want = await lnDecomposed(variant, dtype, eps);
      ['y', 'mean', 'rstd'].forEach((name, i) =>
        close(ctx, dtype, got[i]!, want[i]!, `layerNorm ${name} vs the decomposition`),
      );
    },
  };
}

function layerNormGradCase(variant: string, second: boolean): Case {
  const v = LN[variant]!;
  return {
    id: `l3/layerNorm/${second ? 'grad2' : 'grad'}/${variant}`,
    layer: 'L3',
    op: 'layerNorm',
    dtype: 'float64',
    needs: { override: 'layerNorm', dtypes: ['float64'] },
    run: async (ctx: CaseContext) => {
      const { x, w, b } = lnInputs(variant);
      const inputs = [{ data: x, shape: v.shape }];
      for (const d of [w, b]) if (d) inputs.push({ data: d, shape: v.ns });
      const f = ([xt, ...rest]: fl.Tensor[]) =>
        fl.nn.F.layerNorm(xt!, v.ns, v.weight ? rest[0]! : null, v.bias ? rest.at(-1)! : null);
      await checkGradients(ctx, f, inputs, `l3/ln-grad/${variant}`, `layerNorm ${variant}`, second);
    },
  };
}

const GELU_INPUTS: Record<string, () => number[]> = {
  random: () => normals('l3/gelu', 64, 3),
  special: () => [0, -0, 1, -1, 1e-8, -1e-8, 0.5, -3, 5, -5, 10, -10, 40, -40],
  'non-finite': () => [Infinity, -Infinity, NaN, 2, -2],
};

function geluCase(dtype: DType, approximate: 'none' | 'tanh', variant: string): Case {
  return {
    id: `l3/gelu/${dtype}/${approximate}/${variant}`,
    layer: 'L3',
    op: 'gelu',
    dtype,
    needs: { override: 'gelu', dtypes: [dtype] },
    run: async (ctx: CaseContext) => {
      const data = GELU_INPUTS[variant]!();
      const got = await withBuffers(ctx.backend, async (bufs) => {
        const view = upload(bufs, dtype, [data.length], data, variant === 'random');
        return take(bufs, ctx.backend.overrides!.gelu!(view, approximate), dtype, data.length);
      });
      const want = await values(
        fl.decomposed.run(() => fl.nn.F.gelu(flatTensor(data, [data.length], dtype), approximate)),
      );
      close(ctx, dtype, got, want, `gelu (${approximate}) vs the decomposition`);
    },
  };
}

function geluGradCase(approximate: 'none' | 'tanh', second: boolean): Case {
  return {
    id: `l3/gelu/${second ? 'grad2' : 'grad'}/${approximate}`,
    layer: 'L3',
    op: 'gelu',
    dtype: 'float64',
    needs: { override: 'gelu', dtypes: ['float64'] },
    run: async (ctx: CaseContext) => {
      const inputs = [{ data: normals('l3/gelu-grad', 24, 2), shape: [4, 6] }];
      const f = ([x]: fl.Tensor[]) => fl.nn.F.gelu(x!, approximate);
      await checkGradients(ctx, f, inputs, 'l3/gelu-grad/g', `gelu (${approximate})`, second);
    },
  };
}

interface CeVariant {
  shape: [number, number];
  logits?: (i: number, r: number) => number;
  /** Targets by row; default: drawn in range. */
  targets?: number[];
  ignoreIndex?: number;
  offset?: boolean;
}

const CE: Record<string, CeVariant> = {
  random: { shape: [6, 5] },
  ignored: { shape: [5, 4], targets: [1, -100, 3, -100, 0] },
  'ignore-class': { shape: [4, 3], targets: [2, 0, 2, 1], ignoreIndex: 2 },
  large: { shape: [3, 4], logits: (i, r) => (i % 2 ? 1000 : -1000) + r },
  'neg-inf': {
    shape: [3, 4],
    logits: (i, r) => (i === 1 || i === 2 || i === 6 || i >= 8 ? -Infinity : r),
    targets: [0, 2, 1],
  },
  'single-class': { shape: [3, 1] },
  // As logSoftmax: +∞ or NaN in a row, or an all −∞ row, give a NaN loss (torch).
  special: {
    shape: [4, 3],
    logits: (i, r) =>
      [Infinity, 0, 1, NaN, 0, 1, -Infinity, -Infinity, -Infinity, r, Infinity, 0][i]!,
    targets: [1, 2, 0, 0],
  },
  'all-ignored': { shape: [3, 4], targets: [-100, -100, -100] },
  offset: { shape: [4, 6], offset: true },
};

function ceInputs(variant: string) {
  const v = CE[variant]!;
  const [n, c] = v.shape;
  const raw = normals(`l3/ce/${variant}`, n * c, 2);
  const logits = raw.map((r, i) => (v.logits ? v.logits(i, r) : r));
  const draws = normals(`l3/ce/${variant}/t`, n);
  const targets = v.targets ?? draws.map((r) => Math.floor(Math.abs(r) * 7919) % c);
  return { logits, targets, ignoreIndex: v.ignoreIndex ?? -100 };
}

function crossEntropyCase(dtype: DType, variant: string): Case {
  const v = CE[variant]!;
  return {
    id: `l3/crossEntropy/${dtype}/${variant}`,
    layer: 'L3',
    op: 'crossEntropy',
    dtype,
    needs: { override: 'crossEntropy', dtypes: [dtype, 'int32'] },
    run: async (ctx: CaseContext) => {
      const { logits, targets, ignoreIndex } = ceInputs(variant);
      const got = await withBuffers(ctx.backend, async (bufs) => {
        const x = upload(bufs, dtype, v.shape, logits, v.offset);
        const t = upload(bufs, 'int32', [v.shape[0]], targets, v.offset);
        const out = ctx.backend.overrides!.crossEntropy!(x, t, ignoreIndex);
        return take(bufs, out, dtype, v.shape[0]);
      });
      const want = await values(
        fl.decomposed.run(() => {
          const x = flatTensor(logits, v.shape, dtype);
          const t = flatTensor(targets, [v.shape[0]], 'int32');
          return fl.nn.F.crossEntropy(x, t, { reduction: 'none', ignoreIndex });
        }),
      );
      close(ctx, dtype, got, want, 'crossEntropy rows vs the decomposition');
      targets.forEach((t, i) =>
        check(t !== ignoreIndex || Object.is(got[i], 0), `row ${i} is ignored, got ${got[i]}`),
      );
    },
  };
}

function crossEntropyRangeCase(target: number): Case {
  return {
    id: `l3/crossEntropy/out-of-range/${target}`,
    layer: 'L3',
    op: 'crossEntropy',
    dtype: 'float32',
    needs: { override: 'crossEntropy', dtypes: ['float32', 'int32'] },
    run: async (ctx: CaseContext) => {
      let threw = false;
      await withBuffers(ctx.backend, async (bufs) => {
        const x = upload(bufs, 'float32', [3, 4], normals('l3/ce/range', 12));
        const t = upload(bufs, 'int32', [3], [0, target, 1]);
        try {
          const out = ctx.backend.overrides!.crossEntropy!(x, t, -100);
          await take(bufs, out, 'float32', 3); // an asynchronous device may only fail here
        } catch {
          threw = true;
        }
      });
      check(threw, `crossEntropy with target ${target} of 4 classes did not throw`);
    },
  };
}

/** The public op, every reduction: values and gradients with the override vs the decomposition. */
function crossEntropyOpCase(reduction: 'none' | 'sum' | 'mean', variant: string): Case {
  const v = CE[variant]!;
  return {
    id: `l3/crossEntropy/op/${reduction}/${variant}`,
    layer: 'L3',
    op: 'crossEntropy',
    dtype: 'float64',
    needs: { override: 'crossEntropy', dtypes: ['float64', 'int32'] },
    run: async (ctx: CaseContext) => {
      const { logits, targets, ignoreIndex } = ceInputs(variant);
      const t = flatTensor(targets, [v.shape[0]], 'int32');
      const f = ([x]: fl.Tensor[]) => fl.nn.F.crossEntropy(x!, t, { reduction, ignoreIndex });
      const forward = (decomposed: boolean) => {
        const run = () => f([flatTensor(logits, v.shape, 'float64')]);
        return values(decomposed ? fl.decomposed.run(run) : run());
      };
      const [fused, composite] = [await forward(false), await forward(true)];
      close(ctx, 'float64', fused, composite, `crossEntropy (${reduction})`);
      const inputs = [{ data: logits, shape: v.shape }];
      const seed = `l3/ce-grad/${variant}`;
      await checkGradients(ctx, f, inputs, seed, `crossEntropy (${reduction}, ${variant})`);
      if (reduction === 'mean' && variant === 'ignored')
        await checkGradients(ctx, f, inputs, seed, `crossEntropy (${reduction}, ${variant})`, true);
    },
  };
}

export function normCases(): Case[] {
  const cases: Case[] = [];
  for (const d of FLOATS) for (const v of Object.keys(LN)) cases.push(layerNormCase(d, v));
  for (const v of ['affine', 'plain', 'weight-only', 'bias-only', 'multi-dim'])
    cases.push(layerNormGradCase(v, false));
  cases.push(layerNormGradCase('affine', true), layerNormGradCase('multi-dim', true));
  for (const d of FLOATS)
    for (const a of ['none', 'tanh'] as const)
      for (const v of Object.keys(GELU_INPUTS)) cases.push(geluCase(d, a, v));
  for (const a of ['none', 'tanh'] as const)
    cases.push(geluGradCase(a, false), geluGradCase(a, true));
  for (const d of FLOATS) for (const v of Object.keys(CE)) cases.push(crossEntropyCase(d, v));
  cases.push(crossEntropyRangeCase(4), crossEntropyRangeCase(-1));
  for (const r of ['none', 'sum', 'mean'] as const)
    for (const v of ['random', 'ignored', 'ignore-class']) cases.push(crossEntropyOpCase(r, v));
  cases.push(crossEntropyOpCase('mean', 'all-ignored'));
  return cases;
}
