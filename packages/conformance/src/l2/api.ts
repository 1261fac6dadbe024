/** L2 autograd API behaviour: backward accumulation, retainGraph, detach, noGrad, requiresGrad_. */
import * as fl from '@flint/core';
import { assertClose, check, EXACT } from '../harness/compare.js';
import { read } from '../harness/read.js';
import type { Case, CaseContext } from '../types.js';

const auto = (id: string, run: (ctx: CaseContext) => void | Promise<void>): Case => ({
  id: `grad/api/${id}`,
  layer: 'L2',
  op: 'autograd',
  run,
});

/** `.grad` tensors outlive tidy scopes (they belong to the leaf): dispose them explicitly. */
function dropGrad(t: fl.Tensor): void {
  t.grad?.dispose();
  t.grad = null;
}

export function autogradApiCases(): Case[] {
  return [
    auto('backward-accumulates', async (ctx) => {
      const x = fl.tensor([1, -2, 3], { requiresGrad: true });
      try {
        x.mul(x).sum().backward();
        assertClose(await read(x.grad!), [2, -4, 6], {
          tol: ctx.tol('float32'),
          what: 'first backward',
        });
        x.mul(3).sum().backward();
        assertClose(await read(x.grad!), [5, -1, 9], {
          tol: ctx.tol('float32'),
          what: 'grads accumulate',
        });
      } finally {
        dropGrad(x);
      }
    }),
    auto('retain-graph', async (ctx) => {
      const x = fl.tensor([0.5, 2], { requiresGrad: true });
      try {
        const y = x.exp().sum();
        y.backward(undefined, { retainGraph: true });
        y.backward();
        const e = [0.5, 2].map((v) => 2 * Math.exp(v));
        assertClose(await read(x.grad!), e, {
          tol: ctx.tol('float32'),
          what: 'two backward passes with retainGraph',
        });
      } finally {
        dropGrad(x);
      }
    }),
    auto('backward-twice-throws', () => {
      const x = fl.tensor([0.5, 2], { requiresGrad: true });
      try {
        const y = x.exp().sum();
        y.backward();
        let threw = false;
        try {
          y.backward();
        } catch (e) {
          threw = e instanceof Error;
        }
        check(threw, 'a second backward through a freed graph must throw');
      } finally {
        dropGrad(x);
      }
    }),
    auto('non-scalar-needs-gradient', () => {
      const x = fl.tensor([1, 2], { requiresGrad: true });
      let threw = false;
      try {
        x.mul(2).backward();
      } catch {
        threw = true;
      }
      dropGrad(x);
      check(threw, 'backward() of a non-scalar without a gradient must throw');
    }),
    auto('backward-with-gradient', async (ctx) => {
      const x = fl.tensor([1, 2, 3], { requiresGrad: true });
      try {
        x.mul(x).backward(fl.tensor([1, 0.5, -1]));
        assertClose(await read(x.grad!), [2, 2, -6], { tol: ctx.tol('float32') });
      } finally {
        dropGrad(x);
      }
    }),
    auto('detach-and-nograd', () => {
      const x = fl.tensor([1, 2], { requiresGrad: true });
      const d = x.mul(2).detach();
      check(!d.requiresGrad, 'detach() result requires grad');
      const n = fl.noGrad(() => x.mul(2));
      check(!n.requiresGrad, 'a result computed under noGrad requires grad');
      check(x.mul(2).requiresGrad, 'a result of a tensor that requires grad does not');
      const y = fl.tensor([1, 2]);
      check(
        !y.requiresGrad && y.requiresGrad_().requiresGrad,
        'requiresGrad_() did not enable grad',
      );
    }),
    auto('grad-function', async (ctx) => {
      const a = fl.tensor(
        [
          [1, 2],
          [3, 4],
        ],
        { requiresGrad: true },
      );
      const b = fl.tensor([0.5, -1], { requiresGrad: true });
      const [ga, gb] = fl.grad([a.matmul(b).sum()], [a, b]);
      assertClose(await read(ga!), [0.5, -1, 0.5, -1], { tol: ctx.tol('float32'), what: 'd/da' });
      assertClose(await read(gb!), [4, 6], { tol: ctx.tol('float32'), what: 'd/db' });
      check(a.grad === null && b.grad === null, 'fl.grad must not write .grad of the inputs');
    }),
    auto('unused-input', async () => {
      const a = fl.tensor([1, 2], { requiresGrad: true });
      const b = fl.tensor([3, 4], { requiresGrad: true });
      const y = a.mul(2).sum();
      let threw = false;
      try {
        fl.grad([y], [a, b], { retainGraph: true });
      } catch {
        threw = true;
      }
      check(threw, 'fl.grad with an unused input must throw unless allowUnused');
      const [, gb] = fl.grad([y], [a, b], { allowUnused: true });
      check(
        !gb || Array.from(await read(gb)).every((v) => v === 0),
        'allowUnused gradient of an unused input is not zero/null',
      );
    }),
    auto('int-dtypes-no-grad', async () => {
      const x = fl.tensor([1, 2], { requiresGrad: true });
      const i = x.argmax();
      check(!i.requiresGrad, 'argmax result requires grad');
      check(!x.gt(1).requiresGrad, 'a comparison result requires grad');
      assertClose(await read(x.sum()), [3], { tol: EXACT });
    }),
  ];
}
