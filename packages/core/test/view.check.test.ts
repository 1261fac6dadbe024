/**
 * View metadata validation (check/view.ts) against an exact BigInt oracle, with values near the
 * edges where double or int64 arithmetic goes wrong: 2^31, 2^53, 2^63, 2^64, negatives,
 * fractions, NaN, ±Infinity. And the public Tensor constructor: a view it accepts reads exactly
 * the storage elements its metadata names; one it refuses is a typed error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import { numel, viewError } from '../src/check/view.js';

const backend = cpuBackend({ name: 'cpu-view-check' });
beforeAll(() => fl.use(backend));
afterAll(() => fl.removeBackend(backend.name));

const MAX = BigInt(Number.MAX_SAFE_INTEGER);
const EDGES = [
  0,
  1,
  2,
  3,
  4,
  -1,
  -2,
  -3,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 31 + 1,
  2 ** 32,
  -(2 ** 31),
  2 ** 53 - 1,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53 - 1),
  2 ** 63,
  -(2 ** 63),
  2 ** 64,
  0.5,
  1.5,
  -0.5,
  NaN,
  Infinity,
  -Infinity,
  274178,
  67280421310721,
];
const value = fc.oneof(fc.constantFrom(...EDGES), fc.integer({ min: -6, max: 6 }));
const meta = fc.record({
  shape: fc.array(value, { maxLength: 4 }),
  strides: fc.array(value, { maxLength: 4 }),
  offset: value,
  size: fc.oneof(fc.integer({ min: 0, max: 64 }), fc.constantFrom(2 ** 31, 2 ** 53 - 1)),
});

/** Whether the view addresses only elements 0 … size − 1, in exact integer arithmetic. */
function fits(shape: number[], strides: number[], offset: number, size: number): boolean {
  if (strides.length !== shape.length) return false;
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) return false;
  if (!strides.every((s) => Number.isSafeInteger(s))) return false;
  if (!Number.isSafeInteger(offset) || offset < 0) return false;
  if (shape.reduce((n, d) => n * BigInt(d), 1n) > MAX) return false;
  if (shape.includes(0)) return true;
  let lo = BigInt(offset);
  let hi = BigInt(offset);
  shape.forEach((d, i) => {
    const span = BigInt(d - 1) * BigInt(strides[i]!);
    if (span > 0n) hi += span;
    else lo += span;
  });
  return lo >= 0n && hi <= BigInt(size) - 1n;
}

describe('viewError agrees with exact arithmetic', () => {
  it('on random metadata near 2^31, 2^53, 2^63, 2^64 and non-integers', () => {
    fc.assert(
      fc.property(meta, ({ shape, strides, offset, size }) => {
        expect(viewError(shape, strides, offset, size) === null).toBe(
          fits(shape, strides, offset, size),
        );
      }),
      { numRuns: 5000 },
    );
  });

  it('on shapes whose strides match (the common case), including huge ones', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 4 }), value, (shape, offset) => {
        const strides = shape.map(() => 1);
        expect(viewError(shape, strides, offset, 64) === null).toBe(
          fits(shape, strides, offset, 64),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('[2^32, 2^32] does not count 0 elements; a stride of 2^44 does not fit 4 elements', () => {
    expect(numel([2 ** 32, 2 ** 32])).toBe(-1);
    expect(viewError([2 ** 32, 2 ** 32], [0, 0], 0, 1)).toMatch(/exceeds 2\^53/);
    expect(viewError([274178], [67280421310721], 0, 4)).toMatch(/past the end/);
    expect(viewError([3], [-1], 1, 4)).toMatch(/before the start/);
    expect(viewError([3], [-1], 2, 4)).toBeNull();
    expect(viewError([0, 5], [1, 2 ** 52], 2 ** 40, 4)).toBeNull(); // empty: addresses nothing
  });
});

describe('new fl.Tensor(storage, shape, strides, offset)', () => {
  it('accepts exactly the views that fit, and reads what they name', () => {
    const base = fl.arange(0, 24, 1, { dtype: 'float32' });
    const data = Array.from(base.dataSync());
    fc.assert(
      fc.property(meta, ({ shape, strides, offset }) => {
        const ok = fits(shape, strides, offset, 24);
        let view: fl.Tensor | undefined;
        try {
          view = new fl.Tensor(base.storage.retain(), shape, strides, offset);
        } catch (e) {
          expect(ok).toBe(false);
          expect(e).toBeInstanceOf(fl.FlintError);
          expect((e as Error).message).toMatch(/^new Tensor: /);
          return;
        }
        expect(ok).toBe(true);
        try {
          // A stride-0 view may name 2^53 elements of a 24-element storage: read small ones.
          if (view.numel() <= 4096) {
            const got = Array.from(view.contiguous().dataSync());
            expect(got).toEqual(expected(data, shape, strides, offset));
          }
        } finally {
          view.dispose();
        }
      }),
      { numRuns: 3000 },
    );
    base.dispose();
  });

  it('copies its arrays: changing them afterwards changes nothing', () => {
    const base = fl.tensor([1, 2, 3, 4]);
    const shape = [2];
    const strides = [1];
    const v = new fl.Tensor(base.storage.retain(), shape, strides, 2);
    shape[0] = 274178;
    strides[0] = 67280421310721;
    expect(v.toArray()).toEqual([3, 4]);
  });

  it('refuses a storage that is not one, and gives a refused reference back', () => {
    const base = fl.tensor([1, 2, 3, 4]);
    const bytes = fl.memory().bytes;
    expect(() => new fl.Tensor({} as never, [1], [1], 0)).toThrow(fl.ArgumentError);
    expect(() => new fl.Tensor(base.storage.retain(), [5], [1], 0)).toThrow(fl.ShapeError);
    base.dispose();
    expect(fl.memory().bytes).toBe(bytes - 16); // the refused retain() did not keep the buffer
  });
});

/** The elements a view names, in row-major order. */
function expected(data: number[], shape: number[], strides: number[], offset: number): number[] {
  const out: number[] = [];
  const visit = (d: number, at: number) => {
    if (d === shape.length) return void out.push(data[at]!);
    for (let i = 0; i < shape[d]!; i++) visit(d + 1, at + i * strides[d]!);
  };
  if (!shape.includes(0)) visit(0, offset);
  return out;
}
