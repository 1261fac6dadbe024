/**
 * Running a differential program with Flint: inputs (base tensors, then their view ops), the
 * chain of steps through the fixture call table (l1/invoke.ts), gradients of L = Σ⟨out_k, g_k⟩
 * and the Hessian–vector product ∇⟨∇L, v⟩. Shared by the corpus cases and the cross-backend
 * property test, which builds programs of the same form.
 */
import * as fl from '@flint/core';
import type { DType } from '@flint/core/backend';
import { values, type TensorSpec } from '../l1/fixtures.js';
import { read } from '../harness/read.js';
import { INVOKE, type OpResult } from '../l1/invoke.js';
import type { DiffInput, DiffProgram, DiffStep } from './corpus.js';

type Tensor = fl.Tensor;

const ARRAYS = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  bool: Uint8Array,
} as const;

export const isFloat = (d: DType): boolean => d === 'float32' || d === 'float64';

/** A step threw: which one, and what. */
export class StepError extends Error {
  override name = 'StepError';
  constructor(
    readonly step: number,
    readonly op: string,
    readonly error: unknown,
  ) {
    super(`step ${step} (${op}) threw ${error instanceof Error ? error.name : typeof error}`);
  }
}

export interface RunOptions {
  device?: string;
  /** Make inputs marked requiresGrad gradient leaves. */
  grad?: boolean;
  /** Hold every float value (inputs and step results) in this dtype: a precision twin. */
  floatAs?: DType;
}

export function tensorOf(
  spec: TensorSpec,
  o: { device?: string; dtype?: DType; requiresGrad?: boolean } = {},
): Tensor {
  const dtype = o.dtype ?? spec.dtype;
  const vals = values(spec);
  const arr = new ARRAYS[dtype](vals.length);
  for (let i = 0; i < vals.length; i++) arr[i] = vals[i]!;
  return fl.tensor(arr, {
    shape: [...spec.shape],
    dtype,
    device: o.device,
    requiresGrad: !!o.requiresGrad,
  });
}

const asTensor = (r: OpResult, op: string): Tensor => {
  if (r instanceof fl.Tensor) return r;
  throw new Error(`@flint/conformance: ${op} did not return a tensor mid-program`);
};

export function leafOf(s: DiffInput, o: RunOptions): Tensor {
  const dtype = o.floatAs && isFloat(s.dtype) ? o.floatAs : s.dtype;
  return tensorOf(s, { device: o.device, dtype, requiresGrad: !!(o.grad && s.requiresGrad) });
}

export function viewOf(s: DiffInput, leaf: Tensor, index: number): Tensor {
  let t = leaf;
  for (const v of s.views ?? []) {
    try {
      t = asTensor(INVOKE[v.op]!([t], v.args), v.op);
    } catch (e) {
      throw new StepError(-1, `input ${index} view ${v.op}`, e);
    }
  }
  return t;
}

export interface Run {
  leaves: Tensor[];
  result: OpResult;
  /** The tensors the last step received (for the per-op tolerance scale). */
  last: Tensor[];
  /** Float dtypes of the inputs and of every step's result. */
  floats: Set<DType>;
  /** The float inputs as the program sees them (after their views) and every float step result. */
  values: Tensor[];
  /** What each step received. */
  stepInputs: Tensor[][];
}

/** Runs every step; a throwing step becomes a StepError naming it. */
export function runProgram(p: { inputs: DiffInput[]; steps: DiffStep[] }, o: RunOptions = {}): Run {
  const leaves = p.inputs.map((s) => leafOf(s, o));
  const views = p.inputs.map((s, i) => viewOf(s, leaves[i]!, i));
  let prev: OpResult | undefined;
  let last: Tensor[] = [];
  const floats = new Set(views.map((v) => v.dtype).filter(isFloat));
  const seen = views.filter((v) => isFloat(v.dtype));
  const stepInputs: Tensor[][] = [];
  p.steps.forEach((s, k) => {
    const fn = INVOKE[s.op];
    if (!fn) throw new Error(`@flint/conformance: no Flint call for op '${s.op}'`);
    last = s.in.map((ref) => (ref === -1 ? asTensor(prev!, p.steps[k - 1]!.op) : views[ref]!));
    stepInputs.push(last);
    try {
      prev = fn(last, s.args);
    } catch (e) {
      throw new StepError(k, s.op, e);
    }
    if (prev instanceof fl.Tensor && isFloat(prev.dtype)) floats.add(prev.dtype);
    if (prev) seen.push(...floatOutputs(prev));
    // a precision twin holds every float value in floatAs, results of int inputs included
    if (o.floatAs && prev instanceof fl.Tensor && isFloat(prev.dtype) && prev.dtype !== o.floatAs)
      prev = fl.cast(prev, o.floatAs);
  });
  return { leaves, result: prev!, last, floats, values: seen, stepInputs };
}

