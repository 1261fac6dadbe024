/**
 * Host execution of small primitives (dispatch.ts): which calls stay on the host, that their
 * results match the device path and the CPU backend, that a host result reaches a device kernel
 * through a lazy upload, that host and device copies never disagree after a write, and that the
 * texture and buffer counts stay exact.
 */
import { cpuBackend } from '@flint/backend-cpu';
import * as fl from '@flint/core';
import { BackendError } from '@flint/core/backend';
import type { DType, KView } from '@flint/core/backend';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DEFAULT_HOST_THRESHOLD, gpujsBackend } from './index.js';
import type { GBuf, GpujsBackend } from './index.js';

const view = (buf: GBuf, shape: number[], dtype: DType = 'float32'): KView<GBuf> => {
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  return { buf, dtype, shape, strides, offset: 0 };
};

function put(b: GpujsBackend, values: number[], dtype: DType = 'float32'): GBuf {
  const buf = b.alloc(dtype, values.length);
  b.write(buf, Float32Array.from(values));
  return buf;
}

let host: GpujsBackend;
let dev: GpujsBackend;

beforeAll(() => {
  host = gpujsBackend({ name: 'gpujs-host' });
  dev = gpujsBackend({ name: 'gpujs-dev', hostThreshold: 0 });
});
afterAll(() => {
  host.dispose();
  dev.dispose();
});

test('small calls on host-resident inputs run on the host: no texture, no compile', () => {
  const compiles = host.stats().compiles;
  const textures = host.stats().textures;
  const a = put(host, [1, -2, 3, 0.5]);
  const c = put(host, [4, 5, -6, 2]);
  const s = host.kernels.add(view(a, [4]), view(c, [4]));
  const e = host.kernels.exp(view(s, [4]));
  const m = host.kernels.matmul(view(a, [1, 2, 2]), view(c, [1, 2, 2]));
  expect(host.stats().textures).toBe(textures);
  expect(host.stats().compiles).toBe(compiles);
  expect(Array.from(host.readSync(s, 'float32', 4))).toEqual([5, 3, -3, 2.5]);
  expect(host.readSync(e, 'float32', 4)[0]).toBeCloseTo(Math.exp(5), 2);
  expect(Array.from(host.readSync(m, 'float32', 4))).toEqual([
    1 * 4 - 2 * -6,
    1 * 5 - 2 * 2,
    3 * 4 + 0.5 * -6,
    3 * 5 + 0.5 * 2,
  ]);
  for (const x of [a, c, s, e, m]) host.free(x);
  expect(host.stats()).toMatchObject({ buffers: 0, bytes: 0, textures });
});

test('host and device paths agree with the CPU backend', () => {
  const cpu = cpuBackend({ name: 'cpu-dispatch' });
  const xs = [0.3, -1.7, 2.5, -0, 1e-3, 7, -3.25, 0.5];
  const cb = cpu.alloc('float32', xs.length);
  cpu.write(cb, Float32Array.from(xs));
  for (const p of ['exp', 'tanh', 'sigmoid', 'log1p', 'neg'] as const) {
    const want = cpu.readSync(cpu.kernels[p](view(cb as never, [8]) as never), 'float32', 8);
    for (const b of [host, dev]) {
      const x = put(b, xs);
      const y = b.kernels[p](view(x, [8]));
      const got = b.readSync(y, 'float32', 8);
      got.forEach((v, i) =>
        Number.isNaN(want[i]) ? expect(v).toBeNaN() : expect(v).toBeCloseTo(want[i]!, 5),
      );
      b.free(x);
      b.free(y);
    }
  }
  cpu.dispose();
});

