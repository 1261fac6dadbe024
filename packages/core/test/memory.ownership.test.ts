/**
 * Who owns what: a tensor owns its `.grad` (assigning frees the old one), the DataLoader owns the
 * batches it makes until the next draw, the caller owns what `fl.load` returns, and `fl.dispose`
 * frees tensors, containers of them and Modules.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';

const backend = cpuBackend({ name: 'cpu-ownership' });
beforeAll(() => fl.use(backend));
afterAll(() => fl.removeBackend(backend.name));
const live = () => fl.memory().perDevice[backend.name]!.tensors;

describe('Tensor.grad assignment', () => {
  it("the autograd guide's `w.grad = null` reset frees the old gradient (flat over 200 steps)", () => {
    const w = fl.randn([3], { requiresGrad: true });
    const counts: number[] = [];
    for (let step = 0; step < 200; step++) {
      fl.tidy(() => w.mul(w).sum().backward());
      w.grad = null;
      counts.push(live());
    }
    expect(counts.at(-1)).toBe(counts[0]);
    w.dispose();
  });

  it("the old gradient is disposed: a caller's other reference to it must clone first", () => {
    const w = fl.tensor([1, 2], { requiresGrad: true });
    w.mul(w).sum().backward();
    const old = w.grad!;
    const copy = old.clone();
    w.grad = null;
    expect(old.disposed).toBe(true);
    expect(() => old.item()).toThrow(fl.DisposedTensorError);
    expect(copy.toArray()).toEqual([2, 4]);
    fl.dispose([w, copy]);
  });

  it('assigning a tensor checks it, takes ownership (tidy does not free it) and frees the old one', () => {
    const w = fl.zeros([2, 2], { requiresGrad: true });
    const g = fl.tidy(() => {
      w.grad = fl.ones([2, 2]);
      return w.grad;
    });
    fl.tidy(() => {
      w.grad = fl.full([2, 2], 3);
    });
    expect(g.disposed).toBe(true);
    expect(w.grad!.toArray()).toEqual([
      [3, 3],
      [3, 3],
    ]);
    // eslint-disable-next-line no-self-assign -- the point: re-assigning the same gradient frees nothing
    w.grad = w.grad;
    expect(w.grad!.disposed).toBe(false);
    const bad: [unknown, typeof fl.FlintError, RegExp][] = [
      [fl.zeros([3]), fl.ShapeError, /must have shape \[2,2\], got \[3\]/],
      [fl.zeros([2, 2], { dtype: 'float64' }), fl.DTypeError, /must be float32, got float64/],
      [{ shape: [2, 2] }, fl.ArgumentError, /must be a Tensor or null, got \{ ?shape/],
      [undefined, fl.ArgumentError, /must be a Tensor or null, got undefined/],
      [w, fl.GradError, /its own gradient/],
    ];
    for (const [v, E, m] of bad) {
      expect(() => (w.grad = v as fl.Tensor)).toThrow(E);
      expect(() => (w.grad = v as fl.Tensor)).toThrow(m);
      expect(w.grad!.disposed).toBe(false); // a refused assignment changes nothing
    }
    w.dispose();
    expect(live()).toBeGreaterThanOrEqual(0);
  });
});

describe('DataLoader batches', () => {
  it("the data guide's loop frees its batches (flat over 30 batches) and a broken loop too", () => {
    const ds = new fl.data.TensorDataset(fl.randn([60, 4]), fl.randint(0, 3, [60]));
    const before = live();
    const loader = new fl.data.DataLoader(ds, { batchSize: 2, shuffle: true, seed: 0 });
    for (const [xb, yb] of loader) fl.tidy(() => xb!.sum().add(yb!.sum()).item());
    expect(live()).toBe(before);
    for (const [xb] of loader) if (xb!.shape[0] === 2) break;
    expect(live()).toBe(before);
    fl.dispose(ds.tensors);
  });

  it('a kept batch survives the next draw; a dataset tensor passed through a collate is never freed', () => {
    const rows = [fl.ones([2]), fl.zeros([2])];
    const own = new (class extends fl.data.Dataset<fl.Tensor> {
      get length() {
        return rows.length;
      }
      get(i: number) {
        return rows[i]!;
      }
    })();
    const kept: fl.Tensor[] = [];
    for (const b of new fl.data.DataLoader(own, { batchSize: 1 })) kept.push(fl.keep(b));
    expect(kept.map((t) => t.toArray())).toEqual([[[1, 1]], [[0, 0]]]);
    for (const b of new fl.data.DataLoader(own, { batchSize: 1, collate: (items) => items[0]! }))
      void b;
    expect(rows.every((r) => !r.disposed)).toBe(true);
    fl.dispose([kept, rows]);
  });
});

describe('fl.load ownership and fl.dispose', () => {
  it('loadStateDict copies: the loaded tensors stay the caller’s, and freeing them leaves the model intact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flint-own-'));
    try {
      const a = new fl.nn.Linear(3, 2);
      const b = new fl.nn.Linear(3, 2);
      await fl.save(a, join(dir, 'a.safetensors'));
      const sd = await fl.load(join(dir, 'a.safetensors'));
      // Counted only between synchronous steps: across the await, the GC may finalize tensors
      // that earlier tests dropped, which would move a count taken before it.
      const loaded = live();
      b.loadStateDict(sd);
      expect(Object.values(sd).every((t) => !t.disposed)).toBe(true);
      expect(live()).toBe(loaded);
      fl.dispose(sd);
      expect(live()).toBe(loaded - 2);
      expect(b.weight.toArray()).toEqual(a.weight.toArray());
      fl.dispose([a, b]);
      await expect(fl.load(join(dir, 'missing.safetensors'))).rejects.toThrow(fl.IOError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fl.dispose frees a tensor, nested arrays and objects, and a Module; skips other values', () => {
    const before = live();
    const t = fl.ones([2]);
    const nested = { a: [fl.ones([1]), { b: fl.zeros([3]) }], n: 3, s: 'x', none: null };
    const m = new fl.nn.Sequential(new fl.nn.Linear(2, 2), new fl.nn.BatchNorm1d(2));
    fl.tidy(() =>
      m
        .forward(fl.ones([4, 2]))
        .sum()
        .backward(),
    );
    fl.dispose(t);
    fl.dispose(nested);
    fl.dispose(m);
    fl.dispose(m); // idempotent
    expect(live()).toBe(before);
    expect(() => fl.tidy(() => m.forward(fl.ones([4, 2])))).toThrow(fl.DisposedTensorError);
    expect(() => fl.dispose(3 as never)).toThrow(fl.ArgumentError);
    expect(() => fl.dispose(3 as never)).toThrow(/fl.dispose/);
  });
});
