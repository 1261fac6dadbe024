import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { pickBackend } from '../src/backend.js';
import { cnn, main } from '../src/cnn.js';
import { type Split, loadFashionMnist } from '../src/data.js';
import { silent } from '../src/train-utils.js';
import { shouldRun } from './data-gate.js';

describe('CNN model', () => {
  beforeAll(() => pickBackend());
  it('has the documented shapes and torch keys', () => {
    const net = cnn();
    expect(Object.keys(net.stateDict())).toEqual([
      '0.weight',
      '0.bias',
      '3.weight',
      '3.bias',
      '7.weight',
      '7.bias',
    ]);
    expect(net.numParameters()).toBe(32 * 9 + 32 + 64 * 32 * 9 + 64 + 1600 * 10 + 10);
    expect(fl.noGrad(() => fl.tidy(() => net.forward(fl.zeros([2, 1, 28, 28])).shape))).toEqual([
      2, 10,
    ]);
  });
});

describe.runIf(shouldRun('fashion-mnist'))('CNN on a Fashion-MNIST subset', () => {
  let data: { train: Split; test: Split };
  beforeAll(async () => {
    await pickBackend();
    data = await loadFashionMnist({ trainLimit: 256, testLimit: 300 });
  });
  afterAll(() => {
    if (data) [data.train.x, data.train.y, data.test.x, data.test.y].forEach((t) => t.dispose());
  });

  it('trains the loss down (2 epochs over 256 images) and beats chance', async () => {
    const before = fl.memory().tensors;
    const r = await main({ epochs: 2, data, log: silent, progress: false });
    expect(r.batchLosses).toHaveLength(16);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(r.batchLosses[0]).toBeGreaterThan(2.1); // ≈ ln 10 at the start
    expect(mean(r.batchLosses.slice(-4))).toBeLessThan(mean(r.batchLosses.slice(0, 4)) - 0.2);
    expect(r.epochLosses[1]).toBeLessThan(r.epochLosses[0]!);
    expect(r.testAccuracy).toBeGreaterThan(0.3); // chance is 0.1
    expect(r.secondsPerBatch).toBeGreaterThan(0);
    expect(fl.memory().tensors).toBe(before);
  });

  it('Keras-style fit trains the same network identically', async () => {
    const opts = {
      epochs: 1,
      limit: 96,
      testLimit: 100,
      data,
      log: silent,
      progress: false,
    } as const;
    const a = await main({ ...opts, style: 'torch' });
    const b = await main({ ...opts, style: 'keras' });
    expect(b.epochLosses[0]).toBeCloseTo(a.epochLosses[0]!, 5);
    expect(b.testAccuracy).toBeCloseTo(a.testAccuracy, 6);
  });
});
