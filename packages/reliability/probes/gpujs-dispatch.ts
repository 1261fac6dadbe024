/**
 * The gpujs backend's host execution of small tensors (issue 9, speed): the `hostThreshold`
 * option refused when malformed, small calls kept off the device yet exact (int32 wrapping,
 * special values, fused overrides), host results reaching device kernels through a lazy upload
 * that a later write cannot leave stale, the kernel boundary still refusing freed buffers, and
 * the device path (`hostThreshold: 0`) still keeping results across later calls. 'gpujs' only.
 */
import assert from 'node:assert/strict';
import type { GBuf, GpujsBackend } from '@flint/backend-gpujs';
import type { Probe, ProbeContext } from '../src/probe.js';

const gpujs = async () => (await import('@flint/backend-gpujs')).gpujsBackend;

const backendOf = (ctx: ProbeContext): GpujsBackend =>
  ctx.fl.tensor([0]).storage.backend as unknown as GpujsBackend;

const probe = (p: Omit<Probe, 'devices'>): Probe => ({ ...p, devices: ['gpujs'] as const });

const view = (buf: GBuf, n: number) => ({
  buf,
  dtype: 'float32' as const,
  shape: [n],
  strides: [1],
  offset: 0,
});

export const probes: Probe[] = [
  probe({
    id: 'options/hostThreshold-negative',
    expect: { throws: 'BackendError', match: /hostThreshold must be a non-negative integer.*-1$/ },
    run: async () => (await gpujs())({ hostThreshold: -1 }),
  }),
  probe({
    id: 'options/hostThreshold-a-huge-string',
    // the message quotes at most 40 characters of it
    expect: { throws: 'BackendError', match: /hostThreshold .*got '9{40}'$/ },
    run: async () => (await gpujs())({ hostThreshold: '9'.repeat(10_000) as never }),
  }),
  probe({
    id: 'options/hostThreshold-fractional',
    expect: { throws: 'BackendError', match: /got 0\.5$/ },
    run: async () => (await gpujs())({ hostThreshold: 0.5 }),
  }),
  probe({
    id: 'host/tiny-adds-touch-no-texture',
    expect: 'ok',
    run: (ctx) => {
      const { fl } = ctx;
      const b = backendOf(ctx);
      const t0 = b.stats().textures;
      const out = fl.tidy(() => {
        const x = fl.tensor([1, -2, 0.5, 4]);
        let y = x;
        for (let i = 0; i < 1000; i++) y = y.add(x);
        return y.toArray();
      });
      assert.deepEqual(out, [1001, -2002, 500.5, 4004]);
      assert.equal(b.stats().textures, t0);
    },
  }),
  probe({
    id: 'host/special-values-and-int32-wrap',
    expect: 'ok',
    run: ({ fl }) => {
      const e = fl.tensor([NaN, Infinity, -Infinity, -0]).exp().toArray() as number[];
      assert.ok(Number.isNaN(e[0]));
      assert.deepEqual(e.slice(1), [Infinity, 0, 1]);
      const i = fl.tensor([2 ** 31 - 1, 2 ** 24 + 1], { dtype: 'int32' });
      assert.deepEqual(i.add(fl.tensor([1, 1], { dtype: 'int32' })).toArray(), [
        -(2 ** 31),
        2 ** 24 + 2,
      ]);
    },
  }),
  probe({
    id: 'host/small-operand-of-a-large-device-op',
    expect: 'ok',
    run: ({ fl }) => {
      const bias = fl.tensor([1, 2, 3, 4]);
      const big = fl.ones([4096, 4]);
      const y = big.add(bias);
      assert.deepEqual(Array.from(y.narrow(0, 4095, 1).dataSync()), [2, 3, 4, 5]);
      // the bias keeps its host copy: a later small op still reads the right values
      assert.deepEqual(bias.mul(bias).toArray(), [1, 4, 9, 16]);
    },
  }),
  probe({
    id: 'host/write-after-upload-is-not-stale',
    expect: 'ok',
    run: (ctx) => {
      const b = backendOf(ctx);
      const x = b.alloc('float32', 4);
      b.write(x, new Float32Array([1, 2, 3, 4]));
      const big = b.alloc('float32', 8192);
      b.write(big, new Float32Array(8192).fill(1));
      const ex = { ...view(x, 4), shape: [2048, 4], strides: [0, 1] };
      const r1 = b.kernels.mul({ ...view(big, 8192), shape: [2048, 4], strides: [4, 1] }, ex);
      b.write(x, new Float32Array([7]), 1);
      const r2 = b.kernels.mul({ ...view(big, 8192), shape: [2048, 4], strides: [4, 1] }, ex);
      assert.deepEqual(Array.from(b.readSync(r1, 'float32', 4)), [1, 2, 3, 4]);
      assert.deepEqual(Array.from(b.readSync(r2, 'float32', 4)), [1, 7, 3, 4]);
      assert.deepEqual(
        Array.from(b.readSync(b.kernels.neg(view(x, 4)), 'float32', 4)),
        [-1, -7, -3, -4],
      );
    },
  }),
  probe({
    id: 'host/freed-buffer-refused',
    expect: { throws: 'BackendError', match: /exp: the buffer is not live on this backend/ },
    run: (ctx) => {
      const b = backendOf(ctx);
      const x = b.alloc('float32', 2);
      b.write(x, new Float32Array([1, 2]));
      b.free(x);
      return b.kernels.exp(view(x, 2));
    },
  }),
  probe({
    id: 'host/fused-crossEntropy-bad-target',
    expect: { throws: 'FlintError', match: /crossEntropy/ },
    run: ({ fl }) =>
      fl.nn.functional
        .crossEntropy(fl.tensor([[1, 2, 3]]), fl.tensor([7], { dtype: 'int32' }))
        .item(),
  }),
  probe({
    id: 'host/adam-step-on-small-parameters',
    expect: 'ok',
    run: ({ fl }) => {
      const w = fl.tensor([1, -1], { requiresGrad: true });
      const opt = new fl.optim.Adam([w], { lr: 0.1 });
      fl.tidy(() => {
        w.mul(w).sum().backward();
        opt.step();
      });
      // Adam's first step moves every weight by lr against the gradient's sign
      const got = w.toArray() as number[];
      assert.ok(Math.abs(got[0]! - 0.9) < 1e-6 && Math.abs(got[1]! + 0.9) < 1e-6, String(got));
    },
  }),
  probe({
    id: 'device/results-kept-across-later-calls',
    expect: 'ok',
    run: async ({ fl }) => {
      fl.register((await gpujs())({ name: 'gpujs-device-only', hostThreshold: 0 }));
      const a = fl.tensor([1, 2, 3], { device: 'gpujs-device-only' });
      const first = a.mul(2);
      const later = Array.from({ length: 5 }, (_, i) => a.mul(i + 3));
      assert.deepEqual(Array.from(first.dataSync()), [2, 4, 6]);
      assert.deepEqual(Array.from(later[4]!.dataSync()), [7, 14, 21]);
    },
  }),
];
