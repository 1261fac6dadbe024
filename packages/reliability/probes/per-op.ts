/**
 * The per-op fast paths from JavaScript (issue 14, small-op overhead): core's direct kernel call
 * for one- and two-input ops, the native addon's integer handle lookup, its reused per-call
 * state and its allocation-free buffer pool, and the profiling hook that routes addon calls
 * through named frames. Each keeps the behaviour of the general path: the same typed errors
 * (rank limit, disposed tensor, mixed devices, a made-up buffer handle), the same values and
 * gradients, no buffer left behind by a tidy scope, a disposed backend's buffers all freed.
 */
import assert from 'node:assert/strict';
import type { Backend } from '@flint/core/backend';
import type { Probe, ProbeContext } from '../src/probe.js';

type Fl = ProbeContext['fl'];
const NATIVE = ['native'] as const;

/** A 65-dim view of a one-element tensor: views are metadata, kernels stop at 64 dims. */
const rank65 = (fl: Fl) => fl.tensor([1]).reshape(new Array<number>(65).fill(1));

interface TraceModule {
  traceNativeCalls(on: unknown): void;
  nativeBackend(o?: { name?: string }): Backend;
}
const native = async (): Promise<TraceModule> =>
  (await import('@flint/backend-native')) as unknown as TraceModule;

/** Live buffers of the probe's device as its backend counts them. */
const buffers = (fl: Fl, device: string) => fl.getBackend(device).stats().buffers;

