import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import * as L from '../src/nn/losses/index.js';
import { type Enc, expectClose, loadFixture, tensorsOf } from './nn-rnn-helpers.js';

const backend = cpuBackend({ name: 'cpu-loss-test' });
beforeAll(() => fl.use(backend));
afterAll(() => fl.removeBackend(backend.name));

interface Case {
  id: string;
  inputs: Record<string, Enc>;
  options: Record<string, unknown>;
  output: Enc;
  grads: { input: Enc; target?: Enc };
}
const fx = loadFixture<{ cases: Case[] }>('nn-loss.json');

type LossFn = (input: fl.Tensor, target: fl.Tensor, opts: object) => fl.Tensor;
const FORMS: Record<
  string,
  [LossFn, new (opts: object) => { forward(i: fl.Tensor, t: fl.Tensor): fl.Tensor }]
> = {
  mseLoss: [L.mseLoss, L.MSELoss],
  l1Loss: [L.l1Loss, L.L1Loss],
  smoothL1Loss: [L.smoothL1Loss, L.SmoothL1Loss],
  huberLoss: [L.huberLoss, L.HuberLoss],
  crossEntropy: [L.crossEntropy, L.CrossEntropyLoss],
  nllLoss: [L.nllLoss, L.NLLLoss],
  binaryCrossEntropy: [L.binaryCrossEntropy, L.BCELoss],
  binaryCrossEntropyWithLogits: [L.binaryCrossEntropyWithLogits, L.BCEWithLogitsLoss],
  klDiv: [L.klDiv, L.KLDivLoss],
};

/** The fixture's scalar: the loss itself, or Σ loss·linspace(0.5, 1.5) for reduction 'none'. */
function total(out: fl.Tensor): fl.Tensor {
  if (out.ndim === 0) return out;
  return out.mul(fl.linspace(0.5, 1.5, out.size, { dtype: 'float64' }).reshape(out.shape)).sum();
}

function check(c: Case, form: 0 | 1): void {
  const [fn, Cls] = FORMS[c.id.split('/')[0]!]!;
  const { input, target, ...extra } = tensorsOf(c.inputs);
  input!.requiresGrad_();
  if (c.grads.target) target!.requiresGrad_();
  const opts = { ...c.options, ...extra };
  const out = form === 0 ? fn(input!, target!, opts) : new Cls(opts).forward(input!, target!);
  expectClose(out, c.output, `${c.id} output`);
  total(out).backward();
  expectClose(input!.grad, c.grads.input, `${c.id} d/dinput`);
  if (c.grads.target) expectClose(target!.grad, c.grads.target, `${c.id} d/dtarget`);
}

describe('losses match PyTorch (functional forms)', () => {
  for (const c of fx.cases) it(c.id, () => fl.tidy(() => check(c, 0)));
});

describe('loss modules match PyTorch', () => {
  it(`all ${fx.cases.length} fixture cases through the module forms`, () => {
    for (const c of fx.cases) fl.tidy(() => check(c, 1));
  });
});

const f64 = (d: fl.NestedArray, requiresGrad = false) =>
  fl.tensor(d, { dtype: 'float64', requiresGrad });
/** Values with −0 read as 0 (toEqual tells them apart). */
const values = (t: fl.Tensor) => Array.from(t.dataSync(), (v) => v + 0);
const i32 = (d: fl.NestedArray) => fl.tensor(d, { dtype: 'int32' });

