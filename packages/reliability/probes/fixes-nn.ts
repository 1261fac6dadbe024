/**
 * Losses and pools at the edges the differential corpus found (issue 15, fix round): each probe
 * makes the call from plain JavaScript and asserts PyTorch 1.13's answer (or Flint's documented
 * one where it keeps its own), or the typed error for a call no loss or pool accepts.
 */
import assert from 'node:assert/strict';
import type { Probe } from '../src/probe.js';
import { close, values, type Fl, type T } from './math/util.js';

type Dt = 'float32' | 'float64';

/** Gradients of sum(f(a, b)) w.r.t. both inputs. */
function grads2(fl: Fl, a: number[], b: number[], f: (a: T, b: T) => T, dtype: Dt = 'float32') {
  return fl.tidy(() => {
    const x = fl.tensor(a, { dtype, requiresGrad: true });
    const y = fl.tensor(b, { dtype, requiresGrad: true });
    return fl.grad([f(x, y).sum()], [x, y]).map((g) => values(g));
  });
}

/** A loss called with an argument TypeScript would refuse. */
const loose = (fn: unknown) => fn as (...a: unknown[]) => T;

const regression: Probe[] = [
  {
    id: 'huberLoss/grad-infinite-target',
    expect: 'ok',
    // The untaken quadratic branch used to be differentiated: 0·∞ = NaN.
    run: ({ fl }) => {
      const [gx, gt] = grads2(fl, [-0.26, 1], [Infinity, -Infinity], (x, t) =>
        fl.nn.F.huberLoss(x, t, { delta: 0.5, reduction: 'none' }),
      );
      close(gx!, [-0.5, 0.5], 'd/dinput');
      close(gt!, [0.5, -0.5], 'd/dtarget');
    },
  },
  {
    id: 'smoothL1Loss/grad-overflowing-difference',
    expect: 'ok',
    run: ({ fl }) => {
      for (const beta of [0, 0.5, 1]) {
        // 3e38 − (−3e38) overflows float32 to +∞; −0.481 − (−3e38) is finite.
        const [gx, gt] = grads2(fl, [-0.481, 3e38, 2], [-3e38, -3e38, 2], (x, t) =>
          fl.nn.F.smoothL1Loss(x, t, { beta, reduction: 'none' }),
        );
        // At a tie torch's β = 0 backward takes x ≤ −β first: −1 for both operands.
        close(gx!, [1, 1, beta === 0 ? -1 : 0], `beta ${beta} d/dinput`);
        close(gt!, [-1, -1, beta === 0 ? -1 : -0], `beta ${beta} d/dtarget`);
      }
    },
  },
  {
    id: 'smoothL1Loss/grad-nan-difference',
    expect: 'ok',
    run: ({ fl }) => {
      for (const beta of [0, 1]) {
        const [gx] = grads2(fl, [NaN, 0.5], [0.25, 0.25], (x, t) =>
          fl.nn.F.smoothL1Loss(x, t, { beta, reduction: 'sum' }),
        );
        close(gx!, [NaN, beta === 0 ? 1 : 0.25], `beta ${beta}`);
      }
    },
  },
  {
    id: 'mseLoss/grad-near-float32-max',
    expect: 'ok',
    // torch's (2/N)·d·g: 0.5·3e38 is finite where 2·3e38 alone is not.
    run: ({ fl }) => {
      const [gx, gt] = grads2(fl, [3e38, 0, 1, 0], [0, 0, 0.5, 0], (x, t) => fl.nn.F.mseLoss(x, t));
      close(gx!, [1.5e38, 0, 0.25, 0], 'd/dinput', 1e-6);
      close(gt!, [-1.5e38, -0, -0.25, -0], 'd/dtarget', 1e-6);
    },
  },
  {
    id: 'smoothL1Loss/second-derivative-float64',
    expect: 'ok',
    run: ({ fl }) =>
      fl.tidy(() => {
        const x = fl.tensor([0.1, 0.3, 2, -0.2], { dtype: 'float64', requiresGrad: true });
        const t = fl.zeros([4], { dtype: 'float64' });
        const [g] = fl.grad([fl.nn.F.smoothL1Loss(x, t, { beta: 0.5 })], [x], {
          createGraph: true,
        });
        // torch: ∂(g·g)/∂x = 2g·(|d| < β)/(β·N), exactly in float64.
        close(values(fl.grad([g!.mul(g!).sum()], [x])[0]!), [0.05, 0.15, 0, -0.1], 'hvp', 1e-15);
      }),
  },
  {
    id: 'l1Loss/int32',
    expect: 'ok',
    run: ({ fl }) => {
      const a = fl.tensor([1, 2, -3], { dtype: 'int32' });
      const b = fl.tensor([0, 5, 3], { dtype: 'int32' });
      const none = fl.nn.F.l1Loss(a, b, { reduction: 'none' });
      assert.equal(none.dtype, 'int32');
      assert.deepEqual(values(none), [1, 3, 6]);
      assert.deepEqual(values(fl.nn.F.l1Loss(a, b, { reduction: 'sum' })), [10]);
      close(values(fl.nn.F.l1Loss(a, b.float())), [10 / 3], 'mixed mean');
    },
  },
  {
    id: 'l1Loss/int32-mean',
    expect: { throws: 'DTypeError', match: /l1Loss: reduction 'mean' needs a float input/ },
    run: ({ fl }) =>
      fl.nn.F.l1Loss(fl.tensor([1, 2], { dtype: 'int32' }), fl.tensor([0, 5], { dtype: 'int32' })),
  },
  {
    id: 'l1Loss/bool',
    expect: { throws: 'DTypeError', match: /l1Loss: target must be float32, float64 or int32/ },
    run: ({ fl }) => fl.nn.F.l1Loss(fl.tensor([1, 2]), fl.tensor([true, false])),
  },
  {
    id: 'smoothL1Loss/negative-beta',
    expect: { throws: 'ArgumentError', match: /smoothL1Loss: options.beta must be a non-negative/ },
    run: ({ fl }) => fl.nn.F.smoothL1Loss(fl.ones([2]), fl.zeros([2]), { beta: -1 }),
  },
  {
    id: 'huberLoss/nan-delta',
    expect: {
      throws: 'ArgumentError',
      match: /huberLoss: options.delta must be a positive number/,
    },
    run: ({ fl }) => fl.nn.F.huberLoss(fl.ones([2]), fl.zeros([2]), { delta: NaN }),
  },
  {
    id: 'mseLoss/int32-input',
    expect: { throws: 'DTypeError', match: /mseLoss: input must be float32 or float64, got int32/ },
    run: ({ fl }) => fl.nn.F.mseLoss(fl.tensor([1], { dtype: 'int32' }), fl.zeros([1])),
  },
  {
    id: 'huberLoss/target-a-number',
    expect: { throws: 'ArgumentError' },
    run: ({ fl }) => loose(fl.nn.F.huberLoss)(fl.ones([2]), 3),
  },
];

