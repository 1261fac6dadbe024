/**
 * The native addon from JavaScript: the crash repros of issue 15 (view metadata that overflows
 * int64, a metadata buffer detached under the addon), a handle table that fills during a
 * multi-output call, the thread pool, worker threads (training in two at once, terminating one
 * mid-op), the rank limit and the special values of the fused kernels. Kernel views are handed
 * to the backend directly, past core's own checks, so that the addon's checks are the ones
 * probed; the binding module (not a public entry) is loaded by its path.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import type * as Flint from '@flint/core';
import type { KView } from '@flint/core/backend';
import type { Probe } from '../src/probe.js';

const NATIVE = ['native'] as const;
const BOTH = ['cpu', 'native'] as const;

/** The addon binding of @flint/backend-native (dist/binding.js, next to its entry). */
interface Binding {
  addon(): {
    setMeta(m: Float64Array): void;
    call(ctx: unknown, op: number, ...bufs: unknown[]): unknown;
    createContext(pool: number): unknown;
    alloc(ctx: unknown, dtype: number, size: number): unknown;
    free(ctx: unknown, buf: unknown): void;
    info(): { processBytes: number; liveHandles: number; workers: number; threads: number };
    setHandleLimit(n: number): void;
  };
  resetScratch(): void;
}
const binding = async (): Promise<Binding> =>
  (await import(
    new URL('./binding.js', import.meta.resolve('@flint/backend-native')).href
  )) as Binding;

/** A kernel of the tensor's own backend, called on a hand-made view of its buffer. */
function kernel(x: Flint.Tensor, name: string, view: Partial<KView<unknown>>, ...rest: unknown[]) {
  const k = (x.storage.backend.kernels as unknown as Record<string, (...a: unknown[]) => unknown>)[
    name
  ]!;
  return k({ buf: x.storage.buf, dtype: x.dtype, offset: 0, ...view }, ...rest);
}

/** The views: (shape, strides) that a 4-element buffer cannot hold. */
const HOSTILE: Record<string, [number[], number[]]> = {
  'stride-67280421310721': [[274178], [67280421310721]],
  'count-2^64': [
    [2 ** 32, 2 ** 32],
    [1, 1],
  ],
  'count-2^64-stride-0': [
    [2 ** 32, 2 ** 32],
    [0, 0],
  ],
  'stride-2^63': [[3], [2 ** 63]],
  'stride-nan': [[2], [NaN]],
  'dim-fractional': [[2.5], [1]],
  'offset-negative': [[2], [1]],
};
const KERNELS: Record<string, (x: Flint.Tensor, v: Partial<KView<unknown>>) => unknown> = {
  neg: (x, v) => kernel(x, 'neg', v),
  exp: (x, v) => kernel(x, 'exp', v),
  contiguous: (x, v) => kernel(x, 'contiguous', v),
  sum: (x, v) => kernel(x, 'sum', v, [0]),
  gather: (x, v) => {
    const i = x.storage.backend.alloc('int32', 1);
    try {
      return kernel(
        x,
        'gather',
        v,
        { buf: i, dtype: 'int32', shape: [1], strides: [1], offset: 0 },
        0,
      );
    } finally {
      x.storage.backend.free(i);
    }
  },
};

const viewProbes: Probe[] = Object.entries(HOSTILE).flatMap(([what, [shape, strides]]) =>
  Object.entries(KERNELS).map(([op, run]): Probe => ({
    id: `view/${what}/${op}`,
    devices: NATIVE,
    expect: { throws: 'BackendError', match: /native\.\w+: (view|metadata)/ },
    run: ({ fl }) =>
      run(fl.tensor([1, 2, 3, 4]), {
        shape,
        strides,
        offset: what === 'offset-negative' ? -1 : 0,
      }),
  })),
);

/** A resizable ArrayBuffer (ES2024; the TypeScript lib this package builds with predates it). */
type Resizable = ArrayBuffer & { resize(bytes: number): void };
const resizable = (bytes: number, max: number): Resizable =>
  new (ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => Resizable)(
    bytes,
    { maxByteLength: max },
  );

/** neg over a float32 [4] view of its one input, as binding.ts encodes it (7 numbers). */
const NEG4 = [1, 0, 1, 0, 4, 1, 0];

