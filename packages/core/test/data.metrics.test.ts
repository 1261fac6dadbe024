import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import { accuracy, confusionMatrix, topKAccuracy } from '../src/data/metrics.js';

const backend = cpuBackend({ name: 'cpu-data-metrics-test' });
beforeAll(() => fl.use(backend));
afterAll(() => fl.removeBackend(backend.name));
// Every test frees what it makes: a tensor left to the garbage collector could be finalized after
// removeBackend, and tests here double as a leak check of the code under test.
let liveAtStart = 0;
beforeEach(() => {
  liveAtStart = fl.memory().tensors;
});
afterEach(() => {
  expect(fl.memory().tensors, 'tensors leaked by this test').toBe(liveAtStart);
});

const ids = (v: number[]) => fl.tensor(v, { dtype: 'int32' });

describe('metrics', () => {
  it('accuracy from logits or from predicted ids; nothing leaks', () =>
    fl.tidy(() => {
      const logits = fl.tensor([
        [0.1, 0.9, 0],
        [0.8, 0.1, 0.1],
        [0, 0, 1],
        [0.3, 0.3, 0.4],
      ]);
      const targets = ids([1, 0, 0, 2]);
      const start = fl.memory().tensors;
      expect(accuracy(logits, targets)).toBe(0.75);
      expect(accuracy(ids([1, 1, 2, 2]), targets)).toBe(0.5);
      expect(fl.memory().tensors).toBe(start + 1); // only the ids tensor made in the line above
      expect(() => accuracy(fl.zeros([4, 3, 1]), targets)).toThrow(/expected logits/);
      expect(() => accuracy(logits, targets.to('float32'))).toThrow(fl.DTypeError);
      expect(() => accuracy(fl.tensor([1, 0, 0, 2]), targets)).toThrow(/must be int32 class ids/);
      expect(accuracy(fl.zeros([0, 3]), ids([]))).toBeNaN();
    }));

  it('top-k accuracy', () =>
    fl.tidy(() => {
      const logits = fl.tensor([
        [0.1, 0.5, 0.4],
        [0.7, 0.2, 0.1],
        [0.2, 0.3, 0.5],
      ]);
      const targets = ids([2, 2, 1]);
      expect(topKAccuracy(logits, targets, 1)).toBe(0);
      expect(topKAccuracy(logits, targets, 2)).toBeCloseTo(2 / 3);
      expect(topKAccuracy(logits, targets, 3)).toBe(1);
      expect(() => topKAccuracy(logits, targets, 4)).toThrow(/k must be an integer from 1 to 3/);
      expect(topKAccuracy(fl.tensor([[1, 1, 1]]), ids([2]), 1)).toBe(1); // ties favour the target
    }));

  it('confusion matrix: int32 [C, C], rows are the true class', () =>
    fl.tidy(() => {
      const cm = confusionMatrix(ids([0, 1, 1, 2, 2, 2]), ids([0, 0, 1, 2, 1, 2]), 3);
      expect(cm.dtype).toBe('int32');
      expect(cm.toArray()).toEqual([
        [1, 1, 0],
        [0, 1, 1],
        [0, 0, 2],
      ]);
      const fromLogits = confusionMatrix(
        fl.tensor([
          [0.9, 0.1],
          [0.2, 0.8],
        ]),
        ids([1, 1]),
        2,
      );
      expect(fromLogits.toArray()).toEqual([
        [0, 0],
        [1, 1],
      ]);
      expect(confusionMatrix(ids([]), ids([]), 2).toArray()).toEqual([
        [0, 0],
        [0, 0],
      ]);
      expect(() => confusionMatrix(ids([0, 3]), ids([0, 1]), 3)).toThrow(
        /class id 3 is outside \[0, 3\)/,
      );
      expect(() => confusionMatrix(ids([0, -1]), ids([0, 1]), 3)).toThrow(fl.ShapeError);
    }));
});
