/**
 * Pooling in ceil mode and the 1-d forms, against values printed by PyTorch 1.13 and the
 * functional fixtures of nn-pool-norm.json (its layer cases run in nn-fixtures). Both the composite
 * and the CPU backend's fused maxPool2d path run: the fused kernel cannot size an axis whose
 * kernel is longer than the padded input, so core must fall back for it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import { decomposed } from '../src/ops/reduce.js';
import { type Enc, expectClose, loadFixture, tensorOf } from './nn-rnn-helpers.js';

const backend = cpuBackend({ name: 'cpu-pool-test' });
beforeAll(() => fl.use(backend));
afterAll(() => {
  expect(fl.memory().perDevice[backend.name]?.tensors ?? 0).toBe(0);
  fl.removeBackend(backend.name);
});

const F = fl.nn.F;
const f64 = { dtype: 'float64' } as const;
const paths: [string, <T>(fn: () => T) => T][] = [
  ['fused', (fn) => fn()],
  ['composite', decomposed.run],
];

function close(a: unknown, b: unknown): void {
  const fa = [a].flat(5) as number[];
  const fb = [b].flat(5) as number[];
  expect(fa.length).toBe(fb.length);
  fa.forEach((v, i) => expect(v).toBeCloseTo(fb[i]!, 4));
}

describe.each(paths)('ceil mode (%s max pool path)', (_, run) => {
  it('issue 15: a kernel longer than the input gives one overhanging window', () =>
    run(() =>
      fl.tidy(() => {
        const a = F.avgPool2d(fl.ones([1, 1, 1, 6]), 2, { ceilMode: true });
        expect(a.shape).toEqual([1, 1, 1, 3]);
        expect(a.toArray()).toEqual([[[[1, 1, 1]]]]);
        expect(F.maxPool2d(fl.ones([1, 1, 2, 5]), 3, { stride: 2, ceilMode: true }).shape).toEqual([
          1, 1, 1, 2,
        ]);
      }),
    ));

  it('max values, indices and gradient of an overhanging window', () =>
    run(() =>
      fl.tidy(() => {
        const x = fl.arange(0, 10, 1, f64).reshape([1, 1, 2, 5]).requiresGrad_();
        const [y, idx] = F.maxPool2d(x, 3, { stride: 2, ceilMode: true, returnIndices: true });
        expect(y.toArray()).toEqual([[[[7, 9]]]]);
        expect(idx.toArray()).toEqual([[[[7, 9]]]]);
        y.sum().backward();
        expect(x.grad!.toArray()).toEqual([
          [
            [
              [0, 0, 0, 0, 0],
              [0, 0, 1, 0, 1],
            ],
          ],
        ]);
      }),
    ));

  it('average divisors of an overhanging window follow torch (include, exclude, override)', () =>
    run(() =>
      fl.tidy(() => {
        const x = fl.arange(10).reshape([1, 1, 2, 5]);
        const o = { stride: 2, ceilMode: true };
        close(F.avgPool2d(x, 3, o).toArray(), [3.5, 5.5]);
        close(F.avgPool2d(x, 3, { ...o, padding: 1 }).toArray(), [
          [4 / 3, 3, 8 / 3],
          [11 / 6, 3.5, 17 / 6],
        ]);
        close(F.avgPool2d(x, 3, { ...o, padding: 1, countIncludePad: false }).toArray(), [
          [3, 4.5, 6],
          [5.5, 7, 8.5],
        ]);
        close(F.avgPool2d(x, 3, { ...o, divisorOverride: 2 }).toArray(), [10.5, 16.5]);
        const g = fl.arange(0, 10, 1, f64).reshape([1, 1, 2, 5]).requiresGrad_();
        F.avgPool2d(g, 3, o).sum().backward();
        close(g.grad!.toArray(), [
          [1 / 6, 1 / 6, 1 / 3, 1 / 6, 1 / 6],
          [1 / 6, 1 / 6, 1 / 3, 1 / 6, 1 / 6],
        ]);
      }),
    ));

  it('dilated max pool in ceil mode', () =>
    run(() =>
      fl.tidy(() => {
        const x = fl.arange(12).reshape([1, 1, 3, 4]);
        const [y, i] = F.maxPool2d(x, 2, {
          stride: 2,
          dilation: 2,
          ceilMode: true,
          returnIndices: true,
        });
        expect(y.toArray()).toEqual([[[[10, 10]]]]);
        expect(i.toArray()).toEqual([[[[10, 10]]]]);
      }),
    ));

  it('a kernel that does not fit even in ceil mode is still a ShapeError', () =>
    run(() =>
      fl.tidy(() => {
        expect(() => F.maxPool2d(fl.ones([1, 1, 1, 6]), 2)).toThrow(fl.ShapeError);
        expect(() =>
          F.avgPool2d(fl.ones([1, 1, 1, 6]), [4, 2], { stride: 1, ceilMode: true }),
        ).toThrow(/avgPool2d: kernel 4x2 .*ceil mode.* does not fit input of shape \[1,1,1,6\]/);
      }),
    ));
});

describe('1-d pools', () => {
  it('maxPool1d: values, indices along L and gradient (batched and unbatched)', () =>
    fl.tidy(() => {
      const x = fl.tensor([[[3, 1, 4, 1, 5, 9, 2]]], { ...f64, requiresGrad: true });
      const [y, i] = F.maxPool1d(x, 3, {
        stride: 2,
        padding: 1,
        ceilMode: true,
        returnIndices: true,
      });
      expect(y.toArray()).toEqual([[[3, 4, 9, 9]]]);
      expect(i.toArray()).toEqual([[[0, 2, 5, 5]]]);
      y.mul(fl.tensor([1, 2, 3, 4], f64))
        .sum()
        .backward();
      expect(x.grad!.toArray()).toEqual([[[1, 0, 2, 0, 0, 7, 0]]]);
      expect(F.maxPool1d(fl.tensor([[1, 2, 3, 4, 5]]), 2, { ceilMode: true }).toArray()).toEqual([
        [2, 4, 5],
      ]);
    }));

  it('avgPool1d: countIncludePad on and off in ceil mode, with gradients', () =>
    fl.tidy(() => {
      const w = fl.tensor([1, 2, 3, 4], f64);
      for (const [include, want, grad] of [
        [true, [4 / 3, 2, 5, 11 / 3], [1 / 3, 1, 2 / 3, 5 / 3, 1, 7 / 3, 4 / 3]],
        [false, [2, 2, 5, 5.5], [0.5, 7 / 6, 2 / 3, 5 / 3, 1, 3, 2]],
      ] as const) {
        const x = fl.tensor([[[3, 1, 4, 1, 5, 9, 2]]], { ...f64, requiresGrad: true });
        const y = F.avgPool1d(x, 3, {
          stride: 2,
          padding: 1,
          ceilMode: true,
          countIncludePad: include,
        });
        close(y.toArray(), want);
        y.mul(w).sum().backward();
        close(x.grad!.toArray(), grad);
      }
    }));

  it('rejects 2-d arguments and inputs, naming the 1-d op', () =>
    fl.tidy(() => {
      const x = fl.ones([1, 1, 5]);
      expect(() => F.avgPool1d(x, [2, 2])).toThrow(
        /avgPool1d: kernelSize must be a positive integer or 1 of them/,
      );
      expect(() => F.maxPool1d(x, 3, { stride: 2, padding: 2 })).toThrow(
        /maxPool1d: padding 2 must be at most half the kernel size 3/,
      );
      expect(() => F.maxPool1d(fl.ones([1, 1, 5, 5]), 2)).toThrow(
        /maxPool1d: expected input of shape \[N,C,L\] or \[C,L\], got input of shape \[1,1,5,5\]/,
      );
      expect(() => F.maxPool1d(x, 6)).toThrow(
        /maxPool1d: kernel 6 .* does not fit input of shape \[1,1,5\]/,
      );
    }));
});

interface FunctionalCase {
  id: string;
  fn: 'maxPool1d' | 'avgPool1d';
  args: number[];
  options: Record<string, unknown>;
  input: Enc;
  gradOutput: Enc;
  output: Enc;
  indices?: Enc;
  grads: { input: Enc };
}
const fx = loadFixture<{ functional: FunctionalCase[] }>('nn-pool-norm.json');
const f64Enc = (e: Enc): Enc => ({ ...e, dtype: e.dtype ?? 'float64' });

describe.each(paths)('1-d pools vs PyTorch fixtures (%s max pool path)', (_, run) => {
  it.each(fx.functional)('$id', (c) =>
    run(() =>
      fl.tidy(() => {
        const x = tensorOf(f64Enc(c.input), true);
        const fn = F[c.fn] as (x: fl.Tensor, k: number, o: object) => fl.Tensor | fl.Tensor[];
        const out = fn(x, c.args[0]!, c.options);
        const [y, idx] = Array.isArray(out) ? out : [out];
        expectClose(y, f64Enc(c.output), `${c.id} output`);
        if (c.indices) expect(Array.from(idx!.dataSync())).toEqual(c.indices.data);
        y!.backward(tensorOf(f64Enc(c.gradOutput)));
        expectClose(x.grad, f64Enc(c.grads.input), `${c.id} input grad`);
      }),
    ),
  );
});
