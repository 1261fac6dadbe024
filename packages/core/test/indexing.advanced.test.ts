/**
 * Internals of advanced indexing (ops/advanced.ts), masks (ops/nonzero.ts) and einsum: the
 * placement rule of broadcast index dims, last-write-wins without accumulate, and the async
 * forms. Values against PyTorch are in the conformance suite (ops/indexing/*).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import { asyncOnly } from './async-device.js';

const backend = cpuBackend({ name: 'cpu-advanced-index-test' });
beforeAll(() => fl.use(backend));
afterAll(() => fl.removeBackend(backend.name));

const i32 = (d: number[] | number[][]) => fl.tensor(d, { dtype: 'int32' });

describe('advanced indexing', () => {
  it('places broadcast dims as torch does', () => {
    const x = fl.arange(24).reshape([2, 3, 4]);
    expect(x.index(0, ':', [0, 1]).shape).toEqual([3, 2]);
    expect(x.index([0, 1], ':', [0, 1]).shape).toEqual([2, 3]);
    expect(x.index(':', [0, 1], [1, 2]).shape).toEqual([2, 2]);
    expect(x.index(':', [[0], [1]], [1, 2]).shape).toEqual([2, 2, 2]);
    expect(x.index(null, [0, 1]).shape).toEqual([1, 2, 3, 4]);
    expect(x.index(':', null, [0, 1]).shape).toEqual([2, 1, 2, 4]);
    expect(x.index(fl.tensor(true)).shape).toEqual([1, 2, 3, 4]);
    expect(x.index(fl.tensor(false)).shape).toEqual([0, 2, 3, 4]);
    expect(x.index(1, [0, 2], '1:3').toArray()).toEqual([
      [13, 14],
      [21, 22],
    ]);
    expect(x.index(':', [-1, 0], -1).toArray()).toEqual([
      [11, 3],
      [23, 15],
    ]);
  });
  it('selects with masks', () => {
    const x = fl.arange(24).reshape([2, 3, 4]);
    expect(x.index(x.gt(5)).shape).toEqual([18]);
    expect(x.index(x.index(':', ':', 0).gt(5)).shape).toEqual([4, 4]);
    expect(x.index(':', [true, false, true]).shape).toEqual([2, 2, 4]);
    expect(() => x.index([true, false, true])).toThrow(/shape of the mask \[3\]/);
  });
  it('refuses out-of-range indices naming the dim', () => {
    const x = fl.zeros([2, 3]);
    expect(() => x.index(':', [5])).toThrow(/index 5 is out of bounds for dimension 1 with size 3/);
    expect(() => x.index([-3])).toThrow(fl.ShapeError);
    expect(() => x.index([0.5])).toThrow(fl.ArgumentError);
    expect(() => x.index(fl.tensor([0]))).toThrow(fl.DTypeError);
    expect(() => x.index([0, 1], [0, 1, 2])).toThrow(/broadcast/);
  });
  it('accumulates gradients of duplicates', () => {
    const x = fl.tensor([1, 2, 3], { requiresGrad: true });
    x.index([0, 0, 2]).sum().backward();
    expect(x.grad!.toArray()).toEqual([2, 0, 1]);
  });
  it('writes with set and indexPut', () => {
    const x = fl.zeros([3, 2]);
    x.set([[0, 2]], 5);
    expect(x.toArray()).toEqual([
      [5, 5],
      [0, 0],
      [5, 5],
    ]);
    x.set(x.lt(1), fl.tensor(7));
    expect(x.toArray()).toEqual([
      [5, 5],
      [7, 7],
      [5, 5],
    ]);
    const y = fl.zeros([4]);
    y.set([[1, 1, 3]], fl.tensor([1, 2, 3]));
    expect(y.toArray()).toEqual([0, 2, 0, 3]);
    y.indexPut_([i32([1, 1])], fl.tensor([1, 2]), true);
    expect(y.toArray()).toEqual([0, 5, 0, 3]);
    const z = fl.zeros([4]);
    const v = z.index('1:');
    v.set([[0, 2]], 1);
    expect(z.toArray()).toEqual([0, 1, 0, 1]);
  });
  it('differentiates through set', () => {
    const w = fl.tensor([1, 2, 3], { requiresGrad: true });
    const v = fl.tensor([10, 20], { requiresGrad: true });
    const y = w.mul(1);
    y.set([[0, 2]], v);
    y.mul(fl.tensor([1, 2, 3]))
      .sum()
      .backward();
    expect(w.grad!.toArray()).toEqual([0, 2, 0]);
    expect(v.grad!.toArray()).toEqual([1, 3]);
  });
});

describe('masks', () => {
  it('nonzero, argwhere, maskedSelect', () => {
    const x = fl.tensor([
      [0, 1],
      [2, 0],
    ]);
    expect(x.nonzero().toArray()).toEqual([
      [0, 1],
      [1, 0],
    ]);
    expect(x.nonzero({ asTuple: true }).map((t) => t.toArray())).toEqual([
      [0, 1],
      [1, 0],
    ]);
    expect(fl.tensor(5).nonzero().shape).toEqual([1, 0]);
    expect(fl.argwhere(x).dtype).toBe('int32');
    expect(
      fl
        .maskedSelect(
          fl.tensor([
            [1, 2],
            [3, 4],
          ]),
          fl.tensor([true, false]),
        )
        .toArray(),
    ).toEqual([1, 3]);
    expect(
      fl
        .tensor([1, 2, 3])
        .maskedFill_(fl.tensor([true, false, true]), 9)
        .toArray(),
    ).toEqual([9, 2, 9]);
    expect(() => fl.tensor([1, 2]).maskedFill(fl.tensor([true, false]), fl.tensor([1, 2]))).toThrow(
      fl.ShapeError,
    );
  });
  it('async forms', async () => {
    const x = fl.tensor([
      [0, 1],
      [2, 0],
    ]);
    expect((await x.nonzeroAsync()).toArray()).toEqual([
      [0, 1],
      [1, 0],
    ]);
    expect((await x.maskedSelectAsync(x.gt(0))).toArray()).toEqual([1, 2]);
  });
});

describe('einsum', () => {
  it('matches matmul, trace, outer, sums', () => {
    const a = fl.arange(6).reshape([2, 3]);
    const b = fl.arange(12).reshape([3, 4]);
    expect(fl.einsum('ij,jk->ik', a, b).toArray()).toEqual(a.matmul(b).toArray());
    expect(fl.einsum('ij,jk', a, b).toArray()).toEqual(a.matmul(b).toArray());
    expect(fl.einsum('ii', fl.eye(3)).item()).toBe(3);
    expect(fl.einsum('ii->i', fl.arange(9).reshape([3, 3])).toArray()).toEqual([0, 4, 8]);
    expect(fl.einsum('i,j->ij', fl.arange(2), fl.arange(3)).shape).toEqual([2, 3]);
    expect(fl.einsum('ij->', a).item()).toBe(15);
    expect(fl.einsum('ba', a).shape).toEqual([3, 2]);
    expect(fl.einsum('...ij->...ji', fl.zeros([4, 2, 3])).shape).toEqual([4, 3, 2]);
    expect(fl.einsum('...i,...i->...', fl.zeros([2, 1, 3]), fl.zeros([4, 3])).shape).toEqual([
      2, 4,
    ]);
    expect(fl.einsum('bij,bjk->bik', fl.ones([2, 3, 4]), fl.ones([2, 4, 5])).shape).toEqual([
      2, 3, 5,
    ]);
    expect(fl.einsum('i,->i', fl.arange(3), fl.tensor(2, { dtype: 'int32' })).toArray()).toEqual([
      0, 2, 4,
    ]);
  });
  it('refuses bad equations', () => {
    const a = fl.zeros([2, 3]);
    expect(() => fl.einsum('ij,jk', a, fl.zeros([4, 2]))).toThrow(/subscript j has size 4/);
    expect(() => fl.einsum('i1', a)).toThrow(fl.ArgumentError);
    expect(() => fl.einsum('i', a)).toThrow(/operand 0 has 2 dims/);
    expect(() => fl.einsum('i->ii', fl.zeros([3]))).toThrow(/more than once/);
    expect(() => fl.einsum('ij,jk', a)).toThrow(/2 input term/);
  });
});

describe('on a device without synchronous read-back', () => {
  const dev = asyncOnly(cpuBackend({ name: 'cpu-advanced-index-async' }));
  beforeAll(() => fl.register(dev));
  afterAll(() => fl.removeBackend(dev.name));
  const on = { device: dev.name };

  it('writes without reading: distinct indices exact, duplicates summed', async () => {
    const x = fl.zeros([4], on);
    x.set([[3, 0]], fl.tensor([1, 2], on));
    expect(Array.from(await x.data())).toEqual([2, 0, 0, 1]);
    x.set([[1, 1]], fl.tensor([5, 6], on));
    expect(Array.from(await x.data())).toEqual([2, 11, 0, 1]);
  });
  it('reports an out-of-range index at the next read', async () => {
    const y = fl.zeros([3], on).index([0, 7]);
    await expect(y.data()).rejects.toThrow(/index 7 is out of bounds for dimension 0 with size 3/);
  });
  it('refuses masks synchronously, naming the async form', async () => {
    const x = fl.tensor([1, 2, 3], on);
    const m = fl.tensor([true, false, true], on);
    expect(() => x.index(m)).toThrow(/nonzeroAsync/);
    expect(Array.from(await (await x.maskedSelectAsync(m)).data())).toEqual([1, 3]);
  });
});
