/** Helpers of the math probes: value comparison and gradients through fl.grad. */
import assert from 'node:assert/strict';
import type * as Flint from '@flint/core';

export type Fl = typeof Flint;
export type T = Flint.Tensor;

export const values = (t: T): number[] => Array.from(t.dataSync());

/** Same length; NaN matches NaN; otherwise equal within `tol` relative (0: exactly, −0 ≠ +0 aside). */
export function close(got: number[], want: number[], what: string, tol = 1e-6): void {
  assert.equal(got.length, want.length, `${what}: length`);
  got.forEach((g, i) => {
    const w = want[i]!;
    const ok = Number.isNaN(w)
      ? Number.isNaN(g)
      : g === w || Math.abs(g - w) <= tol * Math.max(1, Math.abs(w));
    assert.ok(ok, `${what}[${i}]: got ${g}, expected ${w} (all: ${got.join(', ')})`);
  });
}

/** d/dx of sum(f(x)) at `xs` (float64 unless told), through fl.grad. */
export function grad(
  fl: Fl,
  xs: number[],
  f: (x: T) => T,
  dtype: 'float32' | 'float64' = 'float64',
) {
  return fl.tidy(() => {
    const x = fl.tensor(xs, { dtype, requiresGrad: true });
    return values(fl.grad([f(x).sum()], [x])[0]!);
  });
}

/** The Hessian-vector product ∇⟨∇ sum f(x), 1⟩ (createGraph), float64. */
export function second(fl: Fl, xs: number[], f: (x: T) => T): number[] {
  return fl.tidy(() => {
    const x = fl.tensor(xs, { dtype: 'float64', requiresGrad: true });
    const [g] = fl.grad([f(x).sum()], [x], { createGraph: true });
    return values(fl.grad([g!.sum()], [x])[0]!);
  });
}
