import { describe, expect, it } from 'vitest';
import { randomWord, threefry2x32 } from './random.js';

describe('threefry2x32', () => {
  it('matches the Random123 known-answer vectors (20 rounds)', () => {
    expect(threefry2x32(0, 0, 0, 0)).toEqual([0x6b200159, 0x99ba4efe]);
    expect(threefry2x32(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff)).toEqual([
      0x1cb996fc, 0xbb002be7,
    ]);
    expect(threefry2x32(0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3)).toEqual([
      0xc4923a9c, 0x483df7a0,
    ]);
  });
  it('splits a 64-bit counter into low and high words', () => {
    expect(randomWord([1, 2], 2 ** 32 + 5)).toBe(threefry2x32(1, 2, 5, 1)[0] | 0);
  });
});
