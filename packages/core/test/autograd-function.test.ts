import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';

const backend = cpuBackend({ name: 'cpu-function-test' });
beforeAll(() => fl.use(backend));
afterAll(() => fl.removeBackend(backend.name));

type Ctx = fl.autograd.FunctionCtx;
const close = (t: fl.Tensor | null, want: number[]) =>
  Array.from(t!.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));

class Exp extends fl.autograd.Function {
  static override forward(ctx: Ctx, x: fl.Tensor): fl.Tensor {
    const y = x.exp();
    ctx.saveForBackward(y);
    return y;
  }
  static override backward(ctx: Ctx, g: fl.Tensor): fl.Tensor {
    return g.mul(ctx.savedTensors[0]!);
  }
}

/** y = x·w·scale, with a non-tensor argument. */
class ScaledMul extends fl.autograd.Function {
  static override forward(ctx: Ctx, x: fl.Tensor, w: fl.Tensor, scale: number): fl.Tensor {
    ctx.saveForBackward(x, w);
    ctx.scale = scale;
    return x.mul(w).mul(scale);
  }
  static override backward(ctx: Ctx, g: fl.Tensor): (fl.Tensor | null)[] {
    const [x, w] = ctx.savedTensors;
    const s = ctx.scale as number;
    return [
      ctx.needsInputGrad[0] ? g.mul(w!).mul(s) : null,
      ctx.needsInputGrad[1] ? g.mul(x!).mul(s) : null,
      null,
    ];
  }
}

class SumAndProd extends fl.autograd.Function {
  static override forward(ctx: Ctx, a: fl.Tensor, b: fl.Tensor): fl.Tensor[] {
    ctx.saveForBackward(a, b);
    return [a.add(b), a.mul(b)];
  }
  static override backward(ctx: Ctx, gs: fl.Tensor, gp: fl.Tensor): fl.Tensor[] {
    const [a, b] = ctx.savedTensors;
    return [gs.add(gp.mul(b!)), gs.add(gp.mul(a!))];
  }
}

/** A cube whose backward is written in differentiable ops: second derivatives work. */
class Cube extends fl.autograd.Function {
  static override forward(ctx: Ctx, x: fl.Tensor): fl.Tensor {
    ctx.saveForBackward(x);
    return x.pow(3);
  }
  static override backward(ctx: Ctx, g: fl.Tensor): fl.Tensor {
    const [x] = ctx.savedTensors;
    return g.mul(x!.square()).mul(3);
  }
}

function badBackward(ret: (g: fl.Tensor) => unknown) {
  return class Bad extends fl.autograd.Function {
    static override forward(_ctx: Ctx, x: fl.Tensor, _n?: number): fl.Tensor {
      return x.mul(2);
    }
    static override backward(_ctx: Ctx, g: fl.Tensor): unknown {
      return ret(g);
    }
  };
}