/**
 * Points the addon at `meta` (NEG4 in it), lets `spoil` change it, and calls neg on a buffer of a
 * context of its own: the call must throw `want`. Then the backend's own scratch is put back.
 */
async function withScratch(
  fl: typeof Flint,
  meta: Float64Array,
  spoil: () => void,
  want: RegExp,
): Promise<void> {
  const b = await binding();
  const a = b.addon();
  const ctx = a.createContext(0);
  const h = a.alloc(ctx, 0, 4);
  meta.set(NEG4);
  a.setMeta(meta);
  try {
    spoil();
    (globalThis as { gc?: () => void }).gc?.();
    assert.throws(() => a.call(ctx, 0, h), want);
  } finally {
    b.resetScratch();
    a.free(ctx, h);
  }
  assert.deepEqual(fl.tensor([1, 2, 3, 4]).neg().toArray(), [-1, -2, -3, -4]);
}

const scratchProbes: Probe[] = [
  {
    id: 'scratch/detached-then-collected',
    devices: NATIVE,
    expect: 'ok',
    run: ({ fl }) => {
      const meta = new Float64Array(64);
      return withScratch(
        fl,
        meta,
        () => structuredClone(meta.buffer, { transfer: [meta.buffer] }),
        /native\.neg: .*detached/,
      );
    },
  },
  {
    id: 'scratch/resizable-shrunk-under-a-fixed-view',
    devices: NATIVE,
    expect: 'ok',
    run: ({ fl }) => {
      const rab = resizable(64 * 8, 128 * 8);
      return withScratch(fl, new Float64Array(rab, 0, 64), () => rab.resize(8), /empty/);
    },
  },
  {
    id: 'scratch/resizable-shrunk-under-a-tracking-view',
    devices: NATIVE,
    expect: 'ok',
    run: ({ fl }) => {
      const rab = resizable(64 * 8, 128 * 8);
      return withScratch(fl, new Float64Array(rab), () => rab.resize(16), /metadata ends/);
    },
  },
  {
    id: 'scratch/shared-overwritten-with-garbage',
    devices: NATIVE,
    expect: 'ok',
    run: ({ fl }) => {
      const meta = new Float64Array(new SharedArrayBuffer(64 * 8));
      return withScratch(fl, meta, () => meta.set([1, 0, 1, 2 ** 60, 4, 1, 0]), /offset/);
    },
  },
];

const handleProbes: Probe[] = [
  {
    id: 'handles/table-full-during-a-multi-output-call',
    devices: NATIVE,
    expect: 'ok',
    run: async ({ fl }) => {
      const a = (await binding()).addon();
      const x = fl.randn([4, 8]);
      const backend = x.storage.backend;
      const before = { ...backend.stats(), handles: a.info().liveHandles };
      a.setHandleLimit(before.handles + 2); // layerNorm has 3 outputs: y, mean, rstd
      try {
        assert.throws(
          () => fl.nn.F.layerNorm(x, [8]),
          (e: Error) => {
            assert.ok(e instanceof fl.BackendError, `${e.name}: ${e.message}`);
            assert.match(e.message, /too many live buffers/);
            return true;
          },
        );
      } finally {
        a.setHandleLimit(0);
      }
      assert.deepEqual(backend.stats(), { buffers: before.buffers, bytes: before.bytes });
      assert.equal(a.info().liveHandles, before.handles);
      assert.equal(fl.nn.F.layerNorm(x, [8]).shape.join(), '4,8');
    },
  },
];

/** Where the worker threads and fresh processes of these probes load core and the backend from. */
const urls = () => ({
  core: import.meta.resolve('@flint/core'),
  native: import.meta.resolve('@flint/backend-native'),
});
const bindingUrl = () => new URL('./binding.js', import.meta.resolve('@flint/backend-native')).href;

/** Worker source (CommonJS) running `body` with `core`, `native` and `post` in scope. */
const workerSource = (body: string) =>
  `const { parentPort, workerData } = require('node:worker_threads');
   const post = (m) => parentPort.postMessage(m);
   Promise.all([import(workerData.urls.core), import(workerData.urls.native)])
     .then(async ([core, native]) => { ${body} })
     .catch((e) => post({ error: String(e && e.stack || e) }));`;

function worker(body: string): Worker {
  return new Worker(workerSource(body), { eval: true, workerData: { urls: urls() } });
}

