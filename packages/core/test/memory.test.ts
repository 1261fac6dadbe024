import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';

const backend = cpuBackend({ name: 'cpu-memory-test' });
beforeAll(() => fl.use(backend));
afterAll(() => fl.removeBackend(backend.name));

describe('memory', () => {
  it('a 10,000-step training loop with tidy per step leaves fl.memory() where it started', () => {
    fl.manualSeed(1);
    const x = fl.randn([16, 4]);
    const y = fl.randn([16, 1]);
    let w = fl.keep(fl.randn([4, 1], { requiresGrad: true }));
    let b = fl.keep(fl.zeros([1], { requiresGrad: true }));
    const before = fl.memory();
    const buffersBefore = backend.stats().buffers;
    let first = 0;
    let last = 0;
    for (let step = 0; step < 10_000; step++) {
      last = fl.tidy(() => {
        const loss = x.matmul(w).add(b).sub(y).square().mean();
        loss.backward();
        fl.noGrad(() => {
          const nw = fl.keep(w.sub(w.grad!.mul(0.01)).requiresGrad_());
          const nb = fl.keep(b.sub(b.grad!.mul(0.01)).requiresGrad_());
          w.dispose();
          b.dispose();
          [w, b] = [nw, nb];
        });
        return loss.item();
      });
      if (step === 0) first = last;
    }
    expect(last).toBeLessThan(first);
    expect(fl.memory()).toEqual(before);
    expect(backend.stats().buffers).toBe(buffersBefore);
  });

  it('frees the graph of a forward pass that is never backpropagated', () => {
    const start = backend.stats();
    const w = fl.randn([4, 3], { requiresGrad: true });
    const out = fl.tidy(() => w.exp().mul(2).softmax(1).sum());
    out.dispose();
    w.dispose();
    expect(backend.stats()).toEqual(start);
  });

  it('dispose is idempotent and use after dispose throws DisposedTensorError', () => {
    const t = fl.ones([2]);
    t.dispose();
    t.dispose();
    expect(() => t.add(1)).toThrow(fl.DisposedTensorError);
    expect(() => t.toArray()).toThrow(/used after dispose/);
  });

  it('views keep the buffer alive until the last holder is gone', () => {
    const start = backend.stats().buffers;
    const base = fl.tidy(() => fl.arange(6).reshape([2, 3]));
    const v = base.T;
    base.dispose();
    expect(v.toArray()).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
    v.dispose();
    expect(backend.stats().buffers).toBe(start);
  });

  it('`using` disposes at the end of the block', () => {
    const start = fl.memory().tensors;
    {
      using t = fl.ones([3]);
      expect(t.sum().item()).toBe(3);
    }
    // the sum above is a live tensor too; only `t` was disposed by `using`
    expect(fl.memory().tensors).toBe(start + 1);
  });

  it('tidy keeps returned tensors (also in arrays and objects) and frees the rest', () => {
    const start = fl.memory().tensors;
    const r = fl.tidy(() => {
      const a = fl.ones([2]).mul(2);
      return { a, list: [a.add(1)] };
    });
    expect(fl.memory().tensors).toBe(start + 2);
    r.a.dispose();
    r.list[0]!.dispose();
    expect(fl.memory().tensors).toBe(start);
  });
});

describe('FinalizationRegistry backstop', () => {
  it('frees the buffer of a tensor collected without dispose()', async () => {
    const { setFlagsFromString } = await import('node:v8');
    const { runInNewContext } = await import('node:vm');
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const start = backend.stats().buffers;
    (() => {
      fl.keep(fl.ones([1024])); // unreachable once this function returns, never disposed
    })();
    expect(backend.stats().buffers).toBe(start + 1);
    // Other unreachable tensors of earlier tests may be collected too, hence `≤`.
    for (let i = 0; i < 20 && backend.stats().buffers > start; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(backend.stats().buffers).toBeLessThanOrEqual(start);
  });
});
