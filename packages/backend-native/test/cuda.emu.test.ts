/**
 * The 'cuda' device on the CUDA emulator (scripts/test-cudaemu.mjs runs this against
 * build-cudaemu with FLINT_CUDA_SUITE_EMULATE=1; skipped otherwise): contexts, host⇄device
 * copies, asynchronous reads, dispatch through the cuda op table, the caching allocator and
 * out-of-memory, cross-device copies and errors.
 */
import * as fl from '@flint/core';
import { BackendError } from '@flint/core/backend';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addon } from '../src/binding.js';
import type { Handle } from '../src/binding.js';
import { cudaAvailable, cudaBackend, cudaMemoryStats, nativeBackend } from '../src/index.js';

const emulated = process.env.FLINT_CUDA_SUITE_EMULATE === '1';

interface EmuHooks {
  cudaEmuSetMemory(bytes: number): void;
  cudaEmuInfo(): { launches: number; memoryUsed: number; memoryLimit: number };
}
const hooks = () => addon() as unknown as EmuHooks;

describe.skipIf(!emulated)('cuda on the emulator', () => {
  beforeAll(() => {
    fl.use(cudaBackend({ emulate: true }));
    fl.register(nativeBackend({ name: 'native' }));
  });
  afterAll(() => {
    fl.removeBackend('cuda');
    fl.removeBackend('native');
  });

  it('is reachable only by opting in', () => {
    const r = cudaAvailable();
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/emulation build/);
    expect(() => cudaBackend()).toThrow(/emulation build .*\{ emulate: true \}/);
    expect(fl.getBackend('cuda').caps.features).toEqual(['cuda', 'cuda-emulated']);
  });

  it('round-trips every dtype, whole and ranged', async () => {
    const b = fl.getBackend('cuda');
    for (const [dtype, data] of [
      ['float32', new Float32Array([1.5, -2, 3e-8, NaN])],
      ['float64', new Float64Array([1e300, -0, Infinity, 0.1])],
      ['int32', new Int32Array([-(2 ** 31), 7, 2 ** 31 - 1, 0])],
      ['bool', new Uint8Array([1, 0, 1, 1])],
    ] as const) {
      const h = b.alloc(dtype, 6);
      b.write(h, new Float64Array(6));
      b.write(h, data, 2);
      const sync = Array.from(b.readSync(h, dtype, 6));
      const asyncRead = Array.from(await b.read(h, dtype, 6));
      expect(asyncRead).toEqual(sync);
      expect(sync.slice(2)).toEqual(Array.from(data));
      b.free(h);
    }
  });

  it('bad writes and reads are BackendErrors and change nothing', () => {
    const b = fl.getBackend('cuda');
    const h = b.alloc('float32', 4);
    b.write(h, new Float32Array([1, 2, 3, 4]));
    expect(() => b.write(h, new Float32Array(3))).toThrow(
      /data has 3 elements but the buffer holds 4/,
    );
    expect(() => b.write(h, new Float32Array(3), 2)).toThrow(/overruns a buffer of 4/);
    expect(() => b.readSync(h, 'float32', 5)).toThrow(BackendError);
    expect(Array.from(b.readSync(h, 'float32', 4))).toEqual([1, 2, 3, 4]);
    b.free(h);
  });

  it('read() is asynchronous and the event loop runs while it waits', async () => {
    const x = fl.arange(0, 1000, 1, { dtype: 'float32' });
    let ticked = false;
    setImmediate(() => (ticked = true));
    const p = x.mul(2).sum().data();
    expect(p).toBeInstanceOf(Promise);
    expect(Array.from(await p)).toEqual([999000]);
    await new Promise((r) => setImmediate(r));
    expect(ticked).toBe(true);
    x.dispose();
  });

  it('runs ops as emulated kernels (the cuda table, not the CPU one)', () => {
    const before = hooks().cudaEmuInfo().launches;
    const r = fl.tidy(() =>
      fl
        .tensor([
          [1, 2],
          [3, 4],
        ])
        .matmul(fl.tensor([[1], [1]]))
        .toArray(),
    );
    expect(r).toEqual([[3], [7]]);
    expect(hooks().cudaEmuInfo().launches).toBeGreaterThan(before);
  });

  it('copies between devices; mixing them is a DeviceError', () => {
    fl.tidy(() => {
      const c = fl.tensor([1, 2, 3], { dtype: 'int32' });
      const n = c.to('native');
      expect(n.device).toBe('native');
      expect(n.to('cuda').add(c).toArray()).toEqual([2, 4, 6]);
      expect(() => c.add(n)).toThrow(fl.DeviceError);
    });
  });

  it('caches freed blocks and gives them back on dispose', () => {
    const b = cudaBackend({ name: 'cuda-cache', emulate: true });
    const used0 = hooks().cudaEmuInfo().memoryUsed;
    const h1 = b.alloc('float32', 1000);
    b.free(h1);
    const h2 = b.alloc('float32', 900); // same 4 KiB class
    const s = cudaMemoryStats(b);
    expect(s.mallocs).toBe(1);
    expect(s.hits).toBe(1);
    expect(s.liveBytes).toBe(4096);
    expect(b.stats()).toEqual({ buffers: 1, bytes: 3600 });
    b.free(h2);
    expect(cudaMemoryStats(b).cachedBytes).toBe(4096);
    b.dispose();
    expect(hooks().cudaEmuInfo().memoryUsed).toBe(used0);
    expect(() => b.alloc('float32', 1)).toThrow(/disposed/);
  });

  it('out of memory: empties the cache, retries, then a typed error', () => {
    const b = cudaBackend({ name: 'cuda-oom', emulate: true });
    const used0 = hooks().cudaEmuInfo().memoryUsed;
    const limit = hooks().cudaEmuInfo().memoryLimit;
    hooks().cudaEmuSetMemory(used0 + 8 * 2 ** 20);
    try {
      const big = b.alloc('float32', 1.5 * 2 ** 20); // 6 MiB class
      b.free(big); // cached
      const other = b.alloc('float64', 2 ** 19); // 4 MiB: only fits once the cache is emptied
      expect(cudaMemoryStats(b).cacheFlushes).toBe(1);
      // 4 MiB live + 6 MiB > 8 MiB, with nothing cached left to give back.
      expect(() => b.alloc('float32', 1.5 * 2 ** 20)).toThrow(BackendError);
      expect(() => b.alloc('float32', 1.5 * 2 ** 20)).toThrow(
        /out of memory: cannot allocate 6\.00 MiB on the device \(4\.00 MiB held by live tensors/,
      );
      expect(b.stats().buffers).toBe(1);
      b.free(other);
      b.free(b.alloc('float32', 2 ** 20)); // usable again
    } finally {
      hooks().cudaEmuSetMemory(limit);
      b.dispose();
    }
  });

  it('a kernel error (bad argument) is a BackendError and leaks nothing', () => {
    const b = fl.getBackend('cuda');
    const before = b.stats();
    const x = fl.tensor([1, 2, 3]);
    expect(() => x.reshape([4])).toThrow(fl.ShapeError);
    x.dispose();
    expect(b.stats()).toEqual(before);
  });
});

