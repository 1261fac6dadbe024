/**
 * `randomBits`: element i is word 0 of Threefry-2x32-20 for key `key` and 64-bit counter
 * `offset + i`. This is core's `randomWord` unrolled into one loop (no per-element arrays),
 * kept bit-identical to it by the tests, so every backend draws the same stream.
 */
import { sizeOf } from '@flint/core/backend';
import type { KernelSignatures, TypedArray } from '@flint/core/backend';
import type { Alloc } from '../types.js';

const PARITY = 0x1bd11bda;
const TWO32 = 4294967296;

/** Fill `out` with threefry words for counters offset, offset+1, … (all arithmetic mod 2^32). */
// prettier-ignore
export function threefryFill(out: Int32Array, k0: number, k1: number, offset: number): void {
  const ks = new Int32Array([k0, k1, PARITY ^ k0 ^ k1]);
  let lo = offset % TWO32;
  let hi = Math.floor(offset / TWO32);
  for (let i = 0; i < out.length; i++) {
    let x0 = (lo + ks[0]!) | 0;
    let x1 = (hi + ks[1]!) | 0;
    for (let s = 1; s <= 5; s++) {
      // Rotation constants alternate between two sets of four, one set per 4-round group.
      const odd = (s & 1) === 0;
      const r0 = odd ? 17 : 13, r1 = odd ? 29 : 15, r2 = odd ? 16 : 26, r3 = odd ? 24 : 6;
      x0 = (x0 + x1) | 0; x1 = ((x1 << r0) | (x1 >>> (32 - r0))) ^ x0;
      x0 = (x0 + x1) | 0; x1 = ((x1 << r1) | (x1 >>> (32 - r1))) ^ x0;
      x0 = (x0 + x1) | 0; x1 = ((x1 << r2) | (x1 >>> (32 - r2))) ^ x0;
      x0 = (x0 + x1) | 0; x1 = ((x1 << r3) | (x1 >>> (32 - r3))) ^ x0;
      x0 = (x0 + ks[s % 3]!) | 0;
      x1 = (x1 + ks[(s + 1) % 3]! + s) | 0;
    }
    out[i] = x0;
    if (++lo === TWO32) {
      lo = 0;
      hi++;
    }
  }
}

export const randomBitsKernel =
  (alloc: Alloc): KernelSignatures<TypedArray>['randomBits'] =>
  (shape, key, offset) => {
    const out = alloc('int32', sizeOf(shape)) as Int32Array;
    threefryFill(out, key[0] | 0, key[1] | 0, offset);
    return out;
  };
