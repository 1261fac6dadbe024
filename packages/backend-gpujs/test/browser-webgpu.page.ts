/**
 * The page side of browser-webgpu.test.ts, bundled for Chromium: the WebGPU mode's own promises,
 * which the shared suite does not reach. Each check returns plain data (values, error names and
 * messages) that the test asserts on; the page also records unhandled rejections.
 */
import { cpuBackend } from '@flint/backend-cpu';
import * as fl from '@flint/core';
import * as gpujs from 'gpu.js';
import { gpujsBackend } from '../src/index.js';
import { Runtime } from '../src/runtime.js';
import { Store } from '../src/storage.js';

/** An error as the test sees it. */
export interface Caught {
  name: string;
  message: string;
}

export interface WebGPURun {
  caps: { syncRead: boolean; features: string[]; dtypes: string[]; mode: string };
  /** Jobs queued right after a chain of ops was issued (nothing awaited yet). */
  queuedBeforeRead: number;
  chain: { got: number[]; want: number[] };
  readSync: Caught | null;
  dataSync: Caught | null;
  dispose: {
    /** stats() right after dispose of a result whose work is still queued. */
    atDispose: { buffers: number; textures: number; pendingFrees: number };
    afterSync: { buffers: number; textures: number; pendingFrees: number; pendingJobs: number };
    baseline: { buffers: number; textures: number };
  };
  host: {
    randn: { got: number[]; want: number[] };
    argmax: { got: number[]; want: number[] };
    /** float32 device values cast to int32 on the host. */
    cast: { got: number[]; want: number[] };
    /** argmax (int32, computed by a queued host job) → float32 upload → add, in order. */
    chained: { got: number[]; want: number[] };
    int32: { got: number[]; want: number[] };
    /** A partial write into a buffer whose values a queued kernel still computes. */
    partialWrite: { got: number[]; want: number[] };
  };
  failed: { direct: Caught | null; dependent: Caught | null; next: Caught | null };
  lost: { op: Caught | null; read: Caught | null };
  unhandled: string[];
}

const unhandled: string[] = [];
// the page's window (the test config has no DOM typings)
const win = globalThis as unknown as {
  addEventListener(type: string, f: (e: { reason: unknown }) => void): void;
};
win.addEventListener('unhandledrejection', (e) => {
  unhandled.push(String(e.reason).slice(0, 300));
});

async function caught(f: () => unknown): Promise<Caught | null> {
  try {
    await f();
    return null;
  } catch (e) {
    const err = e as Error;
    return { name: err.name, message: String(err.message).slice(0, 400) };
  }
}

const list = (a: ArrayLike<number>) => Array.from(a, Number);

async function chain(): Promise<Pick<WebGPURun, 'queuedBeforeRead' | 'chain'>> {
  const g = fl.getBackend('wg') as ReturnType<typeof gpujsBackend>;
  const xs = [0.5, -1, 2, 3.25];
  const x = fl.tensor(xs, { device: 'wg' });
  const y = fl.tidy(() => {
    let t = x;
    for (let i = 0; i < 20; i++) t = t.mul(0.5).add(x);
    return t;
  });
  const queued = g.stats().pendingJobs;
  const got = list(await y.data());
  // everything made here is disposed, so the GC backstop frees nothing during later checks
  x.dispose();
  y.dispose();
  let want = xs.map((v) => Math.fround(v));
  for (let i = 0; i < 20; i++)
    want = want.map((v, j) => Math.fround(Math.fround(v * 0.5) + xs[j]!));
  return { queuedBeforeRead: queued, chain: { got, want } };
}

async function disposal(): Promise<WebGPURun['dispose']> {
  const g = fl.getBackend('wg') as ReturnType<typeof gpujsBackend>;
  await g.sync();
  const b0 = g.stats();
  const x = fl.rand([64, 64], { device: 'wg' });
  const m = x.matmul(x);
  const y = m.exp();
  for (const t of [x, m, y]) t.dispose(); // their work is still queued: freed when done
  const s1 = g.stats();
  await g.sync();
  const s2 = g.stats();
  return {
    atDispose: { buffers: s1.buffers, textures: s1.textures, pendingFrees: s1.pendingFrees },
    afterSync: {
      buffers: s2.buffers,
      textures: s2.textures,
      pendingFrees: s2.pendingFrees,
      pendingJobs: s2.pendingJobs,
    },
    baseline: { buffers: b0.buffers, textures: b0.textures },
  };
}

async function both<T extends fl.Tensor>(
  make: (device: string) => T,
): Promise<{
  got: number[];
  want: number[];
}> {
  const got = fl.tidy(() => make('wg'));
  const want = fl.tidy(() => make('ref'));
  const r = { got: list(await got.data()), want: list(want.dataSync()) };
  got.dispose();
  want.dispose();
  return r;
}

