import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';

const backend = cpuBackend({ name: 'cpu-hooks-test' });
beforeAll(() => fl.use(backend));
afterAll(() => fl.removeBackend(backend.name));

const arr = (t: fl.Tensor | null) => Array.from(t!.dataSync());

describe('Tensor.registerHook and retainGrad (torch 1.13 semantics)', () => {
  it('a non-leaf hook sees the gradient and may replace it; remove() unregisters', () => {
    const x = fl.tensor([1, 2], { requiresGrad: true });
    const y = x.mul(2);
    const seen: number[][] = [];
    const h = y.registerHook((g) => {
      seen.push(arr(g));
      return g.mul(10);
    });
    y.sum().backward();
    expect(seen).toEqual([[1, 1]]);
    expect(arr(x.grad)).toEqual([20, 20]);
    h.remove();
    h.remove(); // idempotent
    x.grad = null;
    const y2 = x.mul(2);
    y2.sum().backward();
    expect(arr(x.grad)).toEqual([2, 2]);
  });

  it('a leaf hook runs once with the total gradient, before accumulation', () => {
    const x = fl.tensor([1, 2], { requiresGrad: true });
    const calls: number[][] = [];
    x.registerHook((g) => void calls.push(arr(g)));
    x.mul(2).add(x.mul(3)).sum().backward();
    expect(calls).toEqual([[5, 5]]);
    expect(arr(x.grad)).toEqual([5, 5]);
    const h = x.registerHook((g) => g.mul(2));
    x.grad = null;
    x.mul(x).sum().backward();
    expect(arr(x.grad)).toEqual([4, 8]);
    h.remove();
  });

  it('fl.grad runs no leaf hooks and returns an input’s gradient before its hooks', () => {
    const v = fl.tensor([1, 2], { requiresGrad: true });
    v.registerHook((g) => g.mul(100));
    expect(arr(fl.grad(v.mul(2).sum(), v)[0]!)).toEqual([2, 2]);
    const u = v.mul(1);
    u.registerHook((g) => g.mul(7));
    expect(arr(fl.grad(u.mul(2).sum(), u)[0]!)).toEqual([2, 2]);
  });

  it('retainGrad keeps a non-leaf gradient, in hook registration order, accumulating', () => {
    const x = fl.tensor([1, 2], { requiresGrad: true });
    const y = x.mul(2);
    y.retainGrad();
    y.registerHook((g) => g.mul(10));
    expect(y.retainsGrad).toBe(true);
    y.sum().backward();
    expect(arr(y.grad)).toEqual([1, 1]);
    expect(arr(x.grad)).toEqual([20, 20]);
    const z = x.mul(3);
    z.registerHook((g) => g.mul(10));
    z.retainGrad();
    z.sum().backward();
    expect(arr(z.grad)).toEqual([10, 10]);
    x.retainGrad(); // leaf: no-op
    expect(x.retainsGrad).toBe(false);
  });

  it('typed errors: no grad, wrong replacement', () => {
    expect(() => fl.tensor([1]).registerHook((g) => g)).toThrow(/registerHook: cannot register/);
    expect(() => fl.tensor([1]).retainGrad()).toThrow(fl.GradError);
    expect(() => fl.tensor([1], { requiresGrad: true }).registerHook(3 as never)).toThrow(
      fl.ArgumentError,
    );
    const w = fl.tensor([1, 2], { requiresGrad: true });
    w.registerHook(() => fl.ones([3]));
    expect(() => w.mul(2).sum().backward()).toThrow(fl.ShapeError);
    const q = fl.tensor([1, 2], { requiresGrad: true });
    const qq = q.mul(2);
    qq.registerHook(() => 'x' as never);
    expect(() => qq.sum().backward()).toThrow(/a hook must return a Tensor or nothing/);
  });

  it('hooks leak nothing', () => {
    const x = fl.tensor([1, 2], { requiresGrad: true });
    const before = fl.memory().tensors;
    fl.tidy(() => {
      const y = x.mul(2);
      y.registerHook((g) => g.mul(3));
      x.registerHook((g) => g.add(1));
      y.sum().backward();
    });
    x.grad = null;
    expect(fl.memory().tensors).toBe(before);
  });
});

describe('Module hooks', () => {
  it('forward pre-hook may replace inputs, forward hook the output; remove() works', () => {
    const lin = new fl.nn.Linear(2, 1);
    fl.noGrad(() => {
      lin.weight.fill_(1);
      lin.bias!.fill_(0);
    });
    const log: string[] = [];
    const h1 = lin.registerForwardPreHook((m, inputs) => {
      log.push(`pre ${m === lin} ${inputs.length}`);
      return [(inputs[0] as fl.Tensor).mul(2)];
    });
    const h2 = lin.registerForwardHook((_m, _inputs, out) => {
      log.push('fwd');
      return (out as fl.Tensor).add(1);
    });
    expect(arr(lin.forward(fl.tensor([[1, 2]])))).toEqual([7]);
    expect(log).toEqual(['pre true 1', 'fwd']);
    h1.remove();
    h2.remove();
    expect(arr(lin.forward(fl.tensor([[1, 2]])))).toEqual([3]);
  });

  it('full backward hook: gradInput and gradOutput as torch; may replace gradInput', () => {
    const act = new fl.nn.Tanh();
    const x = fl.tensor([0, 1], { dtype: 'float64', requiresGrad: true });
    let got: { gi: number[]; go: number[] } | null = null;
    const h = act.registerFullBackwardHook((_m, gi, go) => {
      got = { gi: arr(gi[0]!), go: arr(go[0]!) };
      return [gi[0]!.mul(2)];
    });
    act.forward(x).mul(fl.tensor([3, 4], { dtype: 'float64' })).sum().backward();
    const d1 = 1 - Math.tanh(1) ** 2;
    expect(got!.go).toEqual([3, 4]);
    expect(got!.gi[0]).toBeCloseTo(3, 12);
    expect(got!.gi[1]).toBeCloseTo(4 * d1, 12);
    expect(arr(x.grad)[1]).toBeCloseTo(8 * d1, 12);
    h.remove();
  });

  it('full backward hook with an input that needs no grad: gradInput is null', () => {
    const lin = new fl.nn.Linear(2, 2);
    const calls: [unknown[], number][] = [];
    lin.registerFullBackwardHook((_m, gi, go) => void calls.push([gi, go.length]));
    lin.forward(fl.ones([1, 2])).sum().backward();
    expect(calls).toEqual([[[null], 1]]);
    expect(lin.weight.grad).not.toBeNull();
    expect(() => lin.registerFullBackwardHook(1 as never)).toThrow(fl.ArgumentError);
  });
});
