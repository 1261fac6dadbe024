/**
 * What the shared suite does not reach: the kernel cache (a training loop compiles nothing after
 * its first step), results kept across later calls of the same kernel (gpu.js #590), the 2^24
 * element limit on both sides, exact int32 beyond 2^24, Threefry bits identical to the CPU
 * backend, context loss and compile failures as typed errors, and dispose freeing everything.
 */
import { cpuBackend } from '@flint/backend-cpu';
import * as fl from '@flint/core';
import { BackendError } from '@flint/core/backend';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { gpujsAvailable, gpujsBackend, MAX_ELEMENTS } from './index.js';
import type { GpujsBackend } from './index.js';
import { Runtime } from './runtime.js';

let g: GpujsBackend;

beforeAll(() => {
  g = gpujsBackend({ name: 'gpujs-unit' });
  fl.use(g);
});
afterAll(() => fl.removeBackend('gpujs-unit'));

test('gpu.js runs in a compiled mode here and reports it in caps.features', () => {
  expect(gpujsAvailable()).toBe(true);
  expect(g.caps.features).toContain('gpujs');
  expect(g.caps.features).toContain(g.mode);
  expect(g.caps.dtypes).not.toContain('float64');
});

describe('kernel cache', () => {
  function step(model: fl.nn.Module, opt: fl.optim.Optimizer, x: fl.Tensor, y: fl.Tensor): number {
    return fl.tidy(() => {
      opt.zeroGrad();
      const loss = fl.nn.functional.crossEntropy(model.forward(x) as fl.Tensor, y);
      loss.backward();
      opt.step();
      return loss.item();
    });
  }

  test('a training loop compiles nothing after its first step, whatever the batch size', () => {
    fl.manualSeed(0);
    const model = new fl.nn.Sequential(
      new fl.nn.Linear(8, 16),
      new fl.nn.ReLU(),
      new fl.nn.Linear(16, 3),
    );
    const opt = new fl.optim.Adam(model.parameters(), { lr: 0.01 });
    const batch = (n: number) => [fl.randn([n, 8]), fl.randint(0, 3, [n])] as const;
    const [x, y] = batch(32);
    const first = step(model, opt, x, y);
    step(model, opt, x, y);
    const compiled = g.stats().compiles;
    let last = first;
    for (let i = 0; i < 20; i++) last = step(model, opt, x, y);
    // a different (last-batch) size reuses the same kernels: they are keyed by op, not shape
    const [x2, y2] = batch(7);
    step(model, opt, x2, y2);
    expect(g.stats().compiles).toBe(compiled);
    expect(last).toBeLessThan(first);
    for (const t of [x, y, x2, y2, ...model.parameters()]) t.dispose();
  });
});

test('a result kept across later calls of the same kernel stays correct (gpu.js #590)', () => {
  const a = fl.tensor([1, 2, 3]);
  const first = a.add(a);
  const later = [a.add(fl.tensor([10, 10, 10])), a.add(fl.tensor([100, 100, 100]))];
  expect(first.toArray()).toEqual([2, 4, 6]);
  expect(later[1]!.toArray()).toEqual([101, 102, 103]);
  for (const t of [a, first, ...later]) t.dispose();
});

describe('the 2^24 element limit', () => {
  test('2^24 elements work', () => {
    const s = fl.tidy(() => fl.ones([MAX_ELEMENTS]).sum().item());
    expect(s).toBe(MAX_ELEMENTS);
  });

  test('2^24 + 1 elements are a BackendError naming the limit', () => {
    expect(() => fl.zeros([MAX_ELEMENTS + 1])).toThrow(BackendError);
    expect(() => fl.zeros([MAX_ELEMENTS + 1])).toThrow(/2\^24 = 16777216/);
  });
});

test('int32 stays exact beyond 2^24 (wrap-around included)', () => {
  const big = fl.tensor([2 ** 24 + 1, 2 ** 31 - 1, 123456789], { dtype: 'int32' });
  expect(big.add(fl.tensor([1, 1, 0], { dtype: 'int32' })).toArray()).toEqual([
    2 ** 24 + 2,
    -(2 ** 31),
    123456789,
  ]);
  expect(big.sum().item()).toBe((2 ** 24 + 1 + 2 ** 31 - 1 + 123456789) | 0);
  expect(Array.from(big.to('float32').dataSync())).toEqual(
    Array.from(Float32Array.from([2 ** 24 + 1, 2 ** 31 - 1, 123456789])),
  );
  big.dispose();
});

test('randomBits are the CPU backend’s, bit for bit', () => {
  const cpu = cpuBackend({ name: 'cpu-bits' });
  const n = 1000;
  const a = g.kernels.randomBits([n], [17, 42], 5);
  const b = cpu.kernels.randomBits([n], [17, 42], 5);
  expect(Array.from(g.readSync(a, 'int32', n))).toEqual(Array.from(cpu.readSync(b, 'int32', n)));
  g.free(a);
  cpu.dispose();
});

test('a lost context is a BackendError on every later call, never silent zeros', () => {
  const lost = gpujsBackend({ name: 'gpujs-lost' });
  const buf = lost.alloc('float32', 2);
  lost.write(buf, new Float32Array([1, 2]));
  lost.loseContext();
  const v = { buf, dtype: 'float32' as const, shape: [2], strides: [1], offset: 0 };
  expect(() => lost.kernels.exp(v)).toThrow(/exp: the WebGL context was lost/);
  expect(() => lost.readSync(buf, 'float32', 2)).toThrow(BackendError);
  lost.dispose();
});

test('a kernel that fails to compile is a BackendError naming the kernel', () => {
  const rt = new Runtime('gpujs-bad', 'auto');
  expect(() =>
    rt.run('broken', 'function(a) { return a[this.thread.x] +; }', 4, [new Float32Array(4)]),
  ).toThrow(/kernel 'broken'/);
  rt.dispose();
});

test('stats count device data; dispose frees all of it', () => {
  // hostThreshold 0: these tiny tensors would otherwise stay on the host (dispatch.test.ts)
  const b = gpujsBackend({ name: 'gpujs-stats', hostThreshold: 0 });
  const x = b.alloc('float32', 3);
  b.write(x, new Float32Array([1, 2, 3]));
  const y = b.kernels.exp({ buf: x, dtype: 'float32', shape: [3], strides: [1], offset: 0 });
  expect(b.stats()).toMatchObject({ buffers: 2, textures: 2 });
  b.free(x);
  b.free(y);
  expect(b.stats()).toMatchObject({ buffers: 0, bytes: 0, textures: 0 });
  const z = b.kernels.fill([4], 'float32', 1);
  expect(b.stats().textures).toBe(1);
  b.dispose();
  expect(b.stats().textures).toBe(0);
  expect(() => b.readSync(z, 'float32', 4)).toThrow(/disposed/);
});