async function hostPrims(): Promise<WebGPURun['host']> {
  const seeded = (d: string) => {
    fl.manualSeed(7);
    return fl.randn([2, 5], { device: d });
  };
  const vals = [
    [0.1, 3, -2],
    [5, 5, 1],
    [-1, -7, -0.5],
  ];
  const dev = (d: string) => fl.tensor(vals, { device: d }).mul(2); // device-resident
  // (gather/scatter are not used here: core still reads their indices synchronously to check them)
  return {
    randn: await both(seeded),
    argmax: await both((d) => dev(d).argmax(1)),
    cast: await both((d) => dev(d).mul(-1.5).to('int32')),
    chained: await both((d) => dev(d).argmax(1).to('float32').add(0.5)),
    int32: await both((d) =>
      fl
        .tensor([2147483647, -5, 1 << 30], { dtype: 'int32', device: d })
        .add(fl.tensor([0, 3, 7], { dtype: 'int32', device: d })),
    ),
    partialWrite: await partialWrite(),
  };
}

/** backend.write at an offset (chunked loading) into values a queued kernel still computes. */
async function partialWrite(): Promise<{ got: number[]; want: number[] }> {
  const rt = new Runtime('wg-write', 'webgpu');
  const s = new Store(rt);
  const x = s.fromDev('float32', 4, rt.upload(Float32Array.from([1, 2, 3, 4])));
  const y = s.fromDev(
    'float32',
    4,
    rt.run('times10', 'function(a) { return a[this.thread.x] * 10; }', 4, [s.dev(x)]),
  );
  s.write(y, Float32Array.from([99]), 2);
  const got = list(await s.readAsync(y, 'float32', 4));
  s.dispose();
  return { got, want: [10, 20, 99, 40] };
}

/** A kernel whose WGSL cannot compile, run through the runtime directly (no op produces one). */
async function failure(): Promise<WebGPURun['failed']> {
  const rt = new Runtime('wg-fail', 'webgpu');
  const s = new Store(rt);
  const input = s.fromDev('float32', 4, rt.upload(Float32Array.from([1, 2, 3, 4])));
  const bad = s.fromDev(
    'float32',
    4,
    rt.run('broken', 'function(a) { return a[this.thread.x] + undefinedName; }', 4, [s.dev(input)]),
  );
  const after = s.fromDev(
    'float32',
    4,
    rt.run('upload', 'function(a) { return a[this.thread.x]; }', 4, [s.dev(bad)]),
  );
  const direct = await caught(() => s.readAsync(bad, 'float32', 4));
  const dependent = await caught(() => s.readAsync(after, 'float32', 4));
  const next = await caught(() => s.readAsync(input, 'float32', 4));
  s.dispose();
  return { direct, dependent, next };
}

/** Destroys the shared WebGPU device (a loss): ops and reads become typed errors, no hang. */
async function loss(): Promise<WebGPURun['lost']> {
  const x = fl.tidy(() => fl.tensor([1, 2, 3], { device: 'wg' }).exp());
  const ctx = (
    gpujs as unknown as {
      WebGPUContext: { acquire(): Promise<{ device: { destroy(): void } }> };
    }
  ).WebGPUContext;
  (await ctx.acquire()).device.destroy();
  await new Promise((r) => setTimeout(r, 50));
  const read = await caught(() => x.data());
  const op = await caught(() => x.add(1));
  return { op, read };
}

async function run(): Promise<WebGPURun> {
  // hostThreshold 0: these checks are about the device queue, which small host calls bypass
  const g = gpujsBackend({ name: 'wg', mode: 'webgpu', hostThreshold: 0 });
  fl.use(g);
  fl.use(cpuBackend({ name: 'ref' }));
  fl.setDefaultDevice('wg');
  const caps = {
    syncRead: g.caps.syncRead !== false,
    features: [...g.caps.features],
    dtypes: [...g.caps.dtypes],
    mode: g.mode,
  };
  const c = await chain();
  const probe = fl.tensor([1, 2], { device: 'wg' });
  const readSync = await caught(() => g.readSync(probe.storage.buf as never, 'float32', 2));
  const dataSync = await caught(() => probe.dataSync());
  probe.dispose();
  const dispose = await disposal();
  const host = await hostPrims();
  const failed = await failure();
  const lost = await loss();
  return { caps, ...c, readSync, dataSync, dispose, host, failed, lost, unhandled };
}

/** Without an adapter: the typed error the page gets (at creation or at the first read). */
async function unavailable(): Promise<Caught | null> {
  return caught(async () => {
    const g = gpujsBackend({ name: 'wg-none', mode: 'webgpu' });
    fl.use(g);
    await fl.tensor([1, 2], { device: 'wg-none' }).exp().data();
  });
}

Object.assign(globalThis, { __webgpu: run, __webgpuUnavailable: unavailable });