export const probes: Probe[] = [
  {
    id: 'direct/binary-rank-65',
    expect: { throws: 'ShapeError', match: /add: a tensor of rank 65 exceeds .*limit of 64 dims/ },
    run: ({ fl }) => {
      const x = rank65(fl);
      return x.add(x);
    },
  },
  {
    id: 'direct/unary-rank-65',
    expect: { throws: 'ShapeError', match: /exp: a tensor of rank 65 exceeds .*limit of 64 dims/ },
    run: ({ fl }) => rank65(fl).exp(),
  },
  {
    id: 'direct/disposed-operand',
    expect: { throws: 'DisposedTensorError', match: /add: a float32 tensor of shape \[4\]/ },
    run: ({ fl }) => {
      const a = fl.tensor([1, 2, 3, 4]);
      const b = fl.tensor([1, 2, 3, 4]);
      b.dispose();
      return a.add(b);
    },
  },
  {
    id: 'direct/mixed-devices',
    expect: { throws: 'DeviceError', match: /add: expected all tensors on one device/ },
    run: async (ctx) => {
      const { fl, device } = ctx;
      // A second instance of the probe's backend under another name is another device.
      const other =
        device === 'native'
          ? (await native()).nativeBackend({ name: 'per-op-other' })
          : (await import('@flint/backend-cpu')).cpuBackend({ name: 'per-op-other' });
      fl.register(other as Backend<unknown>);
      const a = fl.tensor([1, 2]);
      const b = fl.tensor([3, 4], { device: 'per-op-other' });
      return a.add(b);
    },
  },
  {
    id: 'direct/values-dtypes-strides',
    expect: 'ok',
    run: ({ fl }) => {
      const a = fl.tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      // A transposed (strided) operand and a same-shape one through the direct path.
      const t = a.transpose(0, 1);
      assert.deepEqual(t.add(t).toArray(), [
        [2, 8],
        [4, 10],
        [6, 12],
      ]);
      assert.deepEqual(a.mul(a).toArray(), [
        [1, 4, 9],
        [16, 25, 36],
      ]);
      const i = fl.tensor([7, -3], { dtype: 'int32' });
      assert.deepEqual(i.sub(i.neg()).toArray(), [14, -6]);
      assert.equal(i.add(i).dtype, 'int32');
      assert.equal(fl.tensor([0, 1]).exp().dataSync()[0], 1);
    },
  },
  {
    id: 'direct/gradients',
    expect: 'ok',
    run: ({ fl }) => {
      const a = fl.tensor([1, 2, 3], { requiresGrad: true });
      const b = fl.tensor([4, 5, 6], { requiresGrad: true });
      a.add(b).mul(a).sum().backward();
      // d/da (a+b)·a = 2a + b, d/db = a
      assert.deepEqual(a.grad!.toArray(), [6, 9, 12]);
      assert.deepEqual(b.grad!.toArray(), [1, 2, 3]);
    },
  },
  {
    id: 'direct/tidy-frees-1000-ops',
    expect: 'ok',
    run: ({ fl, device }) => {
      const x = fl.keep(fl.tensor([1, 2, 3, 4]));
      const before = buffers(fl, device);
      const tensors = fl.memory().tensors;
      const y = fl.tidy(() => {
        let y = x;
        for (let i = 0; i < 1000; i++) y = y.add(x);
        return y;
      });
      assert.deepEqual(y.toArray(), [1001, 2002, 3003, 4004]);
      assert.equal(buffers(fl, device), before + 1);
      assert.equal(fl.memory().tensors, tensors + 1);
      y.dispose();
      x.dispose();
    },
  },
  ...(
    [
      ['fractional', 4194304.5],
      ['negative', -4194305],
      ['nan', NaN],
      ['infinite', Infinity],
      ['2^52', 2 ** 52],
      ['2^53+2', 2 ** 53 + 2],
      ['slot-out-of-table', 4194304 + 4194303],
    ] as const
  ).map(([name, h]): Probe => ({
    id: `handle/made-up-${name}`,
    devices: NATIVE,
    expect: { throws: 'BackendError', match: /native\.free: buffer was freed|never allocated/ },
    run: ({ fl, device }) => fl.getBackend(device).free(h),
  })),
  {
    id: 'handle/freed-twice',
    devices: NATIVE,
    expect: { throws: 'BackendError', match: /native\.free: buffer was freed/ },
    run: ({ fl, device }) => {
      const b = fl.getBackend(device);
      const h = b.alloc('float32', 4);
      b.free(h);
      b.free(h);
    },
  },
  {
    id: 'handle/not-a-number',
    devices: NATIVE,
    expect: { throws: 'BackendError', match: /native\.read: expected a native buffer handle/ },
    run: ({ fl, device }) => fl.getBackend(device).readSync({} as never, 'float32', 4),
  },
  {
    id: 'pool/sizes-reuse-and-dispose',
    devices: NATIVE,
    expect: 'ok',
    run: async () => {
      // Its own instance: disposing it must free every live buffer and the pool.
      const b = (await native()).nativeBackend({ name: 'per-op-pool' });
      const live: unknown[] = [];
      for (let round = 0; round < 3; round++)
        for (const n of [0, 1, 4, 16, 17, 1000, 4]) {
          const h = b.alloc('float32', n);
          b.write(h, new Float32Array(n).fill(round + n));
          live.push(h);
        }
      // Free every other one (swap-removal from the live list), then check the rest still read.
      for (let i = 0; i < live.length; i += 2) b.free(live[i]);
      for (let i = 1; i < live.length; i += 2) {
        const n = [0, 1, 4, 16, 17, 1000, 4][i % 7]!;
        const round = Math.floor(i / 7);
        assert.deepEqual(
          Array.from(b.readSync(live[i], 'float32', n)),
          new Array(n).fill(round + n),
        );
      }
      assert.equal(b.stats().buffers, Math.floor(live.length / 2));
      b.dispose();
      assert.throws(() => b.readSync(live[1], 'float32', 1), /freed|disposed/);
    },
  },
  {
    id: 'trace/bad-argument',
    devices: NATIVE,
    expect: {
      throws: 'BackendError',
      match: /traceNativeCalls: expected true or false, got string/,
    },
    run: async () => (await native()).traceNativeCalls('yes'),
  },
  {
    id: 'trace/on-off-same-results',
    devices: NATIVE,
    expect: 'ok',
    run: async ({ fl }) => {
      const m = await native();
      const x = fl.tensor([1, 2, 3, 4]);
      const want = x.mul(x).add(x).toArray();
      m.traceNativeCalls(true);
      m.traceNativeCalls(true); // twice: still one level of stand-ins
      try {
        assert.deepEqual(x.mul(x).add(x).toArray(), want);
        // Errors keep their messages through the stand-ins.
        assert.throws(() => fl.getBackend('native').free(1.5), /native\.free: buffer was freed/);
      } finally {
        m.traceNativeCalls(false);
      }
      m.traceNativeCalls(false);
      assert.deepEqual(x.mul(x).add(x).toArray(), want);
    },
  },
];
