/**
 * The addon is context-aware: it loads in several worker threads at once, each with its own
 * backend instance, and they share the one thread pool safely. A worker's exit — even while it
 * is inside a kernel — frees everything it held. And the pool starts only the threads it is
 * asked for. Workers run the built package (test/fixtures/workers.mjs imports dist/), so these
 * tests need `pnpm build` first (turbo's test task depends on it).
 */
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { addon } from '../src/binding.js';

const FIXTURE = new URL('./fixtures/workers.mjs', import.meta.url);
const a = addon();

interface TrainResult {
  losses: number[];
  stats: { buffers: number; bytes: number };
}

function inWorker<T>(data: Record<string, unknown>): Promise<T> {
  return new Promise((resolve, reject) => {
    const w = new Worker(FIXTURE, { workerData: data });
    w.once('message', (m: T) => {
      resolve(m);
    });
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`worker exited with ${code} before answering`)));
  });
}

describe('worker threads', () => {
  it('two workers train an MLP in parallel and reach the main thread losses exactly', async () => {
    const { trainMlp } = (await import(FIXTURE.href)) as {
      trainMlp: (o?: { name?: string }) => TrainResult;
    };
    const main = trainMlp({ name: 'main-mlp' });
    expect(main.losses.at(-1)!).toBeLessThan(main.losses[0]! / 4); // it converges
    const [w1, w2] = await Promise.all([
      inWorker<TrainResult>({ task: 'train' }),
      inWorker<TrainResult>({ task: 'train' }),
    ]);
    // The same kernels on the same data: bit-identical, whatever the other thread was doing.
    expect(w1.losses).toEqual(main.losses);
    expect(w2.losses).toEqual(main.losses);
  });

  it('workers loading the addon at the same time each get a working backend', async () => {
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => inWorker<{ loaded: boolean }>({ task: 'load' })),
    );
    expect(answers.every((x) => x.loaded)).toBe(true);
  });

  it('terminating a worker mid-op frees everything it held', async () => {
    const before = a.info().processBytes;
    for (let i = 0; i < 3; i++) {
      const w = new Worker(FIXTURE, { workerData: { task: 'spin', mib: 32 } });
      const started = await new Promise<{ bytes: number }>((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
      });
      expect(a.info().processBytes - before).toBeGreaterThanOrEqual(started.bytes);
      // Let it get inside a 768³ product (tens of ms each), then pull the thread away.
      await new Promise((r) => setTimeout(r, 30 + 40 * i));
      expect(await w.terminate()).toBe(1);
      expect(a.info().processBytes).toBe(before);
    }
  });
});

describe('the thread pool', () => {
  // A fresh process, so that nothing has started pool threads yet; /proc counts the process's
  // threads independently of the addon's own bookkeeping.
  const script = `
    const { readdirSync } = require('node:fs');
    const tasks = () => readdirSync('/proc/self/task').length;
    const a = require(process.env.ADDON);
    const loaded = tasks();
    const ctx = a.createContext(0);
    const x = a.alloc(ctx, 0, 1 << 20);
    const meta = new Float64Array(16);
    a.setMeta(meta);
    const exp = () => a.free(ctx, a.call(ctx, 3, x)); // a parallel op: 1M elements
    // Asking how many threads there are, or running small ops, starts none.
    meta.set([1, 0, 1, 0, 1000, 1, 0]);
    a.free(ctx, a.call(ctx, 3, x));
    const out = [{ threads: a.info().threads, workers: a.info().workers, added: tasks() - loaded }];
    meta.set([1, 0, 1, 0, 1 << 20, 1, 0]);
    // Counted around the op only: setThreads also sets OpenBLAS's thread count, which may
    // start OpenBLAS's own threads.
    const step = (threads) => {
      a.setThreads(threads);
      const t0 = tasks();
      exp();
      out.push({ threads: a.info().threads, workers: a.info().workers, added: tasks() - t0 });
    };
    step(1); step(1); step(3); step(2); step(4);
    console.log(JSON.stringify(out));`;

  it('starts no worker when 1 thread is asked for, and grows or shrinks on setThreads', () => {
    const addonPath =
      process.env.FLINT_NATIVE_ADDON ??
      new URL('../build/Release/flint_native.node', import.meta.url).pathname;
    const r = spawnSync(process.execPath, ['-e', script], {
      env: { ...process.env, ADDON: addonPath },
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    const steps = JSON.parse(r.stdout) as { threads: number; workers: number; added: number }[];
    expect(steps).toEqual([
      { threads: steps[0]!.threads, workers: 0, added: 0 }, // the default: the machine's cores
      { threads: 1, workers: 0, added: 0 },
      { threads: 1, workers: 0, added: 0 },
      { threads: 3, workers: 2, added: 2 },
      { threads: 2, workers: 1, added: 1 }, // all stopped by setThreads(2), 1 restarted
      { threads: 4, workers: 3, added: 2 },
    ]);
  });
});
