/**
 * The activation modules (issue 13 §1) beyond the PyTorch fixtures of their functional forms
 * (conformance family `activations`): torch's printout and state dict, PReLU's parameter and
 * its gradient, the module ↔ functional agreement, and constructor checks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import { nn } from '@flint/core';

const backend = cpuBackend({ name: 'cpu-act-test' });
beforeAll(() => fl.use(backend));
afterAll(() => fl.removeBackend(backend.name));

const F = nn.functional;

describe('activation modules print as torch prints them', () => {
  // Expected strings are torch 1.13's repr() of the same constructor calls.
  it.each<[() => nn.Module, string]>([
    [() => new nn.ELU(), 'ELU(alpha=1.0)'],
    [() => new nn.SELU(), 'SELU()'],
    [() => new nn.CELU(), 'CELU(alpha=1.0)'],
    [() => new nn.Softplus(), 'Softplus(beta=1, threshold=20)'],
    [() => new nn.Softplus(2, 5), 'Softplus(beta=2, threshold=5)'],
    [() => new nn.Mish(), 'Mish()'],
    [() => new nn.Softsign(), 'Softsign()'],
    [() => new nn.LogSigmoid(), 'LogSigmoid()'],
    [() => new nn.Tanhshrink(), 'Tanhshrink()'],
    [() => new nn.Softmin(1), 'Softmin(dim=1)'],
    [() => new nn.GLU(), 'GLU(dim=-1)'],
    [() => new nn.Hardtanh(), 'Hardtanh(min_val=-1.0, max_val=1.0)'],
    [() => new nn.Hardtanh(-2, 3.5), 'Hardtanh(min_val=-2.0, max_val=3.5)'],
    [() => new nn.ReLU6(), 'ReLU6()'],
    [() => new nn.Hardsigmoid(), 'Hardsigmoid()'],
    [() => new nn.Hardswish(), 'Hardswish()'],
    [() => new nn.Hardshrink(0.25), 'Hardshrink(0.25)'],
    [() => new nn.Softshrink(), 'Softshrink(0.5)'],
    [() => new nn.Threshold(0.1, 20), 'Threshold(threshold=0.1, value=20)'],
    [() => new nn.PReLU(), 'PReLU(num_parameters=1)'],
    [() => new nn.PReLU(3), 'PReLU(num_parameters=3)'],
    [() => new nn.RReLU(), 'RReLU(lower=0.125, upper=0.3333333333333333)'],
    [() => new nn.RReLU(0.1, 0.3), 'RReLU(lower=0.1, upper=0.3)'],
    [() => new nn.Softmax2d(), 'Softmax2d()'],
  ])('%#: %s', (make, want) => {
    const m = make();
    expect(m.toString()).toBe(want);
    m.dispose();
  });
});

describe('PReLU', () => {
  it('has one parameter `weight` of numParameters slopes, initialised to init', () => {
    const m = new nn.PReLU(3, { init: 0.1 });
    const sd = m.stateDict();
    expect(Object.keys(sd)).toEqual(['weight']);
    expect(sd.weight!.shape).toEqual([3]);
    expect(Array.from(sd.weight!.dataSync())).toEqual([0.1, 0.1, 0.1].map(Math.fround));
    expect(m.numParameters()).toBe(3);
    expect(new nn.PReLU().weight.toArray()).toEqual([0.25]);
    m.dispose();
  });

  it('learns per-channel slopes: values and weight gradient as torch', () => {
    const m = new nn.PReLU(3, { init: 0.1 });
    const x = fl.tensor([
      [
        [-1, 2],
        [3, -4],
        [-0.5, 0],
      ],
    ]);
    const y = m.forward(x);
    y.sum().backward();
    // torch: PReLU(3, 0.1) on the same input.
    const want = [
      [
        [-0.1, 2],
        [3, -0.4],
        [-0.05, 0],
      ],
    ];
    (y.toArray() as number[][][]).flat(2).forEach((v, i) => {
      expect(v).toBeCloseTo(want.flat(2)[i]!, 6);
    });
    expect(m.weight.grad!.toArray()).toEqual([-1, -4, -0.5]);
    fl.dispose([x, y]);
    m.dispose();
  });

  it('loads a torch-shaped state dict and rejects a wrong shape', () => {
    const m = new nn.PReLU(2);
    m.loadStateDict({ weight: fl.tensor([0.5, -1]) });
    expect(m.forward(fl.tensor([[-2, -2]])).toArray()).toEqual([[-1, 2]]);
    expect(() => m.loadStateDict({ weight: fl.tensor([0.5]) })).toThrow(fl.ShapeError);
    m.dispose();
  });

  it('takes dtype and device, and names the options object for a positional init', () => {
    const m = new nn.PReLU(2, { dtype: 'float64' });
    expect(m.weight.dtype).toBe('float64');
    m.dispose();
    expect(() => new (nn.PReLU as unknown as new (...a: unknown[]) => nn.Module)(2, 0.1)).toThrow(
      /init/,
    );
  });
});

describe('modules agree with their functional forms', () => {
  const x = () =>
    fl.tensor([
      [-4, -3, -1, -0.25, 0],
      [0.25, 1, 3, 4, 7],
    ]);
  it.each<[string, () => nn.Module, (t: fl.Tensor) => fl.Tensor]>([
    ['ELU', () => new nn.ELU(0.5), (t) => F.elu(t, 0.5)],
    ['SELU', () => new nn.SELU(), (t) => F.selu(t)],
    ['CELU', () => new nn.CELU(2), (t) => F.celu(t, 2)],
    ['Softplus', () => new nn.Softplus(2, 3), (t) => F.softplus(t, 2, 3)],
    ['Mish', () => new nn.Mish(), (t) => F.mish(t)],
    ['Softsign', () => new nn.Softsign(), (t) => F.softsign(t)],
    ['LogSigmoid', () => new nn.LogSigmoid(), (t) => F.logsigmoid(t)],
    ['Tanhshrink', () => new nn.Tanhshrink(), (t) => F.tanhshrink(t)],
    ['Softmin', () => new nn.Softmin(1), (t) => F.softmin(t, 1)],
    ['GLU', () => new nn.GLU(0), (t) => F.glu(t, 0)],
    ['Hardtanh', () => new nn.Hardtanh(-2, 3), (t) => F.hardtanh(t, -2, 3)],
    ['ReLU6', () => new nn.ReLU6(), (t) => F.relu6(t)],
    ['Hardsigmoid', () => new nn.Hardsigmoid(), (t) => F.hardsigmoid(t)],
    ['Hardswish', () => new nn.Hardswish(), (t) => F.hardswish(t)],
    ['Hardshrink', () => new nn.Hardshrink(1), (t) => F.hardshrink(t, 1)],
    ['Softshrink', () => new nn.Softshrink(1), (t) => F.softshrink(t, 1)],
    ['Threshold', () => new nn.Threshold(0.5, -9), (t) => F.threshold(t, 0.5, -9)],
  ])('%s', (_, make, fn) => {
    fl.tidy(() => {
      const m = make();
      expect((m.forward(x()) as fl.Tensor).toArray()).toEqual(fn(x()).toArray());
    });
  });

  it('tensor methods and fl.* functions where torch has them', () => {
    fl.tidy(() => {
      const t = x();
      const w = fl.tensor([0.25]);
      expect(t.prelu(w).toArray()).toEqual(F.prelu(t, w).toArray());
      expect(fl.prelu(t, w).toArray()).toEqual(F.prelu(t, w).toArray());
      expect(t.hardshrink(1).toArray()).toEqual(F.hardshrink(t, 1).toArray());
      expect(fl.hardshrink(t).toArray()).toEqual(F.hardshrink(t).toArray());
      expect(fl.selu(t).toArray()).toEqual(F.selu(t).toArray());
      expect(fl.celu(t, 2).toArray()).toEqual(F.celu(t, 2).toArray());
      expect(fl.threshold(t, 0, 5).toArray()).toEqual(F.threshold(t, 0, 5).toArray());
    });
  });

  it('works in a Sequential, which prints the children as torch (with JS booleans)', () => {
    const model = new nn.Sequential(new nn.Linear(2, 3), new nn.PReLU(3), new nn.Hardswish());
    expect(model.toString()).toBe(
      [
        'Sequential(',
        '  (0): Linear(in_features=2, out_features=3, bias=true)', // JS's true, as every Flint layer prints
        '  (1): PReLU(num_parameters=3)',
        '  (2): Hardswish()',
        ')',
      ].join('\n'),
    );
    expect(Object.keys(model.stateDict())).toEqual(['0.weight', '0.bias', '1.weight']);
    model.dispose();
  });
});

describe('RReLU and Softmax2d', () => {
  it('RReLU draws one slope in [lower, upper] per negative element while training', () => {
    fl.manualSeed(7);
    const m = new nn.RReLU(0.1, 0.3);
    const x = fl.full([2000], -2, { requiresGrad: true });
    const y = m.forward(x);
    y.sum().backward();
    const slopes = Array.from(y.dataSync(), (v) => v / -2);
    expect(Math.min(...slopes)).toBeGreaterThanOrEqual(Math.fround(0.1) - 1e-7);
    expect(Math.max(...slopes)).toBeLessThanOrEqual(Math.fround(0.3) + 1e-7);
    expect(new Set(slopes).size).toBeGreaterThan(1000); // per element, not one for all
    const mean = slopes.reduce((a, b) => a + b, 0) / slopes.length;
    expect(Math.abs(mean - 0.2)).toBeLessThan(0.01); // U(0.1, 0.3): sd of the mean ≈ 0.0013
    // The gradient is the slope each element drew.
    Array.from(x.grad!.dataSync()).forEach((g, i) => expect(g).toBeCloseTo(slopes[i]!, 6));
    expect(m.forward(fl.tensor([0, 3])).toArray()).toEqual([0, 3]);
    fl.dispose([x, y]);
  });

  it('RReLU uses the mean slope after eval(), and checks its bounds where it draws', () => {
    const m = new nn.RReLU(0.1, 0.3).eval();
    expect(m.forward(fl.tensor([-2, 3])).toArray()).toEqual([Math.fround(-0.4), 3]);
    expect(() => F.rrelu(fl.tensor([-1]), 0.5, 0.1, true)).toThrow(
      /rrelu: lower must be less than or equal to upper/,
    );
  });

  it('Softmax2d normalises over the channels (dim -3) of 3-D and 4-D inputs only', () => {
    const m = new nn.Softmax2d();
    expect(m.forward(fl.zeros([1, 2, 1, 1])).toArray()).toEqual([[[[0.5]], [[0.5]]]]);
    expect(() => m.forward(fl.zeros([2, 2]))).toThrow(fl.ShapeError);
    expect(() => m.forward(fl.zeros([2, 2]))).toThrow(/Softmax2d: expected a 3-D/);
  });
});

describe('constructor checks', () => {
  it('rejects what torch rejects, with typed errors naming the layer', () => {
    expect(() => new nn.Hardtanh(1, -1)).toThrow(fl.ArgumentError);
    expect(() => new nn.Hardtanh(1, -1)).toThrow(/Hardtanh: maxVal must be greater than minVal/);
    expect(() => new nn.CELU(0)).toThrow(/CELU: alpha cannot be 0/);
    expect(() => new nn.Softshrink(-1)).toThrow(/Softshrink: lambd must be greater than/);
    const Any = nn.Threshold as unknown as new (...a: unknown[]) => nn.Module;
    expect(() => new Any(0.5)).toThrow(fl.FlintError);
    expect(() => new (nn.Softmin as unknown as new () => nn.Module)()).toThrow(fl.FlintError);
  });
});
