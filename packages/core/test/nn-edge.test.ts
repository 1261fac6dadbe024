/**
 * Losses and pools at the edges the differential corpus found (issue 15, fix round), where no
 * PyTorch fixture applies: the composite paths that must agree with the fused ones, derivatives
 * past the second, Flint's documented choice for ignored rows, and the equivalences the rewrites
 * (closed-form regression gradients, gathered adaptive windows) must keep. PyTorch's own answers
 * at these points are the conformance fixtures of nn-edge.json (scripts/fixtures/nn_edge.py).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import { decomposed } from '../src/ops/reduce.js';

const backend = cpuBackend({ name: 'cpu-nn-edge-test' });
beforeAll(() => fl.use(backend));
afterAll(() => {
  expect(fl.memory().perDevice[backend.name]?.tensors ?? 0).toBe(0);
  fl.removeBackend(backend.name);
});

const F = fl.nn.F;
const f64 = { dtype: 'float64' } as const;
const vals = (t: fl.Tensor) => Array.from(t.dataSync());
const paths: [string, <T>(fn: () => T) => T][] = [
  ['fused', (fn) => fn()],
  ['composite', decomposed.run],
];

function close(got: number[], want: number[], tol = 1e-12): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    const w = want[i]!;
    if (Number.isNaN(w)) expect(g, `[${i}]`).toBeNaN();
    else
      expect(Math.abs(g - w), `[${i}]: ${g} vs ${w}`).toBeLessThanOrEqual(tol * (1 + Math.abs(w)));
  });
}

/** Central differences of f at x (float64), one element at a time. */
function numeric(f: (x: fl.Tensor) => number, x: number[], eps = 1e-6): number[] {
  return x.map((_, i) => {
    const at = (d: number) =>
      fl.tidy(() =>
        f(
          fl.tensor(
            x.map((v, j) => (j === i ? v + d : v)),
            f64,
          ),
        ),
      );
    return (at(eps) - at(-eps)) / (2 * eps);
  });
}

describe('regression losses: closed-form gradients to any order', () => {
  const x0 = [0.1, -0.35, 0.8, -2, 1.4];
  const t0 = [0, 0.2, -0.5, -0.3, 1.2];
  const losses: [string, (x: fl.Tensor, t: fl.Tensor) => fl.Tensor][] = [
    ['mseLoss', (x, t) => F.mseLoss(x, t)],
    ['smoothL1Loss', (x, t) => F.smoothL1Loss(x, t, { beta: 1, reduction: 'sum' })],
    ['huberLoss', (x, t) => F.huberLoss(x, t, { delta: 0.5 })],
  ];
  for (const [name, loss] of losses)
    it(`${name}: the third derivative (through the recorded backward) matches differences`, () =>
      fl.tidy(() => {
        const t = fl.tensor(t0, f64);
        // f(x) = Σ ∂²/∂x² of the loss followed by a cube, so every order of the rule is used.
        const hessDiag = (x: fl.Tensor) => {
          const [g] = fl.grad([loss(x.pow(3), t)], [x], { createGraph: true });
          return fl.grad([g!.sum()], [x], { createGraph: true })[0]!.sum();
        };
        const x = fl.tensor(x0, { ...f64, requiresGrad: true });
        const third = vals(fl.grad([hessDiag(x)], [x])[0]!);
        close(
          third,
          numeric((v) => hessDiag(v.requiresGrad_()).item(), x0),
          1e-5,
        );
      }));

  it('a float32 input with a float64 target gets a float32 gradient, and a float64 target one', () =>
    fl.tidy(() => {
      const x = fl.tensor([0.25, 3], { requiresGrad: true });
      const t = fl.tensor([0, 0], { ...f64, requiresGrad: true });
      const [gx, gt] = fl.grad([F.huberLoss(x, t)], [x, t]);
      expect([gx!.dtype, gt!.dtype]).toEqual(['float32', 'float64']);
      close(vals(gx!), [0.125, 0.5]);
      close(vals(gt!), [-0.125, -0.5]);
    }));

  it('leaves no tensor behind after a createGraph backward in a tidy', () => {
    const before = fl.memory().tensors;
    fl.tidy(() => {
      const x = fl.tensor([0.3, -4], { requiresGrad: true });
      const [g] = fl.grad([F.smoothL1Loss(x, fl.zeros([2]))], [x], { createGraph: true });
      fl.grad([g!.sum()], [x]);
    });
    expect(fl.memory().tensors).toBe(before);
  });
});

