/**
 * Deferred checks (ops/checks.ts): on a device without synchronous read-back, data-dependent
 * argument checks and the ops that used to read inside (prod's gradient, BatchNorm's cumulative
 * momentum, clipGradNorm_, orthogonal_, randint) never read synchronously; a failed check rejects
 * the device's next `await t.data()` with the error the synchronous path throws, and its facts
 * are freed whatever happens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import { asyncOnly } from './async-device.js';

const sync = cpuBackend({ name: 'cpu-checks-sync' });
const dev = asyncOnly(cpuBackend({ name: 'cpu-checks-async' }));
const S = { device: sync.name };
const A = { device: dev.name };
beforeAll(() => {
  fl.register(sync);
  fl.register(dev);
});
afterAll(() => {
  fl.removeBackend(sync.name);
  fl.removeBackend(dev.name);
});

const idx = (v: number[], o: { device: string }) => fl.tensor(v, { dtype: 'int32', ...o });

/** The error `fn` throws at once (on the synchronous device). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

/** `fn` returns on the asynchronous device; the read of its result rejects with `expected`. */
async function deferredAs(fn: () => fl.Tensor, expected: Error): Promise<void> {
  const buffers = dev.stats().buffers;
  const out = fl.tidy(fn); // the call's inputs are freed; only its result and the facts remain
  await expect(out.data()).rejects.toThrow(expected.message);
  await expect(out.data()).resolves.toBeDefined(); // reported once, then cleared
  out.dispose();
  expect(dev.stats().buffers).toBe(buffers); // the pending facts were freed
}

