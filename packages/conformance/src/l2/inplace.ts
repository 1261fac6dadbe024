/**
 * L2: gradients through in-place writes on views, as torch's CopySlices and view regeneration.
 * Each program's values and gradients are torch 1.13's (float64 there; small integers here, so
 * float32 is exact up to rounding of the products).
 */
import * as fl from '@flint/core';
import { assertClose } from '../harness/compare.js';
import { read } from '../harness/read.js';
import type { Case, CaseContext } from '../types.js';

type T = fl.Tensor;
interface Program {
  /** Leaves (requiring grad) → the tensor whose weighted sum is the loss, and the weights. */
  run: (leaves: T[]) => T;
  leaves: number[][];
  shapes: number[][];
  value: number[];
  grads: number[][];
}

const PROGRAMS: Record<string, Program> = {
  // y = x.clone(); y[0].mul_(2); (y * [1, 2, 3]).sum()
  'clone-then-view-mul': {
    leaves: [[1, 2, 3]],
    shapes: [[3]],
    run: ([x]) => {
      const y = x!.clone();
      y.index(0).mul_(2);
      return y.mul(fl.tensor([1, 2, 3]));
    },
    value: [2, 4, 9],
    grads: [[2, 2, 3]],
  },
  // y = x * 1; y[:, 1].add_(w); (y ** 2).sum()
  'column-add-of-leaf': {
    leaves: [
      [1, 2, 3, 4, 5, 6],
      [0.5, -1],
    ],
    shapes: [[2, 3], [2]],
    run: ([x, w]) => {
      const y = x!.mul(1);
      y.index(':', 1).add_(w!);
      return y.mul(y);
    },
    value: [1, 6.25, 9, 16, 16, 36],
    grads: [
      [2, 5, 6, 8, 8, 12],
      [5, 8],
    ],
  },
  // y = x * 1; v = y[0]; y.mul_(3); (v * [1, 2, 3]).sum(): v's graph is regenerated
  'view-sees-base-write': {
    leaves: [[1, 2, 3, 4, 5, 6]],
    shapes: [[2, 3]],
    run: ([x]) => {
      const y = x!.mul(1);
      const v = y.index(0);
      y.mul_(3);
      return v.mul(fl.tensor([1, 2, 3]));
    },
    value: [3, 12, 27],
    grads: [[3, 6, 9, 0, 0, 0]],
  },
  // buf = zeros(2, 3); buf[:, 1] = p * p; (buf * c).sum()
  'set-into-plain-tensor': {
    leaves: [[2, 3]],
    shapes: [[2]],
    run: ([p]) => {
      const buf = fl.zeros([2, 3]);
      buf.set([':', 1], p!.mul(p!));
      return buf.mul(
        fl.tensor([
          [1, 2, 3],
          [4, 5, 6],
        ]),
      );
    },
    value: [0, 8, 0, 0, 45, 0],
    grads: [[8, 30]],
  },
  // y = x.clone(); y.T[0].mul_([5, 7]); y[1].add_(y[0] * 2); (y * [[1, 2], [3, 4]]).sum(), with
  // y[1] written through y.flip(0)[0] (flip is a view in Flint, a copy in torch)
  'transposed-then-flipped': {
    leaves: [[1, 2, 3, 4]],
    shapes: [[2, 2]],
    run: ([x]) => {
      const y = x!.clone();
      y.T.index(0).mul_(fl.tensor([5, 7]));
      y.flip(0).index(0).add_(y.index(0).mul(2));
      return y.mul(
        fl.tensor([
          [1, 2],
          [3, 4],
        ]),
      );
    },
    value: [5, 4, 93, 32],
    grads: [[35, 10, 21, 4]],
  },
  // y = x * 1; y.mul_(w); y.sum(): the pre-write y is what mul_ needs for w's gradient
  'whole-mul-by-leaf': {
    leaves: [
      [1, 2, 3],
      [4, 5, 6],
    ],
    shapes: [[3], [3]],
    run: ([x, w]) => x!.mul(1).mul_(w!),
    value: [4, 10, 18],
    grads: [
      [4, 5, 6],
      [1, 2, 3],
    ],
  },
  // y = x.clone(); y[1:] = y[:-1] (read before written); (y * [1, 10, 100, 1000]).sum()
  'overlapping-copy': {
    leaves: [[1, 2, 3, 4]],
    shapes: [[4]],
    run: ([x]) => {
      const y = x!.clone();
      y.index('1:').copy_(y.index(':-1'));
      return y.mul(fl.tensor([1, 10, 100, 1000]));
    },
    value: [1, 10, 200, 3000],
    grads: [[11, 100, 1000, 0]],
  },
};

