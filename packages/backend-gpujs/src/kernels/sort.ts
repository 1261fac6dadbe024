/**
 * `sort` of the gpujs backend. float32 and bool rows sort on the device by rank counting: one
 * kernel gives each element its rank in its row (how many elements come before it: smaller ones,
 * or equal ones at a lower position — which makes the order stable with no extra pass), a second
 * inverts the permutation (output position p finds the element whose rank is p), and a third
 * picks the values. Counting was chosen over bitonic passes because it is exact for any row
 * length (no power-of-two padding with sentinels, which would have to be NaN or ±∞ — values
 * shaders are least reliable about) and runs as three fixed kernels instead of log² n passes;
 * its cost is n comparisons per element, fine for the rows models sort (logits, scores).
 * Positions stay below 2^24, so float32 carries them exactly; the int32 indices come from the
 * host cast of those positions. int32 input sorts on the host fallback (exact integers), and so
 * does everything on WebGPU (see below).
 */
import { sizeOf } from '@flint/core/backend';
import type { KView } from '@flint/core/backend';
import type { GBuf } from '../storage.js';
import type { Device } from './table.js';

type V = KView<GBuf>;

// NaN counts as the largest value; `desc` is 0 or 1. Every branch is spelt out (no && / ||)
// so the shader translation cannot reorder a NaN test.
const RANK_SRC = `function(x, xo, n, desc) {
  const i = this.thread.x;
  const j0 = i % n;
  const base = xo + i - j0;
  const v = x[base + j0];
  let vn = 0;
  if (v !== v) { vn = 1; }
  let rank = 0;
  for (let j = 0; j < n; j++) {
    const u = x[base + j];
    let un = 0;
    if (u !== u) { un = 1; }
    let first = 0;
    if (vn === 1) {
      if (un === 1) { if (j < j0) { first = 1; } } else { if (desc === 0) { first = 1; } }
    } else {
      if (un === 1) { if (desc === 1) { first = 1; } } else {
        if (desc === 0) { if (u < v) { first = 1; } } else { if (u > v) { first = 1; } }
        if (u === v) { if (j < j0) { first = 1; } }
      }
    }
    rank += first;
  }
  return rank;
}`;

/** Output position p of a row: the position j (in the row) of the element whose rank is p. */
const INVERT_SRC = `function(rank, n) {
  const i = this.thread.x;
  const p = i % n;
  const base = i - p;
  let src = 0;
  for (let j = 0; j < n; j++) {
    if (rank[base + j] === p) { src = j; }
  }
  return src;
}`;

const PICK_ROW_SRC = `function(x, xo, src, n) {
  const i = this.thread.x;
  return x[xo + i - (i % n) + src[i]];
}`;

export function sortKernel(d: Device, host: (...a: unknown[]) => unknown) {
  return (x: V, descending: boolean): readonly [GBuf, GBuf] => {
    const size = sizeOf(x.shape);
    const n = x.shape.length === 0 ? 1 : x.shape[x.shape.length - 1]!;
    // WGSL lets the compiler assume no NaN, which folds the kernel's NaN test away (measured in
    // Chromium: NaN rows came back as no permutation at all), so WebGPU sorts on the host too.
    if (x.dtype === 'int32' || size === 0 || d.s.rt.async)
      return host(x, descending) as readonly [GBuf, GBuf];
    const temps: GBuf[] = [];
    try {
      const [xd, xo] = d.flat(x, temps);
      const rank = d.out('float32', 'sortRank', RANK_SRC, size, [xd, xo, n, descending ? 1 : 0]);
      temps.push(rank);
      const src = d.out('float32', 'sortInvert', INVERT_SRC, size, [d.s.dev(rank), n]);
      temps.push(src);
      const values = d.out(x.dtype, 'sortPick', PICK_ROW_SRC, size, [xd, xo, d.s.dev(src), n]);
      // the exact int32 indices live on the host, as every int32 buffer of this backend
      const srcView: V = { buf: src, dtype: 'float32', shape: [size], strides: [1], offset: 0 };
      const indices = d.host.run([srcView], (cv) => d.host.cpu.kernels.cast(cv[0]!, 'int32'));
      return [values, indices as GBuf] as const;
    } finally {
      d.free(temps);
    }
  };
}
