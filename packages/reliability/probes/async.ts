/**
 * Devices without synchronous read-back (WebGPU; `caps.syncRead: false`) from JavaScript: the
 * synchronous reads are typed errors that point to `await t.data()`, `fl.tidyAsync` refuses a
 * non-function and frees across awaits, and overlapping `tidyAsync` calls are an error that frees
 * nothing (no tensor disposed under a caller that still holds it, the scope stack left whole).
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

export const probes: Probe[] = [
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
