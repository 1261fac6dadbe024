/**
 * Devices without synchronous read-back (WebGPU; `caps.syncRead: false`) from JavaScript: the
 * synchronous reads are typed errors that point to `await t.data()`, `fl.tidyAsync` refuses a
 * non-function and frees across awaits, and overlapping `tidyAsync` calls are an error that frees
 * nothing (no tensor disposed under a caller that still holds it, the scope stack left whole).
 * Data-dependent argument checks there are deferred (core's ops/checks.ts): a bad index, target,
 * probability or integer divisor makes the call return, the next `await t.data()` on the device
 * rejects with the synchronous path's typed error, nothing crashes or reads out of bounds
 * meanwhile (the native device too), and the checks' memory is freed.
 */
import assert from 'node:assert/strict';
import type { Backend } from '@flint/core/backend';
import type { Probe, ProbeContext } from '../src/probe.js';

type Fl = ProbeContext['fl'];
type Tensor = InstanceType<Fl['Tensor']>;

/**
 * Run `fn` with the probe's device also registered as an asynchronous device: the same backend
 * under another name, declaring `caps.syncRead: false`, whose read resolves a macrotask later.
 */
async function onAsyncDevice(ctx: ProbeContext, fn: (dev: string) => unknown): Promise<void> {
  const { fl } = ctx;
  const b = fl.getBackend(ctx.device) as Backend;
  const name = `${ctx.device}-async-probe`;
  const dev: Backend = {
    ...b,
    name,
    caps: { ...b.caps, syncRead: false },
    dispose: () => {}, // removeBackend disposes: the wrapped backend stays the probe's device
    readSync: () => {
      throw new Error('core called readSync on a device that declares syncRead: false');
    },
    read: async (buf, dtype, size) => {
      const out = await b.read(buf, dtype, size);
      await new Promise((r) => setTimeout(r, 0));
      return out;
    },
  };
  fl.register(dev);
  try {
    await fn(name);
  } finally {
    fl.removeBackend(name);
  }
}

/** A synchronous read on the asynchronous device: the BackendError names the call. */
function syncRead(op: string, read: (t: Tensor) => unknown): Probe {
  return {
    id: `sync-read/${op}`,
    expect: {
      throws: 'BackendError',
      match: new RegExp(
        `^${op}: device '.*-async-probe' has no synchronous read-back.*await t\\.data\\(\\)`,
      ),
    },
    run: (ctx) =>
      onAsyncDevice(ctx, async (dev) => {
        const t = ctx.fl.tensor([[1.5, -2]], { device: dev });
        try {
          read(op === 'item' ? t.sum() : t);
        } finally {
          t.dispose();
        }
      }),
  };
}

/**
 * On the asynchronous device, `call` must return, and the next read of its result reject with the
 * typed error; the call's tensors and the pending check's facts are freed either way.
 */
function deferredCheck(
  id: string,
  throws: string,
  match: RegExp,
  call: (fl: Fl, dev: string) => Tensor,
): Probe {
  return {
    id: `deferred/${id}`,
    expect: { throws, match },
    run: (ctx) =>
      onAsyncDevice(ctx, async (dev) => {
        const { fl } = ctx;
        const before = fl.memory().tensors;
        const out = fl.tidy(() => call(fl, dev)); // no throw at the call
        try {
          await out.data();
        } finally {
          out.dispose();
          assert.equal(fl.memory().tensors, before, 'the call or its pending check leaked');
        }
      }),
  };
}

const int = (fl: Fl, v: number[], dev: string) => fl.tensor(v, { dtype: 'int32', device: dev });

