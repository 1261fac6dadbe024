/**
 * Internals of in-place writes (ops/inplace.ts, autograd/inplace.ts): buffer swaps keep memory
 * exact, storages free their graph, and a loop writing step by step into one buffer under autograd
 * gives the gradients of the same program written with fl.stack. Behaviour on every backend is in
 * the conformance suite (api/inplace, errors/inplace, grad/inplace).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';

const backend = cpuBackend({ name: 'cpu-inplace-test' });
beforeAll(() => fl.use(backend));
afterAll(() => fl.removeBackend(backend.name));

const arr = (t: fl.Tensor) => Array.from(t.dataSync());

/** h_t = tanh(h_{t-1}·w + x_t), collected into out[t]; loss = Σ out·k. */
function rnn(steps: number, inPlace: boolean) {
  const w = fl.tensor(
    [
      [0.5, -0.3],
      [0.2, 0.4],
    ],
    { dtype: 'float64', requiresGrad: true },
  );
  const xs = fl.linspace(-1, 1, steps * 2, { dtype: 'float64' }).reshape([steps, 2]);
  const k = fl.linspace(0, 1, steps * 2, { dtype: 'float64' }).reshape([steps, 2]);
  let h = fl.zeros([2], { dtype: 'float64' });
  const out = fl.zeros([steps, 2], { dtype: 'float64' });
  const hs: fl.Tensor[] = [];
  for (let t = 0; t < steps; t++) {
    h = h.matmul(w).add(xs.index(t)).tanh();
    if (inPlace) out.index(t).copy_(h);
    else hs.push(h);
  }
  const y = inPlace ? out : fl.stack(hs);
  y.mul(k).sum().backward();
  return { w, y };
}

describe('in-place writes', () => {
  it('a step loop writing into one buffer matches fl.stack, and stays linear in the steps', () => {
    fl.tidy(() => {
      const a = rnn(300, true);
      const b = rnn(300, false);
      expect(arr(a.y)).toEqual(arr(b.y));
      const ga = arr(a.w.grad!);
      const gb = arr(b.w.grad!);
      ga.forEach((v, i) => expect(v).toBeCloseTo(gb[i]!, 12));
      a.w.grad = null;
      b.w.grad = null;
    });
  });

  it('swaps buffers: writes change neither fl.memory() nor the backend buffer count', () => {
    fl.tidy(() => {
      const x = fl.zeros([4, 4]);
      const v = x.index('1:3', '::2');
      const before = { mem: fl.memory(), stats: backend.stats() };
      for (let i = 0; i < 20; i++) {
        v.add_(1);
        x.mul_(2);
        x.set([0, 0], i);
      }
      expect(fl.memory()).toEqual(before.mem);
      expect(backend.stats()).toEqual(before.stats);
      expect(x.storage.version).toBe(60);
    });
  });

  it('a storage written under autograd frees its graph, and the saved tensors behind it', () => {
    const before = fl.memory();
    fl.tidy(() => {
      const x = fl.tensor([1, 2, 3], { requiresGrad: true });
      const y = x.exp(); // saves its output: the storage the write then replaces
      y.index(0).mul_(2);
      y.index(1).add_(x.index(2));
    });
    expect(fl.memory()).toEqual(before);
  });
});
