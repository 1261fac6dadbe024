import { randomWord } from '@flint/core/backend';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { freshCpu, read } from '../helpers.test.util.js';
import { threefryFill } from './random.js';

const cpu = freshCpu();

describe('randomBits', () => {
  it('element i is randomWord(key, offset + i)', () => {
    const key = [0x12345678, 0x9abcdef0 | 0] as const;
    const got = read(cpu, cpu.kernels.randomBits([4, 5], key, 1000), 'int32', 20);
    expect(got).toEqual(got.map((_, i) => randomWord(key, 1000 + i)));
  });

  it('carries the counter into the high word at 2^32', () => {
    const key = [7, 11] as const;
    const offset = 2 ** 32 - 3;
    const got = read(cpu, cpu.kernels.randomBits([6], key, offset), 'int32', 6);
    expect(got).toEqual(got.map((_, i) => randomWord(key, offset + i)));
  });

  it('agrees with core for random keys and offsets', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.integer({ min: 0, max: 2 ** 53 - 100 }),
        (k0, k1, offset) => {
          const out = new Int32Array(5);
          threefryFill(out, k0, k1 | 0, offset);
          for (let i = 0; i < 5; i++) expect(out[i]).toBe(randomWord([k0, k1], offset + i));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('handles empty and 0-d shapes', () => {
    expect(cpu.kernels.randomBits([0, 3], [1, 2], 0).length).toBe(0);
    expect(read(cpu, cpu.kernels.randomBits([], [1, 2], 5), 'int32', 1)).toEqual([
      randomWord([1, 2], 5),
    ]);
  });
});