/** Runs an ES module body in a fresh node process; returns what it printed, parsed as JSON. */
function runFresh(body: string): unknown {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', body], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `the process failed (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const answer = <T>(w: Worker): Promise<T> =>
  new Promise((resolve, reject) => {
    w.once('message', (m: T & { error?: string }) =>
      m.error ? reject(new Error(m.error)) : resolve(m),
    );
    w.once('error', reject);
  });

/** A few SGD steps of a small MLP on a fixed problem; the loss of every step. */
const TRAIN = `
  const fl = core;
  const device = fl.register(native.nativeBackend({ name: 'w' }));
  fl.manualSeed(3);
  const losses = fl.tidy(() => {
    const x = fl.randn([256, 16], { device });
    const y = x.sum(1, true).tanh();
    const model = new fl.nn.Sequential(new fl.nn.Linear(16, 64), new fl.nn.ReLU(), new fl.nn.Linear(64, 1)).to(device);
    const opt = new fl.optim.SGD(model.parameters(), { lr: 0.1 });
    const out = [];
    for (let i = 0; i < 20; i++)
      fl.tidy(() => {
        opt.zeroGrad();
        const loss = fl.nn.F.mseLoss(model.forward(x), y);
        loss.backward();
        opt.step();
        out.push(loss.item());
      });
    return out;
  });
  post({ losses });`;

const threadProbes: Probe[] = [
  {
    id: 'workers/two-train-in-parallel-as-the-main-thread',
    devices: NATIVE,
    expect: 'ok',
    timeoutMs: 120_000,
    run: async () => {
      const runs = await Promise.all(
        [0, 1, 2].map(() => answer<{ losses: number[] }>(worker(TRAIN))),
      );
      const [first, ...rest] = runs.map((r) => r.losses);
      assert.ok(first!.at(-1)! < first![0]! / 2, `no convergence: ${first!.join(', ')}`);
      for (const r of rest) assert.deepEqual(r, first);
    },
  },
  {
    id: 'workers/terminated-mid-op-frees-what-they-held',
    devices: NATIVE,
    expect: 'ok',
    timeoutMs: 60_000,
    run: () => {
      // A fresh process, whose main thread holds no native memory: what the process holds is
      // exactly what its workers hold (this child's own tensors are freed at GC's pace).
      const spin = workerSource(`
        const fl = core;
        const device = fl.register(native.nativeBackend({ name: 'spin' }));
        const held = fl.zeros([1 << 23], { device }); // 32 MiB
        const m = fl.randn([400, 400], { device });
        post({ running: true });
        for (;;) m.matmul(m).tanh().sum().dispose();`);
      const out = runFresh(`
        const { Worker } = await import('node:worker_threads');
        const a = (await import(${JSON.stringify(bindingUrl())})).addon();
        const out = [];
        // Thirty workers, stopped at different moments: a stop that lands while an op is in native
        // code once aborted the process (napi_throw fails in a terminating environment).
        for (let i = 0; i < 30; i++) {
          // execArgv: [], or the worker would inherit --input-type=module and not be CommonJS.
          const w = new Worker(${JSON.stringify(spin)}, { eval: true, execArgv: [], workerData: ${JSON.stringify({ urls: urls() })} });
          await new Promise((res, rej) => { w.once('message', res); w.once('error', rej); });
          const during = a.info().processBytes;
          await new Promise((r) => setTimeout(r, (i * 7) % 20)); // mid-loop, often inside a 400³ product
          out.push({ during, code: await w.terminate(), after: a.info().processBytes });
        }
        console.log(JSON.stringify(out));`) as { during: number; code: number; after: number }[];
      for (const r of out) {
        assert.ok(r.during >= 2 ** 25, `the worker holds its 32 MiB: ${r.during}`);
        assert.deepEqual({ code: r.code, after: r.after }, { code: 1, after: 0 });
      }
    },
  },
  {
    id: 'threads/one-thread-starts-no-pool-thread',
    devices: NATIVE,
    expect: 'ok',
    timeoutMs: 30_000,
    run: () => {
      // A fresh process: nothing in it has started pool threads yet.
      const got = runFresh(`
        const fs = await import('node:fs');
        const tasks = () => fs.readdirSync('/proc/self/task').length;
        const { nativeBackend, nativeInfo } = await import(${JSON.stringify(urls().native)});
        const core = await import(${JSON.stringify(urls().core)});
        const b = nativeBackend({ threads: 1 });
        const t0 = tasks();
        const device = core.register(b);
        core.ones([1 << 20], { device }).exp().sum().item();
        console.log(JSON.stringify({ added: tasks() - t0, ...nativeInfo() }));`) as {
        added: number;
        threads: number;
        workers: number;
      };
      assert.deepEqual(
        { added: got.added, threads: got.threads, workers: got.workers },
        { added: 0, threads: 1, workers: 0 },
      );
    },
  },
];

const rankProbes: Probe[] = [
  {
    id: 'rank/64-works',
    devices: BOTH,
    expect: 'ok',
    run: ({ fl }) => {
      const x = fl.ones([2]).reshape([2, ...Array<number>(63).fill(1)]);
      assert.deepEqual(Array.from(x.add(1).exp().log().dataSync()), [2, 2]);
      assert.equal(x.sum().item(), 2);
    },
  },
  {
    id: 'rank/65-is-a-shape-error',
    devices: BOTH,
    expect: {
      throws: 'ShapeError',
      match: /add: a tensor of rank 65 exceeds device '\w+''s limit of 64/,
    },
    run: ({ fl }) =>
      fl
        .ones([2])
        .reshape([2, ...Array<number>(64).fill(1)])
        .add(1),
  },
  {
    id: 'rank/65-zeros-is-a-shape-error',
    devices: BOTH,
    expect: { throws: 'ShapeError', match: /rank 65/ },
    run: ({ fl }) => fl.zeros(Array<number>(65).fill(1)),
  },
];

/** NaN-aware equality of two lists (NaN equals NaN; −0 and +0 are told apart). */
const same = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]));

