import { describe, expect, it } from 'vitest';
import { ShapeError } from './errors.js';
import { broadcastShapes, contiguousStrides, isContiguous, normDim, normDims } from './shape.js';

describe('shape helpers', () => {
  it('broadcasts like NumPy', () => {
    expect(broadcastShapes('op', [3, 1], [4])).toEqual([3, 4]);
    expect(broadcastShapes('op', [], [2, 3])).toEqual([2, 3]);
    expect(broadcastShapes('op', [0, 1], [1, 5])).toEqual([0, 5]);
    expect(() => broadcastShapes('add', [2, 3], [4, 5])).toThrow(
      /add: shapes \[2,3\] and \[4,5\] cannot be broadcast/,
    );
  });
  it('normalises negative dims and rejects out-of-range ones', () => {
    expect(normDim('op', -1, 3)).toBe(2);
    expect(() => normDim('sum', 3, 3)).toThrow(ShapeError);
    expect(normDims('op', [-1, 0], 3)).toEqual([0, 2]);
    expect(() => normDims('op', [1, -2], 3)).toThrow(/repeats/);
  });
  it('computes row-major strides', () => {
    expect(contiguousStrides([2, 3, 4])).toEqual([12, 4, 1]);
    expect(isContiguous([2, 1, 3], [3, 99, 1])).toBe(true);
    expect(isContiguous([2, 3], [1, 2])).toBe(false);
  });
});
