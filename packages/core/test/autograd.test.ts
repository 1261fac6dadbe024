import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';

const backend = cpuBackend({ name: 'cpu-autograd-test' });
beforeAll(() => fl.use(backend));
afterAll(() => fl.removeBackend(backend.name));

const f64 = (data: fl.NestedArray, requiresGrad = true) =>
  fl.tensor(data, { dtype: 'float64', requiresGrad });
const arr = (t: fl.Tensor | null) => t!.toArray() as number[];

describe('autograd', () => {
  it('computes the issue example like PyTorch', () => {
    const w = f64([
      [0.1, 0.2],
      [0.3, -0.4],
      [0.5, 0.6],
    ]);
    const loss = fl
      .tensor([[1, 2, 3]], { dtype: 'float64' })
      .matmul(w)
      .tanh()
      .sum();
    loss.backward();
    const d = [1 - Math.tanh(2.2) ** 2, 1 - Math.tanh(1.2) ** 2];
    expect(loss.item()).toBeCloseTo(Math.tanh(2.2) + Math.tanh(1.2), 12);
    const g = w.grad!.toArray() as number[][];
    [1, 2, 3].forEach((x, i) => d.forEach((di, j) => expect(g[i]![j]).toBeCloseTo(x * di, 12)));
  });

  it('accumulates into .grad across backward calls and sums broadcast gradients', () => {
    const b = f64([1, 2]);
    const x = fl.tensor(
      [
        [1, 1],
        [1, 1],
        [1, 1],
      ],
      { dtype: 'float64' },
    );
    x.add(b).sum().backward();
    expect(arr(b.grad)).toEqual([3, 3]);
    x.mul(b).sum().backward();
    expect(arr(b.grad)).toEqual([6, 6]);
  });

  it('needs a gradient for non-scalar outputs', () => {
    const x = f64([1, 2]);
    expect(() => x.mul(2).backward()).toThrow(fl.GradError);
    x.mul(2).backward(fl.tensor([1, 10], { dtype: 'float64' }));
    expect(arr(x.grad)).toEqual([2, 20]);
  });

  it('frees the graph after backward unless retainGraph is set', () => {
    const x = f64([1, 2]);
    const y = x.exp().sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expect(arr(x.grad)[0]).toBeCloseTo(2 * Math.E, 12);
    expect(() => y.backward()).toThrow(/second time/);
  });

  it('supports createGraph for gradients of gradients', () => {
    const x = f64([0.5, -1, 2]);
    const [g] = fl.grad(x.pow(3).sum(), x, { createGraph: true });
    expect(arr(g!)).toEqual([0.75, 3, 12]);
    const [h] = fl.grad(g!.sum(), x);
    expect(arr(h!)).toEqual([3, -6, 12]);
  });

  it('fl.grad returns gradients without touching .grad, and handles unused inputs', () => {
    const x = f64([1, 2]);
    const z = f64([3]);
    expect(() => fl.grad(x.sum(), [x, z])).toThrow(/not used/);
    const [gx, gz] = fl.grad(x.mul(3).sum(), [x, z], { allowUnused: true });
    expect(arr(gx!)).toEqual([3, 3]);
    expect(arr(gz!)).toEqual([0]);
    expect(x.grad).toBeNull();
  });

  it('gives gradients for intermediate (non-leaf) inputs', () => {
    const x = f64([1, 2]);
    const h = x.mul(2);
    const [gh] = fl.grad(h.square().sum(), h);
    expect(arr(gh!)).toEqual([4, 8]);
  });

  it('detach and noGrad stop recording', () => {
    const x = f64([1, 2]);
    expect(x.detach().requiresGrad).toBe(false);
    const y = fl.noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(x.mul(2).gradFn).not.toBeNull();
  });

  it('only float tensors can require grad', () => {
    expect(() => fl.tensor([1], { dtype: 'int32' }).requiresGrad_()).toThrow(fl.GradError);
  });

  it('in-place ops on leaves that require grad need noGrad', () => {
    const w = f64([1, 2]);
    expect(() => w.sub_(1)).toThrow(/noGrad/);
    fl.noGrad(() => w.sub_(1));
    expect(arr(w)).toEqual([0, 1]);
    expect(w.requiresGrad).toBe(true);
  });

  it('follows torch conventions at kinks and ties', () => {
    const x = f64([-1, 0, 2]);
    x.relu().sum().backward();
    expect(arr(x.grad)).toEqual([0, 0, 1]);
    const a = f64([1, 2]);
    const b = f64([1, 1]);
    a.maximum(b).sum().backward();
    expect(arr(a.grad)).toEqual([0.5, 1]);
    expect(arr(b.grad)).toEqual([0.5, 0]);
    const m = f64([[1, 3, 3]]);
    m.max(1).values.sum().backward();
    expect(m.grad!.toArray()).toEqual([[0, 1, 0]]);
    const c = f64([0, 1, 2]);
    c.clamp(0, 1).sum().backward();
    expect(arr(c.grad)).toEqual([1, 1, 0]);
  });

  it('differentiates through views: slice with step, flip, permute, expand, index', () => {
    const x = f64([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
    x.slice(1, 1, null, 2)
      .flip(0)
      .T.mul(
        fl.tensor(
          [
            [1, 2],
            [3, 4],
          ],
          { dtype: 'float64' },
        ),
      )
      .sum()
      .backward();
    expect(x.grad!.toArray()).toEqual([
      [0, 2, 0, 4],
      [0, 1, 0, 3],
    ]);
    const y = f64([1, 2]);
    y.unsqueeze(0).expand([3, 2]).index('...', 1).sum().backward();
    expect(arr(y.grad)).toEqual([0, 3]);
  });

  it('differentiates through cat, stack, pad modes, gather and indexSelect', () => {
    const a = f64([1, 2, 3]);
    const b = f64([4]);
    fl.cat([a, b])
      .mul(fl.tensor([1, 2, 3, 4], { dtype: 'float64' }))
      .sum()
      .backward();
    expect(arr(a.grad)).toEqual([1, 2, 3]);
    expect(arr(b.grad)).toEqual([4]);
    const r = f64([[1, 2, 3]]);
    r.pad([2, 1], 'reflect').sum().backward();
    // reflect [1,2,3] by (2,1): [3,2,1,2,3,2] → counts 1, 3, 2
    expect(r.grad!.toArray()).toEqual([[1, 3, 2]]);
    const g = f64([10, 20, 30]);
    g.indexSelect(0, [2, 2, 0]).sum().backward();
    expect(arr(g.grad)).toEqual([1, 0, 2]);
  });
});

describe('autograd and disposed tensors', () => {
  it('backward through a disposed leaf is a DisposedTensorError naming the leaf, and changes no gradient', () => {
    const w = f64([1, 2]);
    const b = f64([1, 1]);
    const loss = w
      .mul(fl.tensor([3, 4], { dtype: 'float64' }))
      .add(b)
      .sum();
    w.dispose();
    expect(() => loss.backward()).toThrow(fl.DisposedTensorError);
    expect(() => loss.backward()).toThrow(
      /backward: the leaf tensor \[2\] float64 used as input 0 of 'mul' was disposed before backward\(\)/,
    );
    // Checked before any rule ran: the other leaf got nothing, and the graph is still whole.
    expect(b.grad).toBeNull();
    expect(loss.gradFn).not.toBeNull();
  });

  it('backward and fl.grad of a disposed output, and fl.grad of a disposed input, are typed errors', () => {
    const x = f64([1, 2]);
    const y = x.mul(x).sum();
    y.dispose();
    expect(() => y.backward()).toThrow(/backward: output 0 \(\[\] float64\) was disposed/);
    expect(() => fl.grad(y, x)).toThrow(fl.DisposedTensorError);
    const z = x.mul(3).sum();
    x.dispose();
    expect(() => fl.grad(z, x)).toThrow(/grad: input 0 \(\[2\] float64\) was disposed/);
  });

  it('a disposed leaf that fl.grad does not ask for is not an error', () => {
    const x = f64([1, 2]);
    const c = f64([5, 5]);
    const y = x.mul(c).sum();
    c.dispose();
    expect(arr(fl.grad(y, x)[0]!)).toEqual([5, 5]);
  });
});

describe('autograd memory', () => {
  it('frees each node’s saved tensors as soon as backward has run its rule', () => {
    // A chain of 20 exps saves 20 outputs. Freed at the end of the pass, they would all still be
    // live when the last rule runs; freed as consumed, the live buffers fall as the pass goes.
    const x = f64([0.1, 0.2, 0.3]);
    // Only the graph holds the intermediates (as in a Module's forward).
    const loss = fl.tidy(() => {
      let h = x;
      for (let i = 0; i < 20; i++) h = h.exp().mul(0.5);
      return h.sum();
    });
    const seen: number[] = [];
    const kernels = backend.kernels;
    const mul: typeof kernels.mul = (...a) => {
      seen.push(backend.stats().buffers);
      return kernels.mul(...a);
    };
    // The kernel table is frozen; the backend object's `kernels` field is readonly only in its type.
    const swap = backend as unknown as { kernels: typeof kernels };
    swap.kernels = { ...kernels, mul };
    try {
      loss.backward();
    } finally {
      swap.kernels = kernels;
    }
    expect(seen.length).toBeGreaterThanOrEqual(20);
    // The last rules run with ~20 fewer saved buffers than the first ones.
    expect(seen[0]! - seen[seen.length - 1]!).toBeGreaterThanOrEqual(15);
    expect(x.grad!.shape).toEqual([3]);
  });

  it('retainGraph keeps every saved tensor until the second pass', () => {
    const x = f64([0.1, 0.2]);
    const y = x.exp().exp().sum();
    y.backward(undefined, { retainGraph: true });
    const first = arr(x.grad);
    x.grad = null;
    y.backward();
    expect(arr(x.grad)).toEqual(first);
  });
});
