/**
 * Gradient oracles. The objective for a case is L(x) = Σ_k ⟨out_k(x), g_k⟩ with the fixture's
 * gradOutputs g_k, so ∂L/∂x is exactly the vector–Jacobian product that fl.grad returns.
 * Central differences in float64 approximate it numerically.
 */
import * as fl from '@flint/core';
import type { DType } from '@flint/core/backend';
import { makeTensor, values, type FixtureCase, type TensorSpec } from '../l1/fixtures.js';
import { diffOutputs, INVOKE } from '../l1/invoke.js';
import { read } from '../harness/read.js';

type Tensor = fl.Tensor;

/** Float inputs of a case that require grad. */
export const gradInputs = (c: FixtureCase): number[] =>
  c.inputs.flatMap((s, i) => (s.requiresGrad ? [i] : []));

/** Leaves for a case: float inputs in `dtype` (those that require grad as leaves), others as given. */
export function leaves(c: FixtureCase, dtype: DType, data?: Map<number, number[]>): Tensor[] {
  return c.inputs.map((s, i) => {
    const vals = data?.get(i);
    const spec: TensorSpec = vals ? { ...s, data: vals } : s;
    const isFloat = s.dtype === 'float32' || s.dtype === 'float64';
    return makeTensor(spec, { dtype: isFloat ? dtype : s.dtype, requiresGrad: !!s.requiresGrad });
  });
}

export function runOp(c: FixtureCase, ins: Tensor[]): Tensor[] {
  return diffOutputs(INVOKE[c.op]!(ins, c.args));
}

export function gradOutputs(c: FixtureCase, dtype: DType): Tensor[] {
  return (c.gradOutputs ?? []).map((s) => makeTensor(s, { dtype }));
}

/**
 * Gradients as float64 arrays, zeros where a gradient is null (an unused input of `sizes[k]`
 * elements); the tensors are disposed once read.
 */
export async function readGrads(
  gs: readonly (Tensor | null)[],
  sizes: readonly number[],
): Promise<Float64Array[]> {
  const out: Float64Array[] = [];
  for (const [k, g] of gs.entries()) {
    out.push(g ? Float64Array.from(await read(g)) : new Float64Array(sizes[k]!));
    g?.dispose();
  }
  return out;
}

/** Analytic gradients of L w.r.t. each input that requires grad (zeros where unused). */
export async function analyticGrads(
  c: FixtureCase,
  dtype: DType,
  data?: Map<number, number[]>,
): Promise<Float64Array[]> {
  const { gs, sizes } = fl.tidy(() => {
    const ins = leaves(c, dtype, data);
    const req = gradInputs(c).map((i) => ins[i]!);
    const gs = fl.grad(runOp(c, ins), req, {
      gradOutputs: gradOutputs(c, dtype),
      allowUnused: true,
    });
    return { gs, sizes: req.map((r) => r.numel()) };
  });
  return readGrads(gs, sizes);
}

/** L(x) evaluated without autograd, in float64, from plain data. */
export async function objective(c: FixtureCase, data: Map<number, number[]>): Promise<number> {
  const outs = fl.tidy(() =>
    fl.noGrad(() => {
      const ins = c.inputs.map((s, i) => {
        const vals = data.get(i);
        const isFloat = s.dtype === 'float32' || s.dtype === 'float64';
        return makeTensor(vals ? { ...s, data: vals } : s, {
          dtype: isFloat ? 'float64' : s.dtype,
        });
      });
      return runOp(c, ins);
    }),
  );
  let total = 0;
  for (const [k, o] of outs.entries()) {
    const d = await read(o);
    o.dispose();
    const g = values(c.gradOutputs![k]!);
    for (let j = 0; j < d.length; j++) total += d[j]! * g[j]!;
  }
  return total;
}

/** Central differences of L w.r.t. each input that requires grad. */
export async function numericGrads(c: FixtureCase, h = 1e-6): Promise<Float64Array[]> {
  const base = new Map(c.inputs.map((s, i) => [i, values(s)] as const));
  const grads: Float64Array[] = [];
  for (const i of gradInputs(c)) {
    const x = base.get(i)!;
    const out = new Float64Array(x.length);
    for (let j = 0; j < x.length; j++) {
      const step = h * Math.max(1, Math.abs(x[j]!));
      const at = (v: number): Promise<number> =>
        objective(
          c,
          new Map(base).set(
            i,
            x.map((w, k) => (k === j ? v : w)),
          ),
        );
      out[j] = ((await at(x[j]! + step)) - (await at(x[j]! - step))) / (2 * step);
    }
    grads.push(out);
  }
  return grads;
}
