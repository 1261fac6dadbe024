/**
 * The differential corpus (fixtures/diff/corpus-*.json, written by scripts/gen-diff-corpus.py):
 * random programs of 1–3 public ops with PyTorch's results, gradients and second derivatives.
 * In Node, FLINT_DIFF_CORPUS=<dir> reads another directory instead (e.g. a larger local run).
 */
import type { DType } from '@flint/core/backend';
import { host } from '../host/host.js';
import type { Expected, TensorSpec } from '../l1/fixtures.js';
import type { Args } from '../l1/invoke.js';

/** A view op applied to an input's base tensor (the gradient is the base's). */
export interface ViewStep {
  op: string;
  args: Args;
}

export interface DiffInput extends TensorSpec {
  views?: ViewStep[];
}

/** `in`: input indices, and -1 for the previous step's result. */
export interface DiffStep {
  op: string;
  args: Args;
  in: number[];
}

/** torch raised at `step`; `error` is the Flint class to expect (FlintError: any typed error). */
export interface DiffError {
  error: string;
  step: number;
  torch: string;
}

export interface DiffProgram {
  id: string;
  inputs: DiffInput[];
  steps: DiffStep[];
  expected: Exclude<Expected, { error: string }> | DiffError;
  /** Weights of L = Σ⟨out_k, g_k⟩ over the float results, in result order. */
  gradOutputs?: TensorSpec[];
  /** ∂L/∂(base of input i), null for inputs that are not gradient leaves. */
  grads?: (TensorSpec | null)[];
  /** ∇⟨∇L, v⟩ along the directions v (per input, null where not a leaf). */
  hvp?: { dirs: (TensorSpec | null)[]; grads: (TensorSpec | null)[] };
}

export const isError = (e: DiffProgram['expected']): e is DiffError => 'error' in e;

let cache: DiffProgram[] | null = null;

/** Every corpus program, files in name order (empty when the directory is missing). */
export function loadCorpus(): DiffProgram[] {
  if (cache) return cache;
  const h = host();
  const files = h.listFixtures('diff').filter((f) => /^corpus-.*\.json$/.test(f));
  cache = files.flatMap((f) => (h.readFixture('diff', f) as { programs: DiffProgram[] }).programs);
  return cache;
}

/** Every dtype a program stores or computes in, as far as its inputs and results say. */
export function programDTypes(p: DiffProgram): DType[] {
  const ds = new Set<DType>(p.inputs.map((s) => s.dtype));
  const e = p.expected;
  if ('dtype' in e) ds.add(e.dtype);
  if ('values' in e) ds.add(e.values.dtype).add(e.indices.dtype);
  if ('list' in e) e.list.forEach((s) => ds.add(s.dtype));
  return [...ds];
}

/** Largest rank among inputs and results (a lower bound on what kernels see). */
export function programRank(p: DiffProgram): number {
  const e = p.expected;
  const shapes = p.inputs.map((s) => s.shape);
  if ('shape' in e) shapes.push(e.shape);
  if ('values' in e) shapes.push(e.values.shape);
  if ('list' in e) e.list.forEach((s) => shapes.push(s.shape));
  return Math.max(0, ...shapes.map((s) => s.length));
}