/**
 * Device-side asserts (native/cuda/device_error.h): a kernel that finds an index or target out of
 * range records it in the context's error word; the next read or sync raises it as a ShapeError,
 * once, and the context keeps working. Calls go to the kernel table directly, past core's checks.
 */
describe.skipIf(!emulated)('cuda device-side asserts on the emulator', () => {
  type B = ReturnType<typeof cudaBackend>;
  let b: B;
  const held: Handle[] = [];
  const upload = (dtype: fl.DType, shape: number[], data: number[]) => {
    const buf = b.alloc(dtype, data.length);
    b.write(buf, dtype === 'int32' ? new Int32Array(data) : new Float32Array(data));
    held.push(buf);
    const strides = shape.map((_, i) => shape.slice(i + 1).reduce((p, d) => p * d, 1));
    return { buf, dtype, shape, strides, offset: 0 };
  };
  const out = (buf: Handle) => (held.push(buf), buf);

  beforeAll(() => {
    b = cudaBackend({ name: 'cuda-assert', emulate: true });
  });
  afterEach(() => {
    for (const h of held.splice(0)) b.free(h);
    expect(b.stats()).toEqual({ buffers: 0, bytes: 0 });
  });
  afterAll(() => b.dispose());

  it('crossEntropy: a bad target fails the next read, once; the context still works', async () => {
    const x = upload('float32', [3, 4], [1, 2, 3, 4, 0, 0, 0, 0, -1, 5, 2, 0]);
    const t = upload('int32', [3], [0, 4, 1]);
    const loss = out(b.overrides!.crossEntropy!(x, t, -100)); // queued: no error yet
    const read = b.read(loss, 'float32', 3);
    await expect(read).rejects.toThrow(fl.ShapeError);
    await expect(read).rejects.toThrow(
      'crossEntropy: target 4 is out of bounds for 4 classes (valid 0 to 3, or ignoreIndex -100); ' +
        'detected on the device at row 1, reported at this read',
    );
    // Reported once: the same buffer reads now (row 1 is NaN, the others are right).
    const got = Array.from(await b.read(loss, 'float32', 3));
    expect(got[1]).toBeNaN();
    expect(got[0]).toBeCloseTo(3.4401897, 5);
    const good = upload('int32', [3], [3, -100, 1]);
    const ok = out(b.overrides!.crossEntropy!(x, good, -100));
    expect(Array.from(b.readSync(ok, 'float32', 3))[1]).toBe(0);
  });

  it('gather: a bad index through the kernel table fails readSync, once', () => {
    const x = upload('float32', [3], [10, 20, 30]);
    const index = upload('int32', [4], [2, 0, 7, 1]);
    const g = out(b.kernels.gather(x, index, 0));
    let err: unknown;
    try {
      b.readSync(g, 'float32', 4);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(fl.ShapeError);
    expect((err as Error).message).toBe(
      'gather: index 7 is out of bounds for dimension 0 with size 3 (valid: 0 to 2); ' +
        'detected on the device at element 2, reported at this read',
    );
    expect(Array.from(b.readSync(g, 'float32', 4))).toEqual([30, 10, 0, 20]);
  });

  it('scatterAdd: a negative index is skipped and raised by sync(); the first error wins', async () => {
    const x = upload('float32', [2], [1, 1]);
    const index = upload('int32', [3], [1, -1, 0]);
    const src = upload('float32', [3], [5, 6, 7]);
    const s = out(b.kernels.scatterAdd(x, index, src, 0));
    const later = upload('int32', [1], [9]);
    out(b.kernels.gather(x, later, 0)); // a second error before anyone looked: not reported
    await expect(b.sync()).rejects.toThrow(
      /^scatterAdd: index -1 is out of bounds for dimension 0 with size 2 .*reported at this sync$/,
    );
    await b.sync();
    expect(Array.from(await b.read(s, 'float32', 2))).toEqual([8, 6]);
  });
});
