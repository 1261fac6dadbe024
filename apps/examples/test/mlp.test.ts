import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { pickBackend } from '../src/backend.js';
import { type Split, loadFashionMnist } from '../src/data.js';
import { MLP, main, mlpSequential } from '../src/mlp.js';
import { silent } from '../src/train-utils.js';
import { shouldRun } from './data-gate.js';

describe('MLP models', () => {
  beforeAll(() => pickBackend());
  it('uses PyTorch state-dict keys in both styles', () => {
    const torchStyle = new MLP();
    const kerasStyle = mlpSequential();
    expect(Object.keys(torchStyle.stateDict())).toEqual([
      'fc1.weight',
      'fc1.bias',
      'fc2.weight',
      'fc2.bias',
      'fc3.weight',
      'fc3.bias',
    ]);
    expect(Object.keys(kerasStyle.stateDict())).toEqual([
      '1.weight',
      '1.bias',
      '3.weight',
      '3.bias',
      '5.weight',
      '5.bias',
    ]);
    expect(torchStyle.numParameters()).toBe(784 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10);
    expect(fl.tidy(() => torchStyle.forward(fl.zeros([2, 1, 28, 28])).shape)).toEqual([2, 10]);
  });
});

describe.runIf(shouldRun('fashion-mnist'))('MLP on Fashion-MNIST (5,000 images, 1 epoch)', () => {
  let data: { train: Split; test: Split };
  beforeAll(async () => {
    await pickBackend();
    // 5,000 training images; the held-out slice is the first 2,000 test images.
    data = await loadFashionMnist({ trainLimit: 5000, testLimit: 2000 });
  });
  afterAll(() => {
    if (data) [data.train.x, data.train.y, data.test.x, data.test.y].forEach((t) => t.dispose());
  });

  for (const style of ['torch', 'keras'] as const)
    it(`${style} style beats 70 % test accuracy and leaks no tensors`, async () => {
      const before = fl.memory().tensors;
      const r = await main({ style, epochs: 1, data, log: silent, progress: false });
      expect(r.trainSamples).toBe(5000);
      expect(r.testSamples).toBe(2000);
      expect(r.epochs).toHaveLength(1);
      expect(r.testAccuracy).toBeGreaterThan(0.7);
      expect(r.testLoss).toBeLessThan(1);
      expect(fl.memory().tensors).toBe(before);
    });

  it('both styles train the same network identically under one seed', async () => {
    const [a, b] = [
      await main({
        style: 'torch',
        epochs: 1,
        limit: 640,
        testLimit: 500,
        data,
        log: silent,
        progress: false,
      }),
      await main({
        style: 'keras',
        epochs: 1,
        limit: 640,
        testLimit: 500,
        data,
        log: silent,
        progress: false,
      }),
    ];
    expect(a.testAccuracy).toBeCloseTo(b.testAccuracy, 6);
    expect(a.testLoss).toBeCloseTo(b.testLoss, 4);
  });
});
