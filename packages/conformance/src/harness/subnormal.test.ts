import type { Backend, Caps } from '@flint/core/backend';
import { describe, expect, it } from 'vitest';
import { unmetNeed } from './session.js';
import { holdsSubnormal, isSubnormal32, subnormalNeeds } from './subnormal.js';

const caps: Caps = {
  dtypes: ['float32'],
  strided: true,
  maxRank: 4,
  tolerance: {},
  features: [],
};

describe('cases that need subnormal float32 arithmetic', () => {
  it('tells float32 subnormals from zeros, normals and values float32 rounds to 0', () => {
    expect(isSubnormal32(1e-40)).toBe(true);
    expect(isSubnormal32(-1e-40)).toBe(true);
    expect(isSubnormal32(2 ** -149)).toBe(true);
    expect(isSubnormal32(2 ** -126)).toBe(false);
    expect(isSubnormal32(0)).toBe(false);
    expect(isSubnormal32(-0)).toBe(false);
    expect(isSubnormal32(1e-50)).toBe(false); // rounds to 0 in float32
    expect(isSubnormal32('nan')).toBe(false);
  });

  it('finds them in nested tensor specs of either float dtype, not in int32 data', () => {
    expect(holdsSubnormal([{ dtype: 'float32', shape: [2], data: [1, 1e-40] }])).toBe(true);
    expect(holdsSubnormal({ values: { dtype: 'float64', shape: [1], data: [-1e-39] } })).toBe(true);
    expect(holdsSubnormal([{ dtype: 'float32', shape: [2], data: [1, 'nan'] }])).toBe(false);
    expect(holdsSubnormal([{ dtype: 'int32', shape: [1], data: [1e-40] }])).toBe(false);
    expect(holdsSubnormal(null)).toBe(false);
  });

  it('needs them for subnormal inputs, or subnormal results expected with a tight atol', () => {
    const sub = [{ dtype: 'float32', shape: [1], data: [1e-40] }];
    const plain = [{ dtype: 'float32', shape: [1], data: [1] }];
    expect(subnormalNeeds(sub)).toEqual({ subnormals: true });
    expect(subnormalNeeds(plain, undefined, sub)).toEqual({});
    expect(subnormalNeeds(plain, { atol: 1e-6 }, sub)).toEqual({});
    expect(subnormalNeeds(plain, { atol: 0 }, sub)).toEqual({ subnormals: true });
  });

  it('skips them, with the reason, only on a device that flushes subnormals', () => {
    const backend = { caps } as unknown as Backend;
    expect(unmetNeed({ subnormals: true }, caps, backend)).toBeNull();
    const flushing = { ...caps, flushesSubnormals: true };
    expect(unmetNeed({ subnormals: true }, flushing, backend)).toMatch(
      /caps\.flushesSubnormals: the device flushes float32 subnormals to zero/,
    );
    expect(unmetNeed({ dtypes: ['float32'] }, flushing, backend)).toBeNull();
  });
});