function gradCase(name: string, p: Program): Case {
  return {
    id: `grad/inplace/${name}`,
    layer: 'L2',
    op: 'inplace',
    run: async (ctx: CaseContext) => {
      const tol = ctx.tol('float32');
      const leaves = p.leaves.map((v, i) => fl.tensor(v).reshape(p.shapes[i]!).requiresGrad_());
      try {
        const out = p.run(leaves);
        assertClose(await read(out), p.value, { tol, what: `${name} value` });
        out.sum().backward();
        for (const [i, l] of leaves.entries())
          assertClose(await read(l.grad!), p.grads[i]!, { tol, what: `${name} grad of leaf ${i}` });
      } finally {
        for (const l of leaves) l.grad = null;
      }
    },
  };
}

/**
 * Second order through writes: y = x.clone(); y[0].mul_(x[1]); p = y[:-1].clone();
 * y[1:].add_(p * p); l = (y * y).sum(); g = dl/dx (createGraph), h = d(g·[1, 2, 3])/dx.
 */
const secondOrder: Case = {
  id: 'grad2/inplace/clone-view-writes',
  layer: 'L2',
  op: 'inplace',
  needs: { dtypes: ['float64'] },
  run: async (ctx: CaseContext) => {
    const tol = ctx.tol('float64');
    const x = fl.tensor([1.5, -2, 0.5], { dtype: 'float64', requiresGrad: true });
    const y = x.clone();
    y.index(0).mul_(x.index(1));
    const p = y.index(':-1').clone();
    y.index('1:').add_(p.mul(p));
    const [g] = fl.grad(y.mul(y).sum(), x, { createGraph: true });
    const w = fl.tensor([1, 2, 3], { dtype: 'float64' });
    const [h] = fl.grad(g!.mul(w).sum(), x);
    assertClose(await read(g!), [180, -157, 9], { tol, what: 'first order' });
    assertClose(await read(h!), [-336, 95, -10], { tol, what: 'second order' });
  },
};

/** A detached tensor (and its views) shares the data but never the graph of a write (torch). */
const detached: Case = {
  id: 'grad/inplace/detached-views-untouched',
  layer: 'L2',
  op: 'inplace',
  run: async (ctx: CaseContext) => {
    const x = fl.tensor([1, 2, 3], { requiresGrad: true });
    const w = fl.tensor([5], { requiresGrad: true });
    const y = x.mul(1);
    const v = y.detach().index('0:2');
    y.index('1:2').mul_(w);
    assertClose(await read(v), [1, 10], { tol: ctx.tol('float32'), what: 'data written through' });
    if (v.requiresGrad || v.gradFn !== null)
      throw new Error('a view of a detached tensor took the graph of a write to its storage');
    y.sum().backward();
    assertClose(await read(x.grad!), [1, 5, 1], { tol: ctx.tol('float32'), what: 'x.grad' });
    assertClose(await read(w.grad!), [2], { tol: ctx.tol('float32'), what: 'w.grad' });
    x.grad = null;
    w.grad = null;
  },
};

export function inplaceGradCases(): Case[] {
  return [...Object.entries(PROGRAMS).map(([n, p]) => gradCase(n, p)), secondOrder, detached];
}