const classification: Probe[] = [
  {
    id: 'crossEntropy/ignored-row-of-nan',
    expect: 'ok',
    // Flint's documented choice: an ignored row's logits do not enter the loss, so their gradient
    // is 0 (torch: NaN from 0·NaN in its backward) on the fused and the composite paths alike.
    run: ({ fl }) => {
      for (const opts of [{}, { weight: fl.tensor([1, 2]) }, { labelSmoothing: 0.1 }])
        fl.tidy(() => {
          const x = fl.tensor(
            [
              [0.25, 0.5],
              [NaN, 1],
              [0.5, -0.25],
            ],
            { requiresGrad: true },
          );
          const t = fl.tensor([0, 1, 1], { dtype: 'int32' });
          const loss = fl.nn.F.crossEntropy(x, t, { ignoreIndex: 1, ...opts });
          assert.ok(Number.isFinite(loss.item()), `loss ${loss.item()}`);
          const g = values(fl.grad([loss], [x])[0]!);
          close(g.slice(2), [0, 0, 0, 0], `ignored rows ${JSON.stringify(Object.keys(opts))}`);
          assert.ok(
            g.slice(0, 2).every((v) => v !== 0 && Number.isFinite(v)),
            `kept row: ${g}`,
          );
        });
    },
  },
  {
    id: 'crossEntropy/zero-loss-sign',
    expect: 'ok',
    // torch accumulates an unbatched or reduced NLL into +0; a per-row one is −log p = −0.
    run: ({ fl }) => {
      const ce = fl.nn.F.crossEntropy;
      for (const reduction of ['none', 'sum', 'mean'] as const) {
        const one = ce(fl.tensor([0.302]), fl.tensor(0, { dtype: 'int32' }), { reduction });
        assert.ok(Object.is(one.item(), 0), `1-d ${reduction}: ${one.item()}`);
      }
      const rows = ce(fl.tensor([[5], [3]]), fl.tensor([0, 0], { dtype: 'int32' }), {
        reduction: 'none',
      });
      assert.ok(
        values(rows).every((v) => Object.is(v, -0)),
        `rows: ${values(rows)}`,
      );
    },
  },
  {
    id: 'binaryCrossEntropyWithLogits/second-derivative-at-zero',
    expect: 'ok',
    run: ({ fl }) =>
      fl.tidy(() => {
        const x = fl.tensor([-0, 0, 1], { dtype: 'float64', requiresGrad: true });
        const y = fl.tensor([0.63, 0, 1], { dtype: 'float64' });
        const loss = fl.nn.F.binaryCrossEntropyWithLogits(x, y, { reduction: 'sum' });
        const [g] = fl.grad([loss], [x], { createGraph: true });
        const s = 1 / (1 + Math.exp(-1));
        close(values(g!), [0.5 - 0.63, 0.5, s - 1], 'first');
        close(values(fl.grad([g!.sum()], [x])[0]!), [0.25, 0.25, s * (1 - s)], 'second');
      }),
  },
  {
    id: 'binaryCrossEntropyWithLogits/pos-weight-target-gradient',
    expect: 'ok',
    // d/dy of (1 − y)·x + (1 + (p − 1)·y)·log(1 + e^(−x)) is −x + (p − 1)·log(1 + e^(−x)).
    run: ({ fl }) => {
      const [, gy] = grads2(
        fl,
        [0.5, -2],
        [0.25, 1],
        (x, y) =>
          fl.nn.F.binaryCrossEntropyWithLogits(x, y, {
            posWeight: fl.tensor([3], { dtype: 'float64' }),
            reduction: 'none',
          }),
        'float64',
      );
      const sp = (x: number) => Math.log1p(Math.exp(-x));
      close(gy!, [-0.5 + 2 * sp(0.5), 2 + 2 * sp(-2)], 'd/dtarget', 1e-12);
    },
  },
  {
    id: 'crossEntropy/target-out-of-range',
    expect: {
      throws: 'ShapeError',
      match: /crossEntropy: target 5 is out of bounds for 2 classes/,
    },
    run: ({ fl }) => fl.nn.F.crossEntropy(fl.ones([1, 2]), fl.tensor([5], { dtype: 'int32' })),
  },
];