describe('crossEntropy: ignored rows get a zero gradient on every path', () => {
  const options: [string, () => fl.nn.CrossEntropyOptions][] = [
    ['plain', () => ({})],
    ['weighted', () => ({ weight: fl.tensor([1, 2, 0.5]) })],
    ['smoothed', () => ({ labelSmoothing: 0.2 })],
  ];
  for (const [route, run] of paths)
    for (const [name, opts] of options)
      it(`${route}, ${name}: a NaN (or ∞) row that is ignored does not reach the others`, () =>
        fl.tidy(() =>
          run(() => {
            const x = fl.tensor(
              [
                [0.2, 0.5, -1],
                [NaN, 1, Infinity],
                [0.3, -0.2, 2],
              ],
              {
                requiresGrad: true,
              },
            );
            const t = fl.tensor([0, 1, 2], { dtype: 'int32' });
            const loss = F.crossEntropy(x, t, { ignoreIndex: 1, ...opts() });
            expect(Number.isFinite(loss.item())).toBe(true);
            const g = vals(fl.grad([loss], [x])[0]!);
            close(g.slice(3, 6), [0, 0, 0]);
            expect(g.every(Number.isFinite)).toBe(true);
          }),
        ));
});

describe('binaryCrossEntropyWithLogits: closed-form gradients', () => {
  it('posWeight and target gradients match differences of the loss', () =>
    fl.tidy(() => {
      const x0 = [0.5, -2, 0, 3];
      const y0 = [0.25, 1, 0.5, 0];
      const p0 = [3, 0.5];
      const loss = (x: fl.Tensor, y: fl.Tensor, p: fl.Tensor) =>
        F.binaryCrossEntropyWithLogits(x.reshape([2, 2]), y.reshape([2, 2]), {
          posWeight: p,
          weight: fl.tensor([2, 1], f64),
        });
      const x = fl.tensor(x0, { ...f64, requiresGrad: true });
      const y = fl.tensor(y0, { ...f64, requiresGrad: true });
      const p = fl.tensor(p0, { ...f64, requiresGrad: true });
      const [gx, gy, gp] = fl.grad([loss(x, y, p)], [x, y, p]);
      const X = fl.tensor(x0, f64);
      const Y = fl.tensor(y0, f64);
      const P = fl.tensor(p0, f64);
      close(
        vals(gx!),
        numeric((v) => loss(v, Y, P).item(), x0),
        1e-8,
      );
      close(
        vals(gy!),
        numeric((v) => loss(X, v, P).item(), y0),
        1e-8,
      );
      close(
        vals(gp!),
        numeric((v) => loss(X, Y, v).item(), p0),
        1e-8,
      );
    }));
});

describe('pools', () => {
  it('adaptiveAvgPool2d equals avgPool2d where the windows are equal (sum / kh / kw)', () =>
    fl.tidy(() => {
      fl.manualSeed(3);
      const x = fl.randn([2, 3, 6, 8], f64);
      close(vals(F.adaptiveAvgPool2d(x, [3, 2])), vals(F.avgPool2d(x, [2, 4])), 1e-15);
      close(vals(F.adaptiveAvgPool2d(x, 1)), vals(x.mean([2, 3])), 1e-14);
    }));

  it('adaptiveAvgPool2d of a transposed input, an empty batch and a larger output', () =>
    fl.tidy(() => {
      const x = fl.arange(12).double().reshape([1, 3, 4]).transpose(1, 2);
      // PyTorch 1.13's answer.
      expect(vals(F.adaptiveAvgPool2d(x, [2, 5]))).toEqual([
        0.5, 2.5, 4.5, 6.5, 8.5, 2.5, 4.5, 6.5, 8.5, 10.5,
      ]);
      expect(F.adaptiveAvgPool2d(fl.zeros([0, 2, 3, 3]), 2).shape).toEqual([0, 2, 2, 2]);
    }));

  for (const [route, run] of paths)
    it(`maxPool2d (${route}): a window's last NaN takes the max and the gradient`, () =>
      fl.tidy(() =>
        run(() => {
          const x = fl.tensor(
            [
              [
                [
                  [NaN, 1, NaN, 2],
                  [0, NaN, 5, -Infinity],
                ],
              ],
            ],
            {
              requiresGrad: true,
            },
          );
          const [y, idx] = F.maxPool2d(x, 2, { stride: 1, returnIndices: true });
          expect(vals(idx)).toEqual([5, 5, 2]);
          close(vals(y), [NaN, NaN, NaN]);
          close(vals(fl.grad([y.sum()], [x])[0]!), [0, 0, 1, 0, 0, 2, 0, 0]);
        }),
      ));
});
