/**
 * gather of float data runs on the device: equal to the CPU backend on every axis, with strided
 * and broadcast indices, and without reading x back to the host (the cost that made DataLoader
 * batches scale with the whole dataset).
 */
import { cpuBackend } from '@flint/backend-cpu';
import * as fl from '@flint/core';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { gpujsBackend } from '../index.js';
import { Runtime } from '../runtime.js';

beforeAll(() => {
  // hostThreshold 0: the device gather is under test, not the host's
  fl.use(gpujsBackend({ name: 'gpujs-gather', hostThreshold: 0 }));
  fl.use(cpuBackend({ name: 'cpu-gather' }));
});
afterAll(() => {
  fl.removeBackend('gpujs-gather');
  fl.removeBackend('cpu-gather');
});

const on = (d: string) => ({ device: d });

test.each([0, 1, 2])('gather along axis %i equals the CPU backend', (axis) => {
  fl.manualSeed(3);
  const x = fl.randn([4, 5, 6], on('cpu-gather'));
  const shape = [3, 4, 2].map((n, i) => (i === axis ? 7 : n));
  const index = fl.randint(0, x.shape[axis]!, shape, { dtype: 'int32', device: 'cpu-gather' });
  const want = fl.gather(x, axis, index).toArray();
  const got = fl.gather(x.to('gpujs-gather'), axis, index.to('gpujs-gather')).toArray();
  expect(got).toEqual(want);
  fl.dispose([x, index]);
});

test('indexSelect of a transposed x and a bool x', () => {
  const x = fl.arange(0, 24, 1, on('gpujs-gather')).reshape([4, 6]).transpose(0, 1);
  const i = fl.tensor([5, 0, 5, 2], { dtype: 'int32', device: 'gpujs-gather' });
  expect(x.indexSelect(0, i).toArray()).toEqual(
    [5, 0, 5, 2].map((r) => [0, 1, 2, 3].map((c) => c * 6 + r)),
  );
  const b = fl.tensor([true, false, true], on('gpujs-gather'));
  expect(b.indexSelect(0, i.narrow(0, 1, 3).clamp(0, 2)).toArray()).toEqual([true, true, true]);
});

test('does not read x back to the host', () => {
  const x = fl.randn([2000, 32], on('gpujs-gather'));
  const i = fl.tensor([1999, 0, 7], { dtype: 'int32', device: 'gpujs-gather' });
  const download = vi.spyOn(Runtime.prototype, 'download');
  const rows = fl.tidy(() => fl.keep(x.indexSelect(0, i)));
  const readsBefore = download.mock.calls.length;
  download.mockRestore();
  expect(readsBefore).toBe(0);
  expect(rows.toArray()[0]).toEqual(x.narrow(0, 1999, 1).toArray()[0]);
  fl.dispose([x, i, rows]);
});