const pools: Probe[] = [
  {
    id: 'adaptiveAvgPool2d/inf-outside-a-window',
    expect: 'ok',
    run: ({ fl }) =>
      fl.tidy(() => {
        const x = fl.tensor([[[1, Infinity]]], { requiresGrad: true });
        const y = fl.nn.F.adaptiveAvgPool2d(x, [1, 3]);
        close(values(y), [1, Infinity, Infinity], 'values');
        close(values(fl.grad([y.sum()], [x])[0]!), [1.5, 1.5], 'gradient');
        const z = fl.tensor([
          [
            [-Infinity, 2, 4],
            [6, 8, NaN],
          ],
        ]);
        close(values(fl.nn.F.adaptiveAvgPool2d(z, [2, 2])), [-Infinity, 3, 7, NaN], 'inf/NaN');
      }),
  },
  {
    id: 'adaptiveAvgPool2d/zero-output-size',
    expect: { throws: 'FlintError', match: /adaptiveAvgPool2d/ },
    run: ({ fl }) => fl.nn.F.adaptiveAvgPool2d(fl.ones([1, 2, 2]), [0, 2]),
  },
  {
    id: 'adaptiveAvgPool2d/nan-output-size',
    expect: { throws: 'FlintError', match: /adaptiveAvgPool2d/ },
    run: ({ fl }) => fl.nn.F.adaptiveAvgPool2d(fl.ones([1, 2, 2]), NaN),
  },
  {
    id: 'maxPool2d/nan-routes-to-last-nan',
    expect: 'ok',
    // torch's CPU loop takes `v > best || isnan(v)`: the last NaN of the window gets the gradient.
    run: ({ fl }) =>
      fl.tidy(() => {
        const x = fl.tensor([[[[3, 1, NaN, 2, NaN, 5]]]], { requiresGrad: true });
        const [y, idx] = fl.nn.F.maxPool2d(x, [1, 3], { stride: 1, returnIndices: true });
        close(values(y), [NaN, NaN, NaN, NaN], 'values');
        assert.deepEqual(values(idx), [2, 2, 4, 4]);
        close(values(fl.grad([y.sum()], [x])[0]!), [0, 0, 2, 0, 2, 0], 'gradient');
      }),
  },
  {
    id: 'avgPool2d/zero-mean-is-positive',
    expect: 'ok',
    run: ({ fl }) => {
      const x = fl.tensor([
        [
          [
            [-1e-45, -0],
            [-0, -0],
          ],
        ],
      ]);
      assert.ok(Object.is(fl.nn.F.avgPool2d(x, 2).item(), 0), 'avgPool2d mean of −0s is +0');
      // The adaptive pool assigns sum / kh / kw, as torch: the −0 stays.
      assert.ok(Object.is(fl.nn.F.adaptiveAvgPool2d(x, 1).item(), -0), 'adaptive keeps −0');
    },
  },
  {
    id: 'maxPool2d/kernel-a-string',
    expect: { throws: 'FlintError', match: /maxPool2d/ },
    run: ({ fl }) => loose(fl.nn.F.maxPool2d)(fl.ones([1, 1, 2, 2]), '2'),
  },
];

export const probes: Probe[] = [...regression, ...classification, ...pools];