test('a host result is uploaded when a device kernel needs it, once, and freed with it', () => {
  const t0 = host.stats().textures;
  const n = DEFAULT_HOST_THRESHOLD * 4;
  const big = put(
    host,
    Array.from({ length: n }, (_, i) => i % 5),
  );
  const bias = put(host, [10, 20, 30, 40]);
  // the row is on the host; the big operand is not small: the add runs on the device
  const y = host.kernels.add(view(big, [n / 4, 4]), {
    ...view(bias, [n / 4, 4]),
    strides: [0, 1],
  });
  expect(host.stats().textures).toBe(t0 + 3);
  const out = host.readSync(y, 'float32', 8);
  expect(Array.from(out)).toEqual([10, 21, 32, 43, 14, 20, 31, 42]);
  // the small operand keeps its host copy: a small call on it stays on the host
  const z = host.kernels.mul(view(bias, [4]), view(bias, [4]));
  expect(host.stats().textures).toBe(t0 + 3);
  expect(Array.from(host.readSync(z, 'float32', 4))).toEqual([100, 400, 900, 1600]);
  for (const b of [big, bias, y, z]) host.free(b);
  expect(host.stats().textures).toBe(t0);
});

test('a partial write after an upload updates both copies (no stale device values)', () => {
  const x = put(host, [1, 2, 3, 4]);
  const n = DEFAULT_HOST_THRESHOLD * 2;
  const big = put(host, new Array<number>(n).fill(1));
  const ex = { ...view(x, [n / 4, 4]), strides: [0, 1] };
  const r1 = host.kernels.mul(view(big, [n / 4, 4]), ex);
  host.write(x, new Float32Array([9]), 2);
  const r2 = host.kernels.mul(view(big, [n / 4, 4]), ex);
  const small = host.kernels.neg(view(x, [4]));
  expect(Array.from(host.readSync(r1, 'float32', 4))).toEqual([1, 2, 3, 4]);
  expect(Array.from(host.readSync(r2, 'float32', 4))).toEqual([1, 2, 9, 4]);
  expect(Array.from(host.readSync(small, 'float32', 4))).toEqual([-1, -2, -9, -4]);
  for (const b of [x, big, r1, r2, small]) host.free(b);
});

test('a small device result read back once keeps its host copy for later small calls', () => {
  const n = DEFAULT_HOST_THRESHOLD * 2;
  const big = put(
    host,
    Array.from({ length: n }, (_, i) => i),
  );
  const s = host.kernels.sum(view(big, [2, n / 2]), [1]);
  const half = ((n / 2) * (n / 2 - 1)) / 2;
  expect(Array.from(host.readSync(s, 'float32', 2))).toEqual([half, half + (n / 2) ** 2]);
  const t = host.stats().textures;
  const d = host.kernels.sub(view(s, [2]), view(s, [2]));
  expect(host.stats().textures).toBe(t);
  expect(Array.from(host.readSync(d, 'float32', 2))).toEqual([0, 0]);
  for (const b of [big, s, d]) host.free(b);
});

test('sort, fill, bool and int32 results on the host keep their dtypes', () => {
  const x = put(host, [3, 1, 2]);
  const [v, i] = host.kernels.sort(view(x, [3]), false);
  expect(Array.from(host.readSync(v!, 'float32', 3))).toEqual([1, 2, 3]);
  expect(Array.from(host.readSync(i!, 'int32', 3))).toEqual([1, 2, 0]);
  const f = host.kernels.fill([2], 'bool', 5);
  expect(Array.from(host.readSync(f, 'bool', 2))).toEqual([1, 1]);
  const c = host.kernels.gt(view(x, [3]), view(x, [3]));
  expect(Array.from(host.readSync(c, 'bool', 3))).toEqual([0, 0, 0]);
  for (const b of [x, v!, i!, f, c]) host.free(b);
});

test('1000 tiny adds through the public API stay on the host and leak nothing', () => {
  const g = gpujsBackend({ name: 'gpujs-adds' });
  const device = fl.register(g);
  try {
    const t0 = g.stats().textures;
    const out = fl.tidy(() => {
      const x = fl.tensor([1, 2, 3, 4], { device });
      let y = x;
      for (let k = 0; k < 1000; k++) y = y.add(x);
      return y.toArray();
    });
    expect(out).toEqual([1001, 2002, 3003, 4004]);
    expect(g.stats()).toMatchObject({ buffers: 0, textures: t0 });
  } finally {
    fl.removeBackend('gpujs-adds');
  }
});