describe('fl.autograd.Function', () => {
  it('forward value, gradient from backward, ctx.needsInputGrad', () => {
    const x = fl.tensor([0, 1, 2], { requiresGrad: true });
    const y = Exp.apply(x);
    close(y, [1, Math.E, Math.exp(2)]);
    expect(y.gradFn).not.toBeNull();
    y.sum().backward();
    close(x.grad, [1, Math.E, Math.exp(2)]);

    const w = fl.tensor([2, 3, 4]);
    let seen: readonly boolean[] = [];
    class Spy extends ScaledMul {
      static override backward(ctx: Ctx, g: fl.Tensor) {
        seen = ctx.needsInputGrad;
        return super.backward(ctx, g);
      }
    }
    const x2 = fl.tensor([1, 1, 1], { requiresGrad: true });
    Spy.apply(x2, w, 0.5).sum().backward();
    expect(seen).toEqual([true, false, false]);
    close(x2.grad, [1, 1.5, 2]);
  });

  it('no node without an input that needs a gradient, or under noGrad', () => {
    const y = Exp.apply(fl.tensor([1, 2]));
    expect(y.requiresGrad).toBe(false);
    const z = fl.noGrad(() => Exp.apply(fl.tensor([1], { requiresGrad: true })));
    expect(z.gradFn).toBeNull();
  });

  it('several outputs: one backward call with a gradient per output (zeros if unused)', () => {
    const a = fl.tensor([1, 2], { requiresGrad: true });
    const b = fl.tensor([3, 5], { requiresGrad: true });
    const [s, p] = SumAndProd.apply(a, b) as [fl.Tensor, fl.Tensor];
    s.mul(2).add(p.mul(3)).sum().backward();
    close(a.grad, [2 + 9, 2 + 15]);
    close(b.grad, [2 + 3, 2 + 6]);
    a.grad = null;
    const [, p2] = SumAndProd.apply(a, b) as [fl.Tensor, fl.Tensor];
    p2.sum().backward(); // the sum output is unused: its gradient is zeros
    close(a.grad, [3, 5]);
  });

  it('createGraph: a backward written in tensor ops is differentiable', () => {
    const x = fl.tensor([2, -1], { dtype: 'float64', requiresGrad: true });
    const [dx] = fl.grad(Cube.apply(x).sum(), x, { createGraph: true });
    close(dx!, [12, 3]);
    const [ddx] = fl.grad(dx!.sum(), x);
    close(ddx!, [12, -6]); // 6x
    // A saved output is re-attached to its node: d²/dx² exp(x) = exp(x)
    const [e1] = fl.grad(Exp.apply(x).sum(), x, { createGraph: true });
    const [e2] = fl.grad(e1!.sum(), x);
    close(e2!, [Math.exp(2), Math.exp(-1)]);
  });

  it('an output that is an input gets its own node; the input is untouched', () => {
    class Id extends fl.autograd.Function {
      static override forward(_ctx: Ctx, x: fl.Tensor): fl.Tensor {
        return x;
      }
      static override backward(_ctx: Ctx, g: fl.Tensor): fl.Tensor {
        return g.mul(10);
      }
    }
    const x = fl.tensor([1, 2], { requiresGrad: true });
    const y = Id.apply(x);
    expect(y).not.toBe(x);
    expect(x.isLeaf).toBe(true);
    y.sum().backward();
    close(x.grad, [10, 10]);
  });

  it('saved tensors are freed with the graph: no leak after backward or dispose', () => {
    const x = fl.tensor([0.5, 1.5], { requiresGrad: true });
    const before = fl.memory().tensors;
    fl.tidy(() => {
      Exp.apply(x).sum().backward();
    });
    x.grad = null;
    expect(fl.memory().tensors).toBe(before);
    const y = ScaledMul.apply(x, fl.tensor([1, 2]), 2); // graph never backpropagated
    const mid = fl.memory().tensors;
    expect(mid).toBeGreaterThan(before);
    y.dispose();
    fl.tidy(() => undefined);
    expect(fl.memory().tensors).toBeLessThanOrEqual(before + 1); // the [1, 2] operand
  });

  it('backward twice without retainGraph is a GradError; with it, gradients add up', () => {
    const x = fl.tensor([1], { requiresGrad: true });
    const y = Exp.apply(x).sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    close(x.grad, [2 * Math.E]);
    expect(() => y.backward()).toThrow(fl.GradError);
  });

  it('typed errors for what backward returns', () => {
    const x = fl.tensor([1, 2], { requiresGrad: true });
    const run = (cls: ReturnType<typeof badBackward>, n?: number) => () =>
      cls.apply(x, n).sum().backward();
    expect(run(badBackward((g) => [g, g, g]))).toThrow(
      /Bad\.backward returned 3 gradients, expected 1/,
    );
    expect(
      run(
        badBackward((g) => [g, g]),
        3,
      ),
    ).toThrow(/argument 1, which is not a tensor/);
    expect(run(badBackward(() => fl.ones([3])))).toThrow(fl.ShapeError);
    expect(run(badBackward(() => fl.ones([3])))).toThrow(/gradient of argument 0 has shape \[3\]/);
    expect(run(badBackward(() => 'nope'))).toThrow(fl.GradError);
    expect(run(badBackward(() => fl.ones([2], { dtype: 'int32' })))).toThrow(fl.DTypeError);
    // a gradient of a broadcast shape is summed to the input's, as torch does
    x.grad = null;
    run(badBackward(() => fl.ones([3, 2])))();
    close(x.grad, [3, 3]);
  });

  it('forward must return tensors; the base class has no forward', () => {
    class NoTensor extends fl.autograd.Function {
      static override forward(): unknown {
        return 3;
      }
    }
    expect(() => NoTensor.apply()).toThrow(/NoTensor\.forward must return a Tensor/);
    class Empty extends fl.autograd.Function {}
    expect(() => Empty.apply(fl.ones([1]))).toThrow(/Empty\.forward: a Function subclass/);
    expect(() => new (fl.autograd.Function as unknown as new (a: number) => object)(1)).toThrow(
      fl.ArgumentError,
    );
  });

  it('fl.customGrad (tfjs shape)', () => {
    const square = fl.customGrad((x: fl.Tensor, save: fl.autograd.SaveFunc) => {
      save([x]);
      return {
        value: x.square(),
        gradFunc: (dy: fl.Tensor, [s]: fl.Tensor[]) => dy.mul(s!).mul(3),
      };
    });
    const x = fl.tensor([3], { requiresGrad: true });
    const y = square(x);
    close(y, [9]);
    y.sum().backward();
    close(x.grad, [9]); // the custom gradient (3x), not the true one (2x)
    expect(() => fl.customGrad(3 as never)).toThrow(fl.ArgumentError);
    const bad = fl.customGrad((() => ({ value: fl.ones([1]) })) as never);
    expect(() => bad(fl.ones([1]))).toThrow(/must return \{ value, gradFunc \}/);
  });
});