describe('loss numerics', () => {
  it('cross-entropy stays finite for huge logits (log-sum-exp)', () => {
    const x = f64(
      [
        [1e4, 0, -1e4],
        [-5e3, 5e3, 0],
      ],
      true,
    );
    const loss = L.crossEntropy(x, i32([2, 1]), { reduction: 'none' });
    expect(values(loss)).toEqual([2e4, 0]);
    loss.sum().backward();
    expect(values(x.grad!)).toEqual([1, 0, -1, 0, 0, 0]);
  });

  it('BCE with logits is exact for |x| = 1000 where sigmoid saturates', () => {
    const x = f64([1000, -1000, 1000, -1000], true);
    const loss = L.binaryCrossEntropyWithLogits(x, f64([0, 1, 1, 0]), { reduction: 'none' });
    expect(values(loss)).toEqual([1000, 1000, 0, 0]);
    loss.sum().backward();
    expect(values(x.grad!)).toEqual([1, -1, 0, 0]);
  });

  it('BCE clamps log(0) at −100 like torch', () => {
    expect(L.binaryCrossEntropy(f64([0, 1]), f64([1, 0]), { reduction: 'none' }).toArray()).toEqual(
      [100, 100],
    );
  });

  it("a 'mean' with every target ignored is NaN, as in torch", () => {
    expect(L.crossEntropy(f64([[1, 2]]), i32([-100])).item()).toBeNaN();
  });

  it('keeps class weights and pos_weight as buffers under torch keys', () => {
    expect(Object.keys(new L.CrossEntropyLoss({ weight: f64([1, 2]) }).stateDict())).toEqual([
      'weight',
    ]);
    expect(
      Object.keys(new L.BCEWithLogitsLoss({ weight: f64([1]), posWeight: f64([2]) }).stateDict()),
    ).toEqual(['weight', 'pos_weight']);
    expect(Object.keys(new L.MSELoss().stateDict())).toEqual([]);
  });

  it('leaves fl.memory() unchanged after forward + backward in a tidy', () => {
    const x = fl.randn([8, 5], { requiresGrad: true });
    const y = fl.randint(0, 5, [8]);
    const ce = new L.CrossEntropyLoss({ labelSmoothing: 0.1, weight: fl.rand([5]) });
    const run = () => fl.tidy(() => ce.forward(x, y).backward());
    run();
    const before = fl.memory();
    const buffers = backend.stats().buffers;
    run();
    expect(fl.memory()).toEqual(before);
    expect(backend.stats().buffers).toBe(buffers);
  });
});

describe('saturation (issue 15): finite gradients where torch has them', () => {
  it('BCE of a saturated float32 sigmoid: gradient [0, 0.0237], not [NaN, …]', () =>
    fl.tidy(() => {
      const x = fl.tensor([20, -3], { requiresGrad: true });
      L.binaryCrossEntropy(x.sigmoid(), fl.tensor([1, 0])).backward();
      const g = values(x.grad!);
      expect(g[0]).toBe(0);
      expect(g[1]).toBeCloseTo(0.02371293678879738, 7);
    }));

  it("BCE at p = 0 and 1 for y in {0, 1, 0.3}: torch's (p − y)/max((1 − p)p, 1e-12)", () =>
    fl.tidy(() => {
      const p = f64([0, 0, 0, 1, 1, 1, 1e-30], true);
      const y = f64([0, 1, 0.3, 0, 1, 0.3, 0], true);
      const loss = L.binaryCrossEntropy(p, y, { reduction: 'none' });
      expect(values(loss)).toEqual([0, 100, 30, 100, 0, 70, 0]);
      loss.sum().backward();
      // torch 1.13, float64 (its ε is the float32 constant 1e-12, so 1/ε = 1000000003995.8…).
      const torch = [0, -1000000003995.8029, -300000001198.74084, 1000000003995.8029, 0];
      const got = values(p.grad!);
      torch.forEach((v, i) => expect(got[i]! / (v || 1)).toBeCloseTo(v ? 1 : 0, 12));
      expect(got[6]).toBeCloseTo(1.0000000039958028e-18, 30);
      // The target's gradient is log(1 − p) − log p, unclamped as in torch: ±∞ at 0 and 1.
      expect(values(y.grad!)).toEqual([
        Infinity,
        Infinity,
        Infinity,
        -Infinity,
        -Infinity,
        -Infinity,
        -Math.log(1e-30),
      ]);
    }));

  it('BCE second derivative is the derivative of the closed form (createGraph)', () =>
    fl.tidy(() => {
      const p = f64([0.3, 0.9, 0.5], true);
      const loss = L.binaryCrossEntropy(p, f64([1, 0, 0.25]), { reduction: 'sum' });
      const [g] = fl.grad([loss], [p], { createGraph: true });
      values(g!).forEach((v, i) => expect(v).toBeCloseTo([-10 / 3, 10, 1][i]!, 12));
      const [g2] = fl.grad([g!.sum()], [p]);
      // torch: [11.111111111005295, 99.99999999777783, 3.9999999999680007]
      values(g2!).forEach((v, i) => expect(v).toBeCloseTo([100 / 9, 100, 4][i]!, 6));
    }));

  it('smooth L1 with beta 0 at ties: torch gives −1 to both input and target', () =>
    fl.tidy(() => {
      const x = f64([0, 1, 3], true);
      const t = f64([0, 2, 3], true);
      L.smoothL1Loss(x, t, { beta: 0, reduction: 'sum' }).backward();
      expect(values(x.grad!)).toEqual([-1, -1, -1]);
      expect(values(t.grad!)).toEqual([-1, 1, -1]);
    }));
});