const valueProbes: Probe[] = [
  {
    id: 'softmax/inf-in-a-lane-is-nan-as-torch',
    devices: BOTH,
    expect: 'ok',
    run: ({ fl }) => {
      assert.ok(same(fl.tensor([Infinity, 0]).softmax(0).dataSync(), [NaN, NaN]));
      assert.ok(same(fl.tensor([Infinity, 0]).logSoftmax(0).dataSync(), [NaN, NaN]));
      assert.ok(same(fl.tensor([-Infinity, -Infinity]).softmax(0).dataSync(), [NaN, NaN]));
      assert.ok(same(fl.tensor([-Infinity, 0]).logSoftmax(0).dataSync(), [-Infinity, 0]));
      const cols = fl
        .tensor([
          [Infinity, 1],
          [0, 2],
        ])
        .softmax(0)
        .dataSync(); // along a non-last axis
      assert.ok(Number.isNaN(cols[0]!) && Number.isNaN(cols[2]!), String(cols));
    },
  },
  {
    id: 'crossEntropy/inf-logit-is-nan-as-torch',
    devices: NATIVE,
    expect: 'ok',
    run: ({ fl }) => {
      const t = fl.tensor([1, 0], { dtype: 'int32' });
      const x = fl.tensor([
        [Infinity, 0],
        [-Infinity, 0],
      ]);
      const loss = fl.nn.F.crossEntropy(x, t, { reduction: 'none' }).dataSync();
      assert.ok(same(loss, [NaN, Infinity]), String(loss));
    },
  },
  {
    id: 'exp-sigmoid-silu/subnormal-results-at-every-size',
    devices: BOTH,
    expect: 'ok',
    run: ({ fl }) => {
      for (const f of [(x: Flint.Tensor) => x.exp(), (x: Flint.Tensor) => x.sigmoid(), fl.silu]) {
        const small = f(fl.tensor([-100, -100, -100, -100])).dataSync();
        const big = f(fl.full([4096], -100)).dataSync();
        assert.ok(small[0] !== 0 && Math.abs(small[0]!) < 1e-38, `not subnormal: ${small[0]}`);
        assert.ok(
          big.every((v) => Object.is(v, small[0])),
          `size 4096 gives ${big[0]}`,
        );
      }
    },
  },
];

export const probes: Probe[] = [
  ...viewProbes,
  ...scratchProbes,
  ...handleProbes,
  ...threadProbes,
  ...rankProbes,
  ...valueProbes,
];
