/**
 * Helpers shared by the L3 files: seeded inputs, overrides called directly on contiguous KViews,
 * and the public op's values and gradients with overrides on or switched off (`fl.decomposed`).
 */
import * as fl from '@flint/core';
import { contiguousStrides, type DType, type KView } from '@flint/core/backend';
import { assertClose, maxAbs } from '../harness/compare.js';
import { readNumbers } from '../harness/read.js';
import { Rng } from '../harness/rng.js';
import type { Buffers } from '../l0/views.js';
import { flatTensor } from '../l1/fixtures.js';
import type { CaseContext } from '../types.js';

export const FLOATS = ['float32', 'float64'] as const;

/** `n` draws of `scale`·N(0, 1), seeded by `seed`. */
export function normals(seed: string, n: number, scale = 1): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => rng.normal() * scale);
}

/** A contiguous view of `data` on the backend, starting 3 elements into its buffer with `offset`. */
export function upload(
  bufs: Buffers,
  dtype: DType,
  shape: readonly number[],
  data: readonly number[],
  offset = false,
): KView<unknown> {
  const lead = offset ? 3 : 0;
  const phys = [...new Array<number>(lead).fill(0), ...data, 0];
  const geometry = { shape: [...shape], strides: contiguousStrides(shape), offset: lead };
  return bufs.view(dtype, { ...geometry, size: phys.length }, phys).view;
}

/** The values of a kernel's output buffer (freed after reading). */
export async function take(
  bufs: Buffers,
  buf: unknown,
  dtype: DType,
  size: number,
): Promise<number[]> {
  return Array.from(await bufs.take(buf, dtype, size));
}

export const values = (t: fl.Tensor): Promise<number[]> => readNumbers(t);

/** The values of each tensor, in order. */
export async function valuesAll(ts: readonly fl.Tensor[]): Promise<number[][]> {
  const out: number[][] = [];
  for (const t of ts) out.push(await readNumbers(t));
  return out;
}

/** Compare within the dtype's tolerance; `sum` scales rtol by the largest |expected| (sums). */
export function close(
  ctx: CaseContext,
  dtype: DType,
  actual: readonly number[],
  expected: readonly number[],
  what: string,
  sum = false,
): void {
  const scale = sum ? maxAbs(expected) : 0;
  assertClose(actual, expected, { tol: ctx.tol(dtype), what, scale });
}

/** Run `fn` with overrides on, or off when `decomposed`. */
export function maybeDecomposed<T>(decomposed: boolean, fn: () => T): T {
  return decomposed ? fl.decomposed.run(fn) : fn();
}

export interface Input {
  data: readonly number[];
  shape: readonly number[];
}

/** Leaf tensors requiring grad for `inputs`. */
export function leaves(inputs: readonly Input[], dtype: DType): fl.Tensor[] {
  return inputs.map((i) => flatTensor(i.data, i.shape, dtype, true));
}

/**
 * Gradients of f(inputs) against the output gradient drawn from `seed`; with `second`, the
 * gradients of Σ (first gradients)² instead (a createGraph backward pass through the rule).
 */
export async function gradients(
  f: (xs: fl.Tensor[]) => fl.Tensor,
  inputs: readonly Input[],
  dtype: DType,
  seed: string,
  opts: { decomposed?: boolean; second?: boolean } = {},
): Promise<number[][]> {
  const grads = maybeDecomposed(!!opts.decomposed, () =>
    fl.tidy(() => {
      const xs = leaves(inputs, dtype);
      const y = f(xs);
      const g = flatTensor(normals(seed, y.size), y.shape, dtype);
      const first = fl.grad([y], xs, { gradOutputs: [g], createGraph: !!opts.second });
      if (!opts.second) return first as fl.Tensor[];
      const s = first.map((t) => t.square().sum()).reduce((a, b) => a.add(b));
      return fl.grad([s], xs, { allowUnused: true }) as fl.Tensor[];
    }),
  );
  return valuesAll(grads);
}

/** Gradients through the override equal the decomposition's (first or second order). */
export async function checkGradients(
  ctx: CaseContext,
  f: (xs: fl.Tensor[]) => fl.Tensor,
  inputs: readonly Input[],
  seed: string,
  what: string,
  second = false,
): Promise<void> {
  const dtype = 'float64';
  const fused = await gradients(f, inputs, dtype, seed, { second });
  const composite = await gradients(f, inputs, dtype, seed, { second, decomposed: true });
  fused.forEach((g, i) =>
    close(ctx, dtype, g, composite[i]!, `${what}: gradient ${i} vs the decomposition's`, true),
  );
}
