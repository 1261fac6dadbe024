/**
 * The gpujs backend from JavaScript: its limits (2^24 elements per tensor, float64 absent),
 * int32 beyond 2^24 kept exact, results kept across later calls of the same kernel (gpu.js
 * #590), a lost WebGL context and bad constructor options as typed errors, and the kernel
 * boundary refusing dead or out-of-range buffers. Run on the 'gpujs' device only.
 */
import assert from 'node:assert/strict';
import type { GpujsBackend } from '@flint/backend-gpujs';
import type { Probe, ProbeContext } from '../src/probe.js';

const GPUJS = ['gpujs'] as const;
const LIMIT = 2 ** 24;

const backendOf = (ctx: ProbeContext): GpujsBackend =>
  ctx.fl.tensor([0]).storage.backend as unknown as GpujsBackend;

const gpujs = async () => (await import('@flint/backend-gpujs')).gpujsBackend;

const probe = (p: Omit<Probe, 'devices'>): Probe => ({ ...p, devices: GPUJS });

export const probes: Probe[] = [
  probe({
    id: 'limit/2^24-elements-work',
    expect: 'ok',
    timeoutMs: 30_000,
    run: ({ fl }) =>
      assert.equal(
        fl.tidy(() => fl.ones([LIMIT]).sum().item()),
        LIMIT,
      ),
  }),
  probe({
    id: 'limit/2^24+1-elements',
    expect: { throws: 'BackendError', match: /limit of 2\^24 = 16777216 elements/ },
    run: ({ fl }) => fl.zeros([LIMIT + 1]),
  }),
  probe({
    id: 'limit/expanded-view-over-2^24',
    expect: { throws: 'BackendError', match: /exceed the gpujs limit of 2\^24/ },
    run: ({ fl }) =>
      fl
        .tensor([1])
        .expand([LIMIT + 1])
        .add(1)
        .dataSync(),
  }),
  probe({
    id: 'dtype/float64-refused',
    expect: { throws: 'FlintError', match: /float64/ },
    run: ({ fl }) => fl.tensor([1, 2], { dtype: 'float64' }),
  }),
  probe({
    id: 'int32/beyond-2^24-exact-and-wrapping',
    expect: 'ok',
    run: ({ fl }) => {
      const x = fl.tensor([LIMIT + 1, 2 ** 31 - 1, -123456789], { dtype: 'int32' });
      const one = fl.tensor([1, 1, -1], { dtype: 'int32' });
      assert.deepEqual(Array.from(x.add(one).dataSync()), [LIMIT + 2, -(2 ** 31), -123456790]);
      assert.deepEqual(Array.from(x.mul(x).dataSync()), [
        Math.imul(LIMIT + 1, LIMIT + 1),
        1,
        Math.imul(123456789, 123456789),
      ]);
      assert.equal(x.argmax().item(), 1);
    },
  }),
  probe({
    id: 'results/kept-across-later-calls',
    expect: 'ok',
    run: ({ fl }) => {
      const a = fl.tensor([1, 2, 3]);
      const first = a.mul(2);
      const later = Array.from({ length: 5 }, (_, i) => a.mul(i + 3));
      assert.deepEqual(Array.from(first.dataSync()), [2, 4, 6]);
      assert.deepEqual(Array.from(later[4]!.dataSync()), [7, 14, 21]);
    },
  }),
  probe({
    id: 'context/lost-is-a-typed-error',
    expect: { throws: 'BackendError', match: /exp: the WebGL context was lost/ },
    run: async ({ fl }) => {
      const lost = (await gpujs())({ name: 'gpujs-lost' });
      fl.register(lost);
      const x = fl.tensor([1, 2], { device: 'gpujs-lost' });
      lost.loseContext();
      return x.exp();
    },
  }),
  probe({
    id: 'options/unknown-mode',
    expect: { throws: 'BackendError', match: /mode must be one of .*got 'x{40}'$/ },
    run: async () => (await gpujs())({ mode: 'x'.repeat(10_000) as never }),
  }),
  probe({
    id: 'options/mode-an-object',
    expect: { throws: 'BackendError', match: /got object$/ },
    run: async () => (await gpujs())({ mode: {} as never }),
  }),
  probe({
    id: 'webgpu/node-has-no-navigator-gpu',
    expect: {
      throws: 'BackendError',
      match: /mode 'webgpu' needs WebGPU \(navigator\.gpu\), which Node does not provide/,
    },
    run: async () => (await gpujs())({ mode: 'webgpu' }),
  }),
  probe({
    // navigator.gpu present but no adapter (as headless Chromium without the flag): the op
    // returns at once, and the read rejects with a typed error — no hang, no unhandled rejection
    id: 'webgpu/no-adapter-at-read',
    expect: { throws: 'BackendError', match: /no adapter|no device could be acquired/ },
    run: async ({ fl }) => {
      const g = globalThis as { navigator?: unknown };
      const saved = Object.getOwnPropertyDescriptor(g, 'navigator');
      Object.defineProperty(g, 'navigator', {
        value: { gpu: { requestAdapter: async () => null } },
        configurable: true,
      });
      try {
        fl.register((await gpujs())({ name: 'wg-none', mode: 'webgpu' }));
        const y = fl.tensor([1, 2], { device: 'wg-none' }).exp();
        await y.data();
      } finally {
        if (saved) Object.defineProperty(g, 'navigator', saved);
        else delete g.navigator;
      }
    },
  }),
  probe({
    id: 'webgpu/no-adapter-readSync',
    expect: { throws: 'BackendError', match: /no synchronous read-back.*await t\.data\(\)/ },
    run: async ({ fl }) => {
      const g = globalThis as { navigator?: unknown };
      const saved = Object.getOwnPropertyDescriptor(g, 'navigator');
      Object.defineProperty(g, 'navigator', {
        value: { gpu: { requestAdapter: async () => null } },
        configurable: true,
      });
      try {
        fl.register((await gpujs())({ name: 'wg-sync', mode: 'webgpu' }));
        return fl.tensor([1, 2], { device: 'wg-sync' }).dataSync();
      } finally {
        if (saved) Object.defineProperty(g, 'navigator', saved);
        else delete g.navigator;
      }
    },
  }),
  probe({
    id: 'options/name-not-a-string',
    expect: { throws: 'BackendError', match: /name must be a non-empty string/ },
    run: async () => (await gpujs())({ name: 42 as never }),
  }),
  probe({
    id: 'kernel/freed-buffer',
    expect: { throws: 'BackendError', match: /exp: the buffer is not live/ },
    run: (ctx) => {
      const b = backendOf(ctx);
      const buf = b.alloc('float32', 2);
      b.free(buf);
      return b.kernels.exp({ buf, dtype: 'float32', shape: [2], strides: [1], offset: 0 });
    },
  }),
  probe({
    id: 'kernel/not-a-buffer',
    expect: { throws: 'BackendError', match: /neg: the buffer is not live/ },
    run: (ctx) =>
      backendOf(ctx).kernels.neg({
        buf: { id: 1, size: 4 } as never,
        dtype: 'float32',
        shape: [4],
        strides: [1],
        offset: 0,
      }),
  }),
  probe({
    id: 'write/ranged-past-the-end',
    expect: { throws: 'BackendError', match: /overruns a buffer of 4/ },
    run: (ctx) => {
      const b = backendOf(ctx);
      const buf = b.alloc('float32', 4);
      try {
        b.write(buf, new Float32Array(3), 2);
      } finally {
        b.free(buf);
      }
    },
  }),
  probe({
    id: 'write/ranged-within',
    expect: 'ok',
    run: (ctx) => {
      const b = backendOf(ctx);
      const buf = b.alloc('float32', 4);
      b.write(buf, new Float32Array([1, 2, 3, 4]));
      b.write(buf, new Float32Array([9, 8]), 1);
      assert.deepEqual(Array.from(b.readSync(buf, 'float32', 4)), [1, 9, 8, 4]);
      b.free(buf);
    },
  }),
  probe({
    id: 'stridedWrite/view-outside-base',
    expect: { throws: 'BackendError', match: /reaches outside a base of 4 elements/ },
    run: (ctx) => {
      const b = backendOf(ctx);
      const base = b.kernels.fill([4], 'float32', 0);
      const vals = b.kernels.fill([2], 'float32', 1);
      const v = (buf: unknown, n: number) => ({
        buf: buf as never,
        dtype: 'float32' as const,
        shape: [n],
        strides: [1],
        offset: 0,
      });
      try {
        return b.kernels.stridedWrite(v(base, 4), v(vals, 2), [3], 2);
      } finally {
        b.free(base);
        b.free(vals);
      }
    },
  }),
  probe({
    id: 'crossEntropy/target-out-of-range',
    expect: { throws: 'FlintError', match: /target|class/i },
    run: ({ fl }) =>
      fl.nn.F.crossEntropy(fl.zeros([2, 3]), fl.tensor([0, 7], { dtype: 'int32' })).item(),
  }),
];