const DEFERRED: Probe[] = [
  deferredCheck(
    'gather-index-past-end',
    'ShapeError',
    /^gather: index 7 is out of bounds for dimension 0 with size 3/,
    (fl, d) => fl.tensor([1, 2, 3], { device: d }).gather(0, int(fl, [0, 7], d)),
  ),
  deferredCheck(
    'gather-index-int32-extremes',
    'ShapeError',
    /^gather: index -2147483648 is out of bounds/,
    (fl, d) => fl.tensor([1, 2], { device: d }).gather(0, int(fl, [2 ** 31 - 1, -(2 ** 31)], d)),
  ),
  deferredCheck(
    'indexSelect-negative',
    'ShapeError',
    /^indexSelect: index -1 is out of bounds/,
    (fl, d) => fl.ones([3, 2], { device: d }).indexSelect(0, int(fl, [1, -1], d)),
  ),
  deferredCheck(
    'scatterAdd-index-past-end',
    'ShapeError',
    /^scatterAdd: index 4 is out of bounds/,
    (fl, d) =>
      fl.zeros([3], { device: d }).scatterAdd(0, int(fl, [4], d), fl.ones([1], { device: d })),
  ),
  deferredCheck(
    'index-into-empty-dim',
    'ShapeError',
    /^indexSelect: index 0 is out of bounds for dimension 0 with size 0/,
    (fl, d) => fl.zeros([0, 2], { device: d }).indexSelect(0, int(fl, [0], d)),
  ),
  deferredCheck(
    'embedding-index-past-end',
    'ShapeError',
    /^embedding: index 5 is out of range for 4 embeddings/,
    (fl, d) => fl.nn.F.embedding(int(fl, [5], d), fl.ones([4, 2], { device: d })),
  ),
  deferredCheck(
    'remainder-int32-by-zero',
    'DTypeError',
    /^remainder: integer division by zero/,
    (fl, d) => fl.remainder(int(fl, [7, -3], d), int(fl, [0, 2], d)),
  ),
  deferredCheck(
    'crossEntropy-target-past-classes',
    'ShapeError',
    /^crossEntropy: target 9 is out of bounds for 3 classes/,
    (fl, d) => fl.nn.F.crossEntropy(fl.zeros([2, 3], { device: d }), int(fl, [1, 9], d)),
  ),
  deferredCheck(
    'nllLoss-negative-target',
    'ShapeError',
    /^nllLoss: target -5 is out of bounds/,
    (fl, d) => fl.nn.F.nllLoss(fl.zeros([2, 3], { device: d }), int(fl, [-5, 0], d)),
  ),
  deferredCheck(
    'binaryCrossEntropy-not-a-probability',
    'FlintError',
    /^binaryCrossEntropy: every input element must be a probability/,
    (fl, d) =>
      fl.nn.F.binaryCrossEntropy(fl.tensor([0.2, 7], { device: d }), fl.ones([2], { device: d })),
  ),
  deferredCheck(
    'oneHot-class-past-numClasses',
    'ShapeError',
    /^oneHot: index 3 is out of bounds/,
    (fl, d) => fl.oneHot(int(fl, [3], d), 2),
  ),
  {
    id: 'deferred/oneHot-infers-numClasses',
    expect: { throws: 'BackendError', match: /^oneHot: numClasses -1 .*pass numClasses/ },
    run: (ctx) => onAsyncDevice(ctx, (dev) => ctx.fl.oneHot(int(ctx.fl, [1], dev))),
  },
  {
    id: 'deferred/shape-errors-stay-at-the-call',
    expect: { throws: 'DTypeError', match: /^gather: index must be an int32 tensor/ },
    run: (ctx) =>
      onAsyncDevice(ctx, (dev) =>
        ctx.fl.tidy(() =>
          ctx.fl.ones([2], { device: dev }).gather(0, ctx.fl.zeros([1], { device: dev })),
        ),
      ),
  },
  {
    id: 'deferred/reported-once-then-cleared',
    expect: 'ok',
    run: (ctx) =>
      onAsyncDevice(ctx, async (dev) => {
        const { fl } = ctx;
        const x = fl.tensor([1, 2], { device: dev });
        const bad = fl.tidy(() => x.gather(0, int(fl, [2], dev)));
        await assert.rejects(bad.data(), { name: 'ShapeError', message: /index 2/ });
        assert.deepEqual(Array.from(await x.data()), [1, 2]); // the failure is not sticky
        const good = fl.tidy(() => x.gather(0, int(fl, [1, 0], dev)));
        assert.deepEqual(Array.from(await good.data()), [2, 1]);
        for (const t of [x, bad, good]) t.dispose();
      }),
  },
  {
    id: 'deferred/never-read-loop-stays-bounded',
    expect: 'ok',
    run: (ctx) =>
      onAsyncDevice(ctx, async (dev) => {
        const { fl } = ctx;
        const before = fl.memory().tensors;
        const x = fl.tensor([1, 2, 3], { device: dev });
        const i = int(fl, [2, 0], dev);
        for (let k = 0; k < 1000; k++) {
          fl.tidy(() => void x.gather(0, i));
          if (k % 100 === 99) await new Promise((r) => setTimeout(r, 10));
        }
        await new Promise((r) => setTimeout(r, 30));
        // x, i and under 64 pending checks of two facts each (core's MAX_PENDING)
        assert.ok(fl.memory().tensors - before < 2 + 128, `${fl.memory().tensors - before} live`);
        await x.data();
        x.dispose();
        i.dispose();
        assert.equal(fl.memory().tensors, before);
      }),
  },
  {
    id: 'deferred/to-another-device',
    expect: { throws: 'BackendError', match: /^to: copying a float32 tensor \[2\] from device/ },
    run: (ctx) =>
      onAsyncDevice(ctx, (dev) => {
        const t = ctx.fl.ones([2], { device: dev });
        try {
          return t.to(ctx.device);
        } finally {
          t.dispose();
        }
      }),
  },
];

