/** Readable tensors: console.log/inspect, print(), JSON, and the float-labels hint of crossEntropy. */
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';

const backend = cpuBackend({ name: 'cpu-show' });
beforeAll(() => fl.use(backend));
afterAll(() => fl.removeBackend(backend.name));

describe('showing a tensor', () => {
  it('util.inspect (console.log) shows String(t), also nested in objects', () => {
    const t = fl.tensor([
      [1, 2],
      [3, 4.5],
    ]);
    expect(inspect(t)).toBe(String(t));
    expect(inspect({ w: t })).toContain('tensor([[1.0000, 2.0000]');
    expect(inspect(t)).not.toContain('_strides');
    t.dispose();
    expect(inspect(t)).toBe('tensor(<disposed>)');
  });

  it('print() logs String(t) once, as tfjs does', () => {
    const t = fl.arange(3);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      t.print();
      expect(log).toHaveBeenCalledTimes(1);
      expect(log).toHaveBeenCalledWith(String(t));
    } finally {
      log.mockRestore();
      t.dispose();
    }
  });

  it('JSON.stringify writes dtype, shape and nested values', () => {
    const t = fl.tensor([[true], [false]]);
    const x = fl.tensor([1.5, -2], { dtype: 'float64' });
    expect(JSON.parse(JSON.stringify({ t, x }))).toEqual({
      t: { dtype: 'bool', shape: [2, 1], data: [[true], [false]] },
      x: { dtype: 'float64', shape: [2], data: [1.5, -2] },
    });
    expect(JSON.stringify([fl.tensor(7, { dtype: 'int32' })])).toBe(
      '[{"dtype":"int32","shape":[],"data":7}]',
    );
    fl.dispose([t, x]);
  });
});

describe('crossEntropy with float labels', () => {
  it('a float target shaped like class indices says to use int32 labels and how', () => {
    const logits = fl.zeros([4, 3]);
    const labels = fl.tensor([0, 2, 1, 1]);
    const f = () => fl.nn.functional.crossEntropy(logits, labels);
    expect(f).toThrow(fl.DTypeError);
    expect(f).toThrow(
      /target \[4\] float32 looks like class indices, which must be int32: convert the labels with target\.int\(\)/,
    );
    expect(fl.nn.functional.crossEntropy(logits, labels.int()).item()).toBeCloseTo(Math.log(3), 6);
    // A float target of the input's shape is a valid probability target.
    const probs = fl.full([4, 3], 1 / 3);
    expect(fl.nn.functional.crossEntropy(logits, probs).item()).toBeCloseTo(Math.log(3), 6);
    expect(() => fl.nn.functional.crossEntropy(logits, fl.zeros([4, 2]))).toThrow(
      'crossEntropy: target shape [4,2] must match input shape [4,3]',
    );
    fl.dispose([logits, labels, probs]);
  });
});
