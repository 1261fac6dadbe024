import { describe, expect, it } from 'vitest';
import { coerce, resultType } from './dtype.js';

describe('resultType (torch.result_type rules)', () => {
  it('widens within a category and lifts to the higher category', () => {
    expect(resultType(['int32', 'float32'])).toBe('float32');
    expect(resultType(['float32', 'float64'])).toBe('float64');
    expect(resultType(['bool', 'int32'])).toBe('int32');
    expect(resultType(['bool', 'bool'])).toBe('bool');
  });
  it('does not let JS numbers widen a tensor inside its category', () => {
    expect(resultType(['int32'], [], [1])).toBe('int32');
    expect(resultType(['int32'], [], [1.5])).toBe('float32');
    expect(resultType(['float64'], [], [1.5])).toBe('float64');
    expect(resultType(['bool'], [], [2])).toBe('int32');
    expect(resultType(['bool'], [], [true])).toBe('bool');
  });
  it('gives dimensioned tensors precedence over zero-dim ones in the same category', () => {
    expect(resultType(['float32'], ['float64'])).toBe('float32');
    expect(resultType(['int32'], ['float64'])).toBe('float64');
  });
});

describe('coerce', () => {
  it('stores like the dtype does', () => {
    expect(coerce(1.7, 'int32')).toBe(1);
    expect(coerce(-1.7, 'int32')).toBe(-1);
    expect(coerce(NaN, 'int32')).toBe(0);
    expect(coerce(NaN, 'bool')).toBe(1);
    expect(coerce(0.1, 'float32')).toBe(Math.fround(0.1));
  });
});
