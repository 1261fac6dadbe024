/**
 * Shared by the nn cases: reading the PyTorch nn/optim fixtures (fixtures/nn/*.json, the same
 * files core's own tests use), turning their tensors into Flint tensors, comparing against them,
 * and disposing the kept tensors a module owns.
 */
import * as fl from '@flint/core';
import type { DType } from '@flint/core/backend';
import { assertClose, check } from '../harness/compare.js';
import { host } from '../host/host.js';
import { readNumbers } from '../harness/read.js';
import type { CaseContext } from '../types.js';

/** A tensor as the generators write it: flat row-major data; no dtype means float64. */
export interface Enc {
  dtype?: 'float64' | 'int32' | 'bool';
  shape: number[];
  data: number[];
}

const cache = new Map<string, unknown>();

export function loadNnFixture<T>(name: string): T {
  if (!cache.has(name)) cache.set(name, host().readFixture('nn', name));
  return cache.get(name) as T;
}

/**
 * The float dtype the nn cases run in: float64 where the backend stores it, else float32 — the
 * float64 fixtures are cast on the way in and compared at the backend's float32 tolerance. Set
 * by `useNnFloat` as each case starts (cases run one at a time).
 */
let nnFloat: 'float32' | 'float64' = 'float64';

export function useNnFloat(ctx: CaseContext): void {
  nnFloat = ctx.backend.caps.dtypes.includes('float64') ? 'float64' : 'float32';
}

/** The float dtype of the running nn case (see useNnFloat). */
export const nnFloatDType = (): 'float32' | 'float64' => nnFloat;

export function tensorOf(e: Enc, requiresGrad = false): fl.Tensor {
  const dtype = (e.dtype ?? 'float64') === 'float64' ? nnFloat : e.dtype!;
  const data =
    dtype === 'float64'
      ? Float64Array.from(e.data)
      : dtype === 'float32'
        ? Float32Array.from(e.data)
        : dtype === 'int32'
          ? Int32Array.from(e.data)
          : Uint8Array.from(e.data);
  return fl.tensor(data, {
    shape: [...e.shape],
    dtype,
    requiresGrad: requiresGrad && dtype === nnFloat,
  });
}

export function tensorsOf(
  encs: Record<string, Enc>,
  requiresGrad = false,
): Record<string, fl.Tensor> {
  return Object.fromEntries(Object.entries(encs).map(([k, e]) => [k, tensorOf(e, requiresGrad)]));
}

/** The non-float dtypes the given encodings store (floats run in the backend's nnFloat). */
export function dtypesOf(...groups: (Record<string, Enc> | Enc[] | Enc | undefined)[]): DType[] {
  const ds = new Set<DType>();
  const add = (e: Enc) => (e.dtype ?? 'float64') !== 'float64' && ds.add(e.dtype!);
  for (const g of groups) {
    if (!g) continue;
    if (Array.isArray(g)) g.forEach(add);
    else if ('shape' in g && Array.isArray(g.shape)) add(g as Enc);
    else Object.values(g as Record<string, Enc>).forEach(add);
  }
  return [...ds];
}

/** `actual` has the fixture's shape and values within the tolerance of the case's float dtype. */
export async function expectEnc(
  ctx: CaseContext,
  actual: fl.Tensor | null | undefined,
  want: Enc,
  what: string,
): Promise<void> {
  check(actual, `${what} is missing`);
  check(
    actual.shape.length === want.shape.length && actual.shape.every((d, i) => d === want.shape[i]),
    () => `${what}: shape [${actual.shape.join(',')}], expected [${want.shape.join(',')}]`,
  );
  assertClose(await readNumbers(actual), want.data, {
    tol: ctx.tol(nnFloat),
    what,
  });
}

/** Σ_i Σ(out_i · R_i): the scalar whose gradients the fixtures store. */
export function weightedSum(outputs: readonly fl.Tensor[], rs: readonly Enc[]): fl.Tensor {
  return outputs.map((o, i) => o.mul(tensorOf(rs[i]!)).sum()).reduce((a, b) => a.add(b));
}

/** Load a fixture state dict into a module (the loaded copies are disposed). */
export function loadState(m: fl.nn.Module, state: Record<string, Enc>): void {
  const sd = tensorsOf(state);
  m.loadStateDict(sd);
  for (const t of Object.values(sd)) t.dispose();
}

/** A module's parameters and buffers are kept tensors: free them (and their .grad). */
export function disposeModule(m: fl.nn.Module): void {
  for (const t of [...m.parameters(), ...m.buffers()]) t.dispose();
}

export function checkKeys(m: fl.nn.Module, keys: readonly string[]): void {
  const got = Object.keys(m.stateDict());
  check(
    got.length === keys.length && got.every((k, i) => k === keys[i]),
    () => `state-dict keys [${got.join(', ')}], expected torch's [${keys.join(', ')}]`,
  );
}
