/**
 * The browser demo's training run (web/trainer) in Node, where it is quick to check: on the CPU
 * backend the default settings pass 80 % test accuracy on the subset, the messages come in the
 * order the page expects, a stop request ends the run between steps, and no tensor is left
 * behind. The data files are the ones `pnpm build` writes into web/data.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSubset } from '../web/trainer/data.js';
import { DEFAULTS, type DataUrls, type FromWorker } from '../web/trainer/protocol.js';
import { trainMlp } from '../web/trainer/train.js';

const file = (name: string) => fileURLToPath(new URL(`../web/data/${name}.gz`, import.meta.url));
const URLS: DataUrls = {
  trainImages: file('train-images-idx3-ubyte'),
  trainLabels: file('train-labels-idx1-ubyte'),
  testImages: file('t10k-images-idx3-ubyte'),
  testLabels: file('t10k-labels-idx1-ubyte'),
};
const readBytes = async (path: string) => new Uint8Array(readFileSync(path));
const config = { ...DEFAULTS, backend: 'cpu' as const };

describe('the browser demo’s training run', () => {
  beforeAll(() => {
    if (!existsSync(URLS.trainImages))
      throw new Error('web/data is missing: run `pnpm --filter @flint/examples build` first');
    fl.use(cpuBackend());
  });

  it('passes 80 % with the default settings and frees what it made', async () => {
    const before = fl.memory().tensors;
    const data = await loadSubset(URLS, 'cpu', config, readBytes);
    expect([data.train.length, data.test.x.shape, data.preview.labels.length]).toEqual([
      6000,
      [1000, 784],
      16,
    ]);
    // class-balanced: 100 test images of each class
    const perClass = new Array<number>(10).fill(0);
    for (const c of data.test.y.dataSync()) perClass[c]!++;
    expect(perClass).toEqual(new Array(10).fill(100));
    const seen: FromWorker[] = [];
    const accuracy = await trainMlp(data, config, (m) => seen.push(m));
    data.test.x.dispose();
    data.test.y.dispose();
    expect(accuracy).toBeGreaterThan(0.8);
    const steps = seen.filter((m) => m.type === 'step');
    expect(steps.length).toBe(Math.ceil(6000 / 64) * DEFAULTS.epochs);
    expect(
      seen.filter((m) => m.type === 'epoch').map((m) => m.type === 'epoch' && m.predictions.length),
    ).toEqual([16, 16]);
    expect(seen.at(-1)).toMatchObject({ type: 'done', stopped: false, testAccuracy: accuracy });
    expect(fl.memory().tensors).toBe(before);
  });

  it('stops between steps when asked', async () => {
    const before = fl.memory().tensors;
    const data = await loadSubset(URLS, 'cpu', { ...config, trainLimit: 640 }, readBytes);
    const seen: FromWorker[] = [];
    await trainMlp(
      data,
      config,
      (m) => seen.push(m),
      () => seen.length >= 3,
    );
    data.test.x.dispose();
    data.test.y.dispose();
    expect(seen.map((m) => m.type)).toEqual(['step', 'step', 'step', 'done']);
    expect(seen.at(-1)).toMatchObject({ type: 'done', stopped: true });
    expect(fl.memory().tensors).toBe(before);
  });
});
