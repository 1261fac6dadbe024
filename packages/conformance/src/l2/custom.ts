/**
 * L2 custom autograd: a `fl.autograd.Function` with two outputs, a non-tensor argument and a
 * backward written in tensor ops, run on the backend under test. Its gradients are checked
 * against central differences of the forward (float64), its second derivative (createGraph)
 * against the closed form, and a tensor hook and retainGrad against their definitions. Every
 * case also checks that saved tensors leave with the graph (the harness's leak check).
 */
import * as fl from '@flint/core';
import { assertClose } from '../harness/compare.js';
import { read } from '../harness/read.js';
import type { Case, CaseContext } from '../types.js';

type Ctx = fl.autograd.FunctionCtx;

/** [sin(x)·w·k, x·w]: two outputs, a scalar argument k, and a backward in tensor ops. */
class SinMul extends fl.autograd.Function {
  static override forward(ctx: Ctx, x: fl.Tensor, w: fl.Tensor, k: number): fl.Tensor[] {
    ctx.saveForBackward(x, w);
    ctx.k = k;
    return [x.sin().mul(w).mul(k), x.mul(w)];
  }
  static override backward(ctx: Ctx, g0: fl.Tensor, g1: fl.Tensor): (fl.Tensor | null)[] {
    const [x, w] = ctx.savedTensors;
    const k = ctx.k as number;
    const gx = g0.mul(x!.cos()).mul(w!).mul(k).add(g1.mul(w!));
    const gw = g0.mul(x!.sin()).mul(k).add(g1.mul(x!));
    return [gx, gw, null];
  }
}

const X = [0.3, -1.2, 2.0];
const W = [1.5, 0.5, -0.7];
const K = 0.8;
/** L(x, w) = Σ out0·a + Σ out1·b, with fixed weights a and b. */
const A = [0.9, -0.4, 1.1];
const B = [0.2, 0.7, -1.3];

function loss(x: number[], w: number[]): number {
  return x.reduce((s, xi, i) => s + Math.sin(xi) * w[i]! * K * A[i]! + xi * w[i]! * B[i]!, 0);
}

/** Central differences of `loss` in each coordinate of x, then of w. */
function numeric(h = 1e-6): number[][] {
  const d = (f: (e: number) => number) => (f(h) - f(-h)) / (2 * h);
  const gx = X.map((_, i) =>
    d((e) =>
      loss(
        X.map((v, j) => (j === i ? v + e : v)),
        W,
      ),
    ),
  );
  const gw = W.map((_, i) =>
    d((e) =>
      loss(
        X,
        W.map((v, j) => (j === i ? v + e : v)),
      ),
    ),
  );
  return [gx, gw];
}

const custom = (id: string, run: (ctx: CaseContext) => Promise<void>, f64 = true): Case => ({
  id: `grad/custom/${id}`,
  layer: 'L2',
  op: 'autograd.Function',
  dtype: f64 ? 'float64' : 'float32',
  needs: f64 ? { dtypes: ['float64'] } : undefined,
  run,
});

export function customGradCases(): Case[] {
  return [
    custom('function-vs-finite-differences', async () => {
      const o = { dtype: 'float64' as const };
      const x = fl.tensor(X, { ...o, requiresGrad: true });
      const w = fl.tensor(W, { ...o, requiresGrad: true });
      try {
        fl.tidy(() => {
          const [y0, y1] = SinMul.apply(x, w, K) as [fl.Tensor, fl.Tensor];
          y0.mul(fl.tensor(A, o))
            .sum()
            .add(y1.mul(fl.tensor(B, o)).sum())
            .backward();
        });
        const [nx, nw] = numeric();
        const tol = { rtol: 1e-6, atol: 1e-8 };
        assertClose(await read(x.grad!), nx!, { tol, what: 'dL/dx' });
        assertClose(await read(w.grad!), nw!, { tol, what: 'dL/dw' });
      } finally {
        for (const t of [x, w]) {
          t.grad?.dispose();
          t.dispose();
        }
      }
    }),
    custom('function-second-order', async (ctx) => {
      const o = { dtype: 'float64' as const };
      const x = fl.tensor(X, { ...o, requiresGrad: true });
      const w = fl.tensor(W, o);
      try {
        const got = fl.tidy(() => {
          const [y0] = SinMul.apply(x, w, K) as [fl.Tensor, fl.Tensor];
          const [gx] = fl.grad(y0.sum(), x, { createGraph: true });
          return fl.grad(gx!.sum(), x)[0]!; // d²/dx² sin(x)·w·k = −sin(x)·w·k
        });
        const want = X.map((v, i) => -Math.sin(v) * W[i]! * K);
        assertClose(await read(got), want, { tol: ctx.tol('float64'), what: 'd²y0/dx²' });
        got.dispose();
      } finally {
        x.dispose();
        w.dispose();
      }
    }),
    custom(
      'function-and-hooks-float32',
      async (ctx) => {
        const x = fl.tensor(X, { requiresGrad: true });
        const w = fl.tensor(W);
        try {
          const yGrad = fl.tidy(() => {
            const [, y1] = SinMul.apply(x, w, K) as [fl.Tensor, fl.Tensor];
            y1.retainGrad();
            y1.registerHook((g) => g.mul(2));
            y1.mul(fl.tensor(B)).sum().backward();
            // retained before the hook (registration order); y1, and its .grad, go with the scope
            return y1.grad!.clone();
          });
          const tol = ctx.tol('float32');
          assertClose(await read(yGrad), B, { tol, what: 'retained dL/dy1' });
          const want = X.map((_, i) => 2 * B[i]! * W[i]!);
          assertClose(await read(x.grad!), want, { tol, what: 'dL/dx through a hooked output' });
          yGrad.dispose();
        } finally {
          x.grad?.dispose();
          x.dispose();
          w.dispose();
        }
      },
      false,
    ),
  ];
}
