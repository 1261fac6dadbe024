/**
 * Threefry-2x32 with 20 rounds (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3").
 * Counter-based: the output for (key, counter) is a pure function, so every backend computes the
 * same stream from the same seed, in any order, on any number of threads.
 */
const ROT = [13, 15, 26, 6, 17, 29, 16, 24];
const PARITY = 0x1bd11bda;

function rotl(x: number, r: number): number {
  return ((x << r) | (x >>> (32 - r))) >>> 0;
}

/** Both output words (as unsigned 32-bit numbers) for key (k0, k1) and counter (c0, c1). */
export function threefry2x32(k0: number, k1: number, c0: number, c1: number): [number, number] {
  const ks = [k0 >>> 0, k1 >>> 0, (PARITY ^ k0 ^ k1) >>> 0];
  let x0 = (c0 + ks[0]!) >>> 0;
  let x1 = (c1 + ks[1]!) >>> 0;
  for (let r = 0; r < 20; r++) {
    x0 = (x0 + x1) >>> 0;
    x1 = rotl(x1, ROT[r % 8]!) ^ x0;
    if (r % 4 === 3) {
      const s = (r + 1) / 4;
      x0 = (x0 + ks[s % 3]!) >>> 0;
      x1 = (x1 + ks[(s + 1) % 3]! + s) >>> 0;
    }
  }
  return [x0 >>> 0, x1 >>> 0];
}

/** Word 0 for the 64-bit counter `n` (< 2^53), as the int32 the `randomBits` primitive stores. */
export function randomWord(key: readonly [number, number], n: number): number {
  const lo = n % 4294967296;
  const hi = Math.floor(n / 4294967296);
  return threefry2x32(key[0], key[1], lo, hi)[0] | 0;
}