export const probes: Probe[] = [
  ...DEFERRED,
  syncRead('dataSync', (t) => t.dataSync()),
  syncRead('item', (t) => t.item()),
  syncRead('toArray', (t) => t.toArray()),
  {
    id: 'sync-read/await-data-works',
    expect: 'ok',
    run: (ctx) =>
      onAsyncDevice(ctx, async (dev) => {
        const t = ctx.fl
          .tensor(
            [
              [1.5, -2],
              [3, 4],
            ],
            { device: dev },
          )
          .transpose(0, 1);
        assert.deepEqual(Array.from(await t.data()), [1.5, 3, -2, 4]);
        t.dispose();
      }),
  },
  {
    id: 'tidyAsync/not-a-function',
    expect: { throws: 'ArgumentError', match: /tidyAsync/ },
    run: ({ fl }) => fl.tidyAsync({ then: () => 0 } as never),
  },
  {
    id: 'tidyAsync/frees-across-awaits',
    expect: 'ok',
    run: (ctx) =>
      onAsyncDevice(ctx, async (dev) => {
        const { fl } = ctx;
        const before = fl.memory().tensors;
        const v = await fl.tidyAsync(async () => {
          const x = fl.ones([3], { device: dev }).mul(2);
          const d = await x.data();
          return fl.tensor(Array.from(d), { device: dev }).add(1);
        });
        assert.equal(fl.memory().tensors, before + 1);
        assert.deepEqual(Array.from(await v.data()), [3, 3, 3]);
        v.dispose();
        assert.equal(fl.memory().tensors, before);
      }),
  },
  {
    id: 'tidyAsync/rejection-frees-and-keeps-the-error',
    expect: { throws: 'ShapeError', match: /reshape/ },
    run: async ({ fl }) => {
      const before = fl.memory().tensors;
      try {
        await fl.tidyAsync(async () => {
          const x = fl.ones([2, 3]);
          await Promise.resolve();
          return x.reshape([4]);
        });
      } finally {
        assert.equal(fl.memory().tensors, before, 'tensors of the failed scope were not freed');
      }
    },
  },
  {
    id: 'tidyAsync/overlapping',
    expect: { throws: 'FlintError', match: /one tidyAsync at a time.*nothing was freed/ },
    run: async ({ fl }) => {
      let open!: () => void;
      const gate = new Promise<void>((r) => (open = r));
      let mine: Tensor | undefined;
      const first = fl.tidyAsync(async () => {
        mine = fl.ones([2]);
        await new Promise((r) => setTimeout(r, 0));
      });
      const second = fl.tidyAsync(async () => {
        await gate;
        return fl.zeros([1]);
      });
      try {
        await first;
      } finally {
        open();
        const kept = await second;
        assert.equal(mine!.disposed, false, 'a tensor of the failed scope was disposed');
        mine!.dispose();
        kept.dispose();
        // the scope stack is whole: tidy still frees its intermediates
        const before = fl.memory().tensors;
        fl.tidy(() => void fl.ones([2]).add(1));
        assert.equal(fl.memory().tensors, before);
      }
    },
  },
];
