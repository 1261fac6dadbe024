/**
 * One training session: registers the chosen backend, fetches and decodes the data, trains
 * (train.ts) and reports through `post`. The worker (worker.ts) runs it off the main thread; the
 * page can also run it in place (`startTraining(…, { thread: 'main' })`) to compare.
 */
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import { gpujsBackend } from '@flint/backend-gpujs';
import type { DataUrls, FromWorker, TrainConfig } from './protocol.js';
import { loadSubset } from './data.js';
import { trainMlp } from './train.js';

/** Registers the device (gpu.js on WebGL2, or the CPU backend); returns its name and mode. */
function startBackend(cfg: TrainConfig, where: string): { device: string; mode: string } {
  if (cfg.backend === 'gpujs') {
    fl.use(gpujsBackend({ mode: 'webgl2' }));
    return { device: 'gpujs', mode: `gpu.js on WebGL2, ${where}` };
  }
  fl.use(cpuBackend());
  return { device: 'cpu', mode: `TypeScript, ${where}` };
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`train demo: fetching ${url.slice(0, 200)} failed: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

export async function runSession(
  config: TrainConfig,
  urls: DataUrls,
  post: (m: FromWorker) => void,
  shouldStop: () => boolean,
  where: string,
): Promise<void> {
  try {
    const { device, mode } = startBackend(config, where);
    const data = await loadSubset(urls, device, config, fetchBytes);
    try {
      const n = data.train.length;
      post({
        type: 'ready',
        device,
        mode,
        trainSize: n,
        testSize: data.test.x.shape[0]!,
        totalSteps: Math.ceil(n / config.batchSize) * config.epochs,
        preview: data.preview,
      });
      await trainMlp(data, config, post, shouldStop);
    } finally {
      data.test.x.dispose();
      data.test.y.dispose();
    }
  } catch (err) {
    const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    post({ type: 'error', message: text.slice(0, 500) });
  }
}