describe('loss errors', () => {
  it('class indices out of range name the loss, the value and the valid range', () => {
    const ce = new L.CrossEntropyLoss();
    expect(() => ce.forward(fl.zeros([2, 5]), i32([1, 5]))).toThrow(fl.ShapeError);
    expect(() => ce.forward(fl.zeros([2, 5]), i32([1, 5]))).toThrow(
      'CrossEntropyLoss: target 5 is out of bounds for 5 classes (valid: 0 to 4, or ignoreIndex -100)',
    );
    expect(() => L.nllLoss(fl.zeros([2, 3]), i32([-1, 0]), { ignoreIndex: 7 })).toThrow(
      'nllLoss: target -1 is out of bounds for 3 classes (valid: 0 to 2, or ignoreIndex 7)',
    );
  });

  it('target shapes and dtypes are checked', () => {
    expect(() => L.crossEntropy(fl.zeros([4, 3, 2]), i32([0, 1, 2, 0]))).toThrow(
      'crossEntropy: expected target of shape [4,2] for input [4,3,2] (the input without its class dimension 1), got [4]',
    );
    expect(() => L.crossEntropy(fl.zeros([4, 3]), fl.zeros([4, 2]))).toThrow(
      'crossEntropy: target shape [4,2] must match input shape [4,3]',
    );
    expect(() => L.crossEntropy(fl.zeros([2, 3]), fl.tensor([true, false]))).toThrow(fl.DTypeError);
    expect(() => new L.NLLLoss().forward(fl.zeros([2, 3]), fl.zeros([2]))).toThrow(
      /NLLLoss: class-index target must be int32, got float32/,
    );
    expect(() => new L.MSELoss().forward(fl.zeros([2, 3]), fl.zeros([3, 2]))).toThrow(
      fl.ShapeError,
    );
    expect(() => new L.MSELoss().forward(fl.zeros([2, 3]), fl.zeros([3, 2]))).toThrow(
      'MSELoss: target shape [3,2] must match input shape [2,3]',
    );
    // L1 takes int32 as torch does; only bool, or a 'mean' of ints, is a DTypeError.
    expect(() => new L.L1Loss().forward(fl.tensor([true]), fl.zeros([1]))).toThrow(
      'L1Loss: input must be float32, float64 or int32, got bool',
    );
    expect(() => L.l1Loss(i32([1, 2]), i32([3, 4]))).toThrow(
      /l1Loss: reduction 'mean' needs a float input or target, got int32 and int32/,
    );
    expect(() => new L.BCEWithLogitsLoss().forward(fl.zeros([2, 3]), fl.zeros([2]))).toThrow(
      /BCEWithLogitsLoss: target shape \[2\] must match/,
    );
    expect(() => new L.KLDivLoss().forward(fl.zeros([2, 3]), fl.zeros([2]))).toThrow(fl.ShapeError);
  });

  it('weights, options and value ranges are checked', () => {
    expect(() => L.crossEntropy(fl.zeros([2, 3]), i32([0, 1]), { weight: fl.ones([4]) })).toThrow(
      'crossEntropy: weight must have shape [3] (one entry per class), got [4]',
    );
    expect(() =>
      L.binaryCrossEntropyWithLogits(fl.zeros([2, 3]), fl.zeros([2, 3]), {
        posWeight: fl.ones([2]),
      }),
    ).toThrow(
      'binaryCrossEntropyWithLogits: posWeight of shape [2] cannot be broadcast to input shape [2,3]',
    );
    expect(() => new L.BCELoss().forward(fl.tensor([0.5, 1.5]), fl.zeros([2]))).toThrow(
      /BCELoss: every input element must be a probability in \[0, 1\]/,
    );
    expect(() => L.mseLoss(fl.zeros([2]), fl.zeros([2]), { reduction: 'avg' as 'mean' })).toThrow(
      "mseLoss: reduction must be one of 'none', 'mean', 'sum', got 'avg'",
    );
    expect(() => L.crossEntropy(fl.zeros([2, 3]), i32([0, 1]), { labelSmoothing: 1.5 })).toThrow(
      /labelSmoothing must be in \[0, 1\], got 1.5/,
    );
    expect(() => L.huberLoss(fl.zeros([2]), fl.zeros([2]), { delta: 0 })).toThrow(
      /huberLoss: delta must be positive/,
    );
  });
});