describe('deferred argument checks', () => {
  it('gather / indexSelect / scatterAdd: the sync error, at the next read', async () => {
    const x = (o: { device: string }) => fl.tensor([1, 2, 3], o);
    const calls: [string, (o: { device: string }) => fl.Tensor][] = [
      ['gather', (o) => x(o).gather(0, idx([0, 5], o))],
      ['indexSelect', (o) => x(o).indexSelect(0, idx([-1], o))],
      ['scatterAdd', (o) => x(o).scatterAdd(0, idx([3], o), fl.ones([1], o))],
      ['embedding', (o) => fl.nn.F.embedding(idx([4], o), fl.ones([3, 2], o))],
    ];
    for (const [name, call] of calls) {
      const err = thrown(() => call(S));
      expect(err, name).toBeInstanceOf(fl.ShapeError);
      await deferredAs(() => call(A), err);
    }
  });

  it('remainder by an int32 zero, crossEntropy / nllLoss targets, binaryCrossEntropy inputs', async () => {
    const calls: ((o: { device: string }) => fl.Tensor)[] = [
      (o) => fl.remainder(idx([5, 7], o), idx([2, 0], o)),
      (o) => fl.nn.F.crossEntropy(fl.zeros([2, 3], o), idx([1, 7], o)),
      (o) => fl.nn.F.nllLoss(fl.zeros([2, 3], o), idx([-2, 1], o)),
      (o) => fl.nn.F.binaryCrossEntropy(fl.tensor([0.5, 1.5], o), fl.tensor([1, 0], o)),
    ];
    for (const call of calls)
      await deferredAs(
        () => call(A),
        thrown(() => call(S)),
      );
  });

  it('passes valid input without reading, with the sync results', async () => {
    const a = fl
      .tensor(
        [
          [1, 2],
          [3, 4],
        ],
        A,
      )
      .gather(1, idx([1, 0], A).reshape([2, 1]));
    expect(Array.from(await a.data())).toEqual([2, 3]);
    const r = fl.remainder(idx([5, -7], A), idx([3, 3], A));
    expect(Array.from(await r.data())).toEqual([2, 2]);
  });

  it('reports the first failure once, to one of two concurrent reads', async () => {
    const x = fl.tensor([1, 2], A);
    const bad = x.gather(0, idx([2], A));
    x.gather(0, idx([-1], A)); // a second failure: only the first is reported
    const got = await Promise.allSettled([bad.data(), x.data()]);
    const rejected = got.filter((g) => g.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(String((rejected[0] as PromiseRejectedResult).reason)).toMatch(
      /index 2 is out of bounds/,
    );
    await expect(x.data()).resolves.toBeDefined();
  });

  it('keeps memory bounded in a loop that never reads, and still reports', async () => {
    // A device of its own: tensors earlier tests left to the GC may be finalized during the
    // awaits below, which would move a count over all devices.
    const own = asyncOnly(cpuBackend({ name: 'cpu-checks-bounded' }));
    fl.register(own);
    const O = { device: own.name };
    const count = () => fl.memory().perDevice[own.name]?.tensors ?? 0;
    try {
      const x = fl.tensor([1, 2, 3], O);
      const i = idx([0, 1], O);
      for (let k = 0; k < 300; k++) {
        fl.tidy(() => void x.gather(0, k === 10 ? idx([9], O) : i));
        if (k % 50 === 49) await new Promise((r) => setTimeout(r, 20)); // background drains run
      }
      await new Promise((r) => setTimeout(r, 50));
      // x, i and fewer than 64 pending checks of two facts each
      expect(count()).toBeLessThan(2 + 2 * 64);
      await expect(x.data()).rejects.toThrow(/gather: index 9 is out of bounds/);
      x.dispose();
      i.dispose();
      expect(count()).toBe(0);
    } finally {
      fl.removeBackend(own.name);
    }
  });

  it('oneHot without numClasses asks for it; with it, it works', async () => {
    expect(() => fl.oneHot(idx([1], A))).toThrow(fl.BackendError);
    expect(() => fl.oneHot(idx([1], A))).toThrow(/pass numClasses/);
    expect(Array.from(await fl.oneHot(idx([1], A), 2).data())).toEqual([0, 1]);
    await deferredAs(
      () => fl.oneHot(idx([2], A), 2),
      thrown(() => fl.oneHot(idx([2], S), 2)),
    );
  });

  it('to() from such a device names the copy and what to do instead', () => {
    expect(() => fl.ones([2], A).to(sync.name)).toThrow(/to: copying .*await t\.data\(\)/);
  });
});

describe('ops that used to read inside, on the asynchronous device', () => {
  const same = async (a: fl.Tensor, s: fl.Tensor, tol = 1e-6) => {
    const [x, y] = [Array.from(await a.data()), Array.from(await s.data())];
    expect(x.length).toBe(y.length);
    x.forEach((v, k) => expect(v).toBeCloseTo(y[k]!, -Math.log10(tol)));
  };

  it("prod's gradient, with and without zeros, first and second order", async () => {
    for (const data of [
      [
        [2, 3],
        [4, 0.5],
      ],
      [
        [2, 0],
        [0, 5],
      ],
      [[1], [0]],
    ]) {
      const grads = (o: { device: string }) => {
        const x = fl.tensor(data, { ...o, dtype: 'float64', requiresGrad: true });
        const [g] = fl.grad(x.prod(1).sum(), [x], { createGraph: true });
        const [h] = fl.grad(g!.sum(), [x]);
        return [g!, h!];
      };
      const [ga, ha] = grads(A);
      const [gs, hs] = grads(S);
      await same(ga, gs);
      await same(ha, hs);
    }
  });

  it('max/min along a dim and reflect/replicate pad, forward and backward', async () => {
    const run = (o: { device: string }) => {
      const x = fl.tensor(
        [
          [1, 5, 2],
          [7, 0, 3],
        ],
        { ...o, requiresGrad: true },
      );
      const y = x
        .max(1)
        .values.sum()
        .add(fl.nn.F.pad(x.unsqueeze(0), [2, 1], 'reflect').sum());
      y.backward();
      return x.grad!;
    };
    await same(run(A), run(S));
  });

  it('BatchNorm with momentum null: the cumulative average stays on the device', async () => {
    const run = (o: { device: string }) => {
      const bn = new fl.nn.BatchNorm1d(2, { momentum: null, ...o });
      for (let k = 0; k < 3; k++)
        bn.forward(
          fl.tensor(
            [
              [k, 1],
              [2 * k, -1],
              [1, k],
            ],
            o,
          ),
        );
      return bn.runningMean!;
    };
    await same(run(A), run(S));
  });

  it('clipGradNorm_ scales on the device and returns NaN (the norm is not readable)', async () => {
    const grads = (o: { device: string }) => {
      const p = fl.tensor([3, 4], { ...o, requiresGrad: true });
      p.mul(fl.tensor([3, 4], o))
        .sum()
        .backward();
      return [p, fl.optim.clipGradNorm_([p], 1)] as const;
    };
    const [pa, na] = grads(A);
    const [ps, ns] = grads(S);
    expect(na).toBeNaN();
    expect(ns).toBeGreaterThan(1);
    await same(pa.grad!, ps.grad!);
    const p = fl.tensor([1], { ...A, requiresGrad: true });
    p.mul(Infinity).sum().backward();
    fl.optim.clipGradNorm_([p], 1, 2, { errorIfNonfinite: true });
    await expect(p.data()).rejects.toThrow(fl.GradError);
  });

  it('orthogonal_ is orthogonal on the device and matches the host computation', async () => {
    for (const shape of [
      [5, 3],
      [3, 5],
    ]) {
      fl.manualSeed(7);
      const a = fl.nn.init.orthogonal_(fl.zeros(shape, A), 2);
      fl.manualSeed(7);
      const s = fl.nn.init.orthogonal_(fl.zeros(shape, S), 2);
      await same(a, s, 1e-5);
    }
  });

  it('randint on a device without float64 draws the same numbers without a read', async () => {
    const noF64 = asyncOnly(cpuBackend({ name: 'cpu-checks-f32' }));
    const b = {
      ...noF64,
      caps: { ...noF64.caps, dtypes: noF64.caps.dtypes.filter((d) => d !== 'float64') },
    };
    fl.register(b);
    try {
      fl.manualSeed(3);
      const a = fl.randint(-5, 1000, [20], { device: b.name });
      fl.manualSeed(3);
      const s = fl.randint(-5, 1000, [20], S);
      expect(Array.from(await a.data())).toEqual(Array.from(await s.data()));
    } finally {
      fl.removeBackend(b.name);
    }
  });
});