/** The float results that carry gradients, in the order gradOutputs lists them. */
export function floatOutputs(r: OpResult): Tensor[] {
  const list = r instanceof fl.Tensor ? [r] : Array.isArray(r) ? r : [r.values];
  return list.filter((t) => isFloat(t.dtype));
}

export interface Grads {
  /** ∂L/∂ leaf, per input (null where the input is not a leaf). */
  first: (Float64Array | null)[];
  /** ∇⟨∇L, v⟩ per input, when directions were given. */
  second: (Float64Array | null)[] | null;
}

const zerosFor = (leaves: Tensor[]) =>
  leaves.map((l) => (l.requiresGrad ? new Float64Array(l.numel()) : null));

/** Gradients of L = Σ⟨out_k, g_k⟩ (and the HVP along `dirs`); an output without a graph is constant. */
export async function gradients(
  run: Run,
  gradOutputs: readonly TensorSpec[],
  dirs?: readonly (TensorSpec | null)[],
): Promise<Grads> {
  const outs = floatOutputs(run.result)
    .map((o, k) => [o, gradOutputs[k]!] as const)
    .filter(([o]) => o.requiresGrad);
  const req = run.leaves.filter((l) => l.requiresGrad);
  if (!outs.length || !req.length)
    return { first: zerosFor(run.leaves), second: dirs ? zerosFor(run.leaves) : null };
  const g1 = fl.grad(
    outs.map(([o]) => o),
    req,
    {
      gradOutputs: outs.map(([o, g]) => tensorOf(g, { device: o.device, dtype: o.dtype })),
      allowUnused: true,
      createGraph: !!dirs,
    },
  );
  const first = await spread(run.leaves, g1);
  if (!dirs) return { first, second: null };
  const terms: Tensor[] = [];
  let k = 0;
  run.leaves.forEach((l, i) => {
    if (!l.requiresGrad) return;
    const g = g1[k++];
    if (g && g.requiresGrad)
      terms.push(g.mul(tensorOf(dirs[i]!, { device: l.device, dtype: l.dtype })).sum());
  });
  if (!terms.length) return { first, second: zerosFor(run.leaves) };
  const g2 = fl.grad([terms.reduce((a, b) => a.add(b))], req, { allowUnused: true });
  return { first, second: await spread(run.leaves, g2) };
}

async function spread(
  leaves: Tensor[],
  gs: (Tensor | null | undefined)[],
): Promise<(Float64Array | null)[]> {
  let k = 0;
  const out: (Float64Array | null)[] = [];
  for (const l of leaves) {
    if (!l.requiresGrad) {
      out.push(null);
      continue;
    }
    const g = gs[k++];
    out.push(g ? Float64Array.from(await read(g)) : new Float64Array(l.numel()));
  }
  return out;
}

/** A short human-readable form of a program, for failure messages and reports. */
export function describeProgram(p: { inputs: DiffInput[]; steps: DiffStep[] }): string {
  const ins = p.inputs.map((s, i) => {
    const v = (s.views ?? []).map((w) => `.${w.op}(${JSON.stringify(w.args)})`).join('');
    const data = s.data.length <= 8 ? ` ${JSON.stringify(s.data)}` : '';
    return `  in${i}: ${s.dtype}[${s.shape.join(',')}]${v}${s.requiresGrad ? ' grad' : ''}${data}`;
  });
  const steps = p.steps.map(
    (s, k) =>
      `  ${k}: ${s.op}(${s.in.map((r) => (r === -1 ? 'prev' : `in${r}`)).join(', ')}) ${JSON.stringify(s.args)}`,
  );
  return [...ins, ...steps].join('\n');
}

export type { DiffProgram };
