/**
 * Shared by the nn-rnn, nn-attention and nn-loss tests: reading the PyTorch golden fixtures
 * written by scripts/gen-nn-rnn-loss-fixtures.py and comparing tensors against them.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import * as fl from '@flint/core';

/** A tensor as the generator writes it: flat row-major data. */
export interface Enc {
  dtype: 'float64' | 'int32' | 'bool';
  shape: number[];
  data: number[];
}

export function loadFixture<T>(name: string): T {
  return JSON.parse(
    readFileSync(new URL(`../../conformance/fixtures/nn/${name}`, import.meta.url), 'utf8'),
  ) as T;
}

export function tensorOf(e: Enc, requiresGrad = false): fl.Tensor {
  const data =
    e.dtype === 'float64'
      ? Float64Array.from(e.data)
      : e.dtype === 'int32'
        ? Int32Array.from(e.data)
        : Uint8Array.from(e.data);
  return fl.tensor(data, {
    shape: e.shape,
    dtype: e.dtype,
    requiresGrad: requiresGrad && e.dtype === 'float64',
  });
}

export function tensorsOf(
  encs: Record<string, Enc>,
  requiresGrad = false,
): Record<string, fl.Tensor> {
  return Object.fromEntries(Object.entries(encs).map(([k, e]) => [k, tensorOf(e, requiresGrad)]));
}

/** |actual − expected| ≤ tol·(1 + |expected|) everywhere, with matching shape. */
export function expectClose(
  actual: fl.Tensor | null | undefined,
  expected: Enc,
  label: string,
  tol = 1e-10,
): void {
  expect(actual, `${label}: missing`).toBeTruthy();
  expect([...actual!.shape], `${label}: shape`).toEqual(expected.shape);
  const got = actual!.dataSync();
  let worst = 0;
  let at = -1;
  expected.data.forEach((e, i) => {
    const err = Math.abs(got[i]! - e) / (1 + Math.abs(e));
    if (!(err <= worst)) [worst, at] = [err, i];
  });
  expect(
    worst,
    `${label}: worst relative error at flat index ${at} (got ${got[at]}, want ${expected.data[at]})`,
  ).toBeLessThanOrEqual(tol);
}

/** Σ_i Σ(out_i · R_i): the scalar whose gradients the fixtures store. */
export function weightedSum(outputs: readonly fl.Tensor[], rs: readonly Enc[]): fl.Tensor {
  return outputs.map((o, i) => o.mul(tensorOf(rs[i]!)).sum()).reduce((a, b) => a.add(b));
}

export function disposeAll(ts: Record<string, fl.Tensor>): void {
  for (const t of Object.values(ts)) t.dispose();
}
