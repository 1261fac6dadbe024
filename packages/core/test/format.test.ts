import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';

const backend = cpuBackend({ name: 'cpu-format-test' });
beforeAll(() => fl.use(backend));
afterAll(() => fl.removeBackend(backend.name));

describe('toString', () => {
  it('prints values like PyTorch, then shape, dtype and device', () => {
    expect(
      fl
        .tensor([
          [1, 2],
          [3, 4],
        ])
        .toString(),
    ).toBe(
      'tensor([[1., 2.],\n        [3., 4.]], shape=[2, 2], dtype=float32, device=cpu-format-test)',
    );
    expect(fl.tensor([1.5, -2.25], { dtype: 'float64' }).toString()).toBe(
      'tensor([ 1.5000, -2.2500], shape=[2], dtype=float64, device=cpu-format-test)',
    );
    expect(fl.tensor([true, false]).toString()).toContain('[ True, False]');
    expect(fl.tensor(7, { dtype: 'int32' }).toString()).toBe(
      'tensor(7, shape=[], dtype=int32, device=cpu-format-test)',
    );
    expect(fl.tensor([NaN, Infinity, 1]).toString()).toContain('[nan, inf,  1.]');
  });
  it('summarises large tensors', () => {
    const s = fl.arange(5000).toString();
    expect(s).toContain('[   0,    1,    2, ..., 4997, 4998, 4999]');
    expect(s.length).toBeLessThan(200);
  });
  it('marks disposed tensors', () => {
    const t = fl.ones([1]);
    t.dispose();
    expect(t.toString()).toBe('tensor(<disposed>)');
  });
});
