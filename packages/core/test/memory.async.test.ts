/**
 * Devices without synchronous read-back (caps.syncRead: false, as WebGPU): `fl.tidyAsync` frees
 * across awaits, and dataSync/item/toArray are BackendErrors that point to `await t.data()`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import { asyncOnly } from './async-device.js';

const sync = cpuBackend({ name: 'cpu-tidy-async' });
const dev = asyncOnly(cpuBackend({ name: 'cpu-no-sync-read' }));
beforeAll(() => {
  fl.register(sync);
  fl.register(dev);
});
afterAll(() => {
  fl.removeBackend(sync.name);
  fl.removeBackend(dev.name);
});

describe('fl.tidyAsync', () => {
  it('frees what fn made across awaits and keeps what it returns', async () => {
    const before = sync.stats().buffers;
    const kept = await fl.tidyAsync(async () => {
      const a = fl.ones([4], { device: sync.name });
      const b = a.mul(2);
      expect(Array.from(await b.data())).toEqual([2, 2, 2, 2]);
      return b.add(1); // made after an await: still in the scope
    });
    expect(sync.stats().buffers).toBe(before + 1);
    expect(Array.from(await kept.data())).toEqual([3, 3, 3, 3]);
    kept.dispose();
    expect(sync.stats().buffers).toBe(before);
  });

  it('frees everything when fn rejects, and rethrows', async () => {
    const before = sync.stats().buffers;
    const fail = fl.tidyAsync(async () => {
      fl.zeros([3], { device: sync.name });
      await Promise.resolve();
      throw new RangeError('boom');
    });
    await expect(fail).rejects.toThrow('boom');
    expect(sync.stats().buffers).toBe(before);
  });

  it('overlapping calls: one that ends while a later one is open is an error that frees nothing', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    let madeByA: fl.Tensor | undefined;
    const a = fl.tidyAsync(async () => {
      madeByA = fl.ones([2], { device: sync.name }); // in A's scope: made before B opened
      await new Promise((r) => setTimeout(r, 0));
    });
    const b = fl.tidyAsync(async () => {
      await gate;
      return fl.zeros([1], { device: sync.name });
    });
    await expect(a).rejects.toThrow(/tidyAsync.*one tidyAsync at a time.*nothing was freed/);
    open();
    const kept = await b; // the later scope still works, and the stack is whole again
    expect(madeByA!.disposed).toBe(false);
    for (const t of [madeByA!, kept]) t.dispose();
    const later = fl.tidy(() => fl.ones([1], { device: sync.name }).add(1));
    expect(Array.from(await later.data())).toEqual([2]);
    later.dispose();
  });

  it('checks its argument', () => {
    expect(() => fl.tidyAsync(3 as never)).toThrow(/tidyAsync/);
  });
});

describe('a device without synchronous read-back', () => {
  it('reads with await t.data(); dataSync, item and toArray are BackendErrors naming the op', async () => {
    const x = fl.tensor([1.5, -2], { device: dev.name });
    expect(Array.from(await x.data())).toEqual([1.5, -2]);
    const s = x.sum();
    for (const [op, f] of [
      ['dataSync', () => x.dataSync()],
      ['item', () => s.item()],
      ['toArray', () => x.toArray()],
    ] as const) {
      expect(f).toThrow(fl.BackendError);
      expect(f).toThrow(
        new RegExp(
          `^${op}: device 'cpu-no-sync-read' has no synchronous read-back.*await t\\.data\\(\\)`,
        ),
      );
    }
    for (const t of [x, s]) t.dispose();
  });
});