test('hostThreshold must be a non-negative integer', () => {
  for (const bad of [-1, 1.5, NaN, '8', null])
    expect(() => gpujsBackend({ name: 'gpujs-bad', hostThreshold: bad as never })).toThrow(
      BackendError,
    );
  expect(() => gpujsBackend({ hostThreshold: -1 })).toThrow(
    /hostThreshold must be a non-negative integer \(elements\), got -1/,
  );
});

test('sharedKernelMax: element-wise ops share one kernel up to it, and each has its own above', () => {
  // add, mul and maximum on 8 elements (device: hostThreshold 0): one shared kernel, then none
  // more; with sharedKernelMax 0 each op compiles its own, with the same values
  const run = (b: GpujsBackend) => {
    const x = view(put(b, [1, -2, 3, -4, 5, -6, 7, -8]), [8]);
    const y = view(put(b, [2, 2, 2, 2, -1, -1, -1, -1]), [8]);
    const before = b.stats().compiles;
    const outs = (['add', 'mul', 'maximum'] as const).map((op) => b.kernels[op](x, y));
    const values = outs.map((o) => Array.from(b.readSync(o, 'float32', 8)));
    for (const o of [...outs, x.buf, y.buf]) b.free(o);
    return { compiled: b.stats().compiles - before, values };
  };
  const own = gpujsBackend({ name: 'gpujs-own', hostThreshold: 0, sharedKernelMax: 0 });
  try {
    const sharedRun = run(dev);
    const ownRun = run(own);
    expect(sharedRun.compiled).toBeLessThanOrEqual(1);
    expect(ownRun.compiled).toBe(3);
    expect(ownRun.values).toEqual(sharedRun.values);
    expect(sharedRun.values[0]).toEqual([3, 0, 5, -2, 4, -7, 6, -9]);
  } finally {
    own.dispose();
  }
  expect(() => gpujsBackend({ sharedKernelMax: -1 })).toThrow(
    /sharedKernelMax must be a non-negative integer \(elements\), got -1/,
  );
});

test('small training steps (crossEntropy, Adam, SGD with momentum) run on the host as on the CPU', () => {
  const g = gpujsBackend({ name: 'gpujs-train' });
  const device = fl.register(g);
  const c = fl.register(cpuBackend({ name: 'cpu-train' }));
  const losses = (dev: string, sgd: boolean): number[] => {
    fl.manualSeed(3);
    const prev = fl.getDefaultDevice();
    fl.setDefaultDevice(dev);
    try {
      const net = new fl.nn.Sequential(
        new fl.nn.Linear(4, 8),
        new fl.nn.ReLU(),
        new fl.nn.Linear(8, 3),
      );
      const opt = sgd
        ? new fl.optim.SGD(net.parameters(), { lr: 0.05, momentum: 0.9 })
        : new fl.optim.Adam(net.parameters(), { lr: 0.05 });
      const x = fl.randn([5, 4]);
      const y = fl.tensor([0, 2, 1, 1, 0], { dtype: 'int32' });
      const out = [0, 1, 2].map(() =>
        fl.tidy(() => {
          opt.zeroGrad();
          const loss = fl.nn.functional.crossEntropy(net.forward(x) as fl.Tensor, y);
          loss.backward();
          opt.step();
          return loss.item();
        }),
      );
      const p = fl.tidy(() => net.forward(x).softmax(1).sum().item());
      out.push(p);
      opt.dispose();
      for (const t of [...net.parameters(), x, y]) t.dispose();
      return out;
    } finally {
      fl.setDefaultDevice(prev);
    }
  };
  try {
    const t0 = g.stats().textures;
    for (const sgd of [false, true]) {
      const want = losses(c, sgd);
      const got = losses(device, sgd);
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    }
    expect(g.stats()).toMatchObject({ buffers: 0, textures: t0 });
  } finally {
    fl.removeBackend('gpujs-train');
    fl.removeBackend('cpu-train');
  }
});
