/**
 * Binary element-wise kernels that read a broadcast operand in place. Core hands kernels
 * expanded views (zero strides) and caps.strided is false, so without this every `x * w` with a
 * row `w` first materialises `w` at x's size through the generic strided copy — a full extra
 * pass, and the slowest kernel of the family. The two broadcast shapes that matter (a row
 * repeated: bias, scale; a column repeated: per-row statistics) and plain contiguous data are
 * all "element i lives at offset + floor(i / q) mod p", which one kernel per primitive reads.
 */
import { sizeOf } from '@flint/core/backend';
import type { DType, KView } from '@flint/core/backend';
import type { GBuf } from '../storage.js';
import type { Device } from './table.js';

type V = KView<GBuf>;

/** Row-major strides check: dims [from, to) of `v` are contiguous, innermost stride 1. */
function rowMajor(shape: number[], strides: number[], from: number, to: number): boolean {
  let want = 1;
  for (let j = to - 1; j >= from; j--) {
    if (strides[j] !== want) return false;
    want *= shape[j]!;
  }
  return true;
}

/**
 * `[offset, q, p]` with element i of `v` at offset + floor(i / q) mod p, when `v` (size-1 dims
 * aside) is zero-stride dims then contiguous dims (q = 1), or contiguous dims then zero-stride
 * dims (p = the contiguous part's size); null for any other layout.
 */
export function affineIndex(v: V): [number, number, number] | null {
  const shape: number[] = [];
  const strides: number[] = [];
  v.shape.forEach((n, i) => {
    if (n !== 1) {
      shape.push(n);
      strides.push(v.strides[i]!);
    }
  });
  const r = shape.length;
  const zeros = strides.map((s) => s === 0);
  const lead = zeros.indexOf(false) === -1 ? r : zeros.indexOf(false);
  if (zeros.slice(lead).every((z) => !z) && rowMajor(shape, strides, lead, r))
    return [v.offset, 1, Math.max(1, sizeOf(shape.slice(lead)))];
  const tail = zeros.lastIndexOf(false) + 1;
  if (zeros.slice(0, tail).every((z) => !z) && rowMajor(shape, strides, 0, tail))
    return [
      v.offset,
      Math.max(1, sizeOf(shape.slice(tail))),
      Math.max(1, sizeOf(shape.slice(0, tail))),
    ];
  return null;
}

const X = 'x[xo + this.thread.x]';
const Y = 'y[yo + this.thread.x]';

/** The broadcast-reading variant of a binary kernel's source, or null if its form is unknown. */
export function broadcastSource(src: string): string | null {
  const head = 'function(x, xo, y, yo';
  if (!src.startsWith(head) || !src.includes(X) || !src.includes(Y)) return null;
  return src
    .replace(head, 'function(x, xo, xq, xp, y, yo, yq, yp')
    .split(X)
    .join('x[xo + Math.floor(this.thread.x / xq) % xp]')
    .split(Y)
    .join('y[yo + Math.floor(this.thread.x / yq) % yp]');
}

/**
 * Runs binary kernel `key` (source `src`; `extra` are its arguments after the operands) reading
 * broadcast operands in place; null when both are contiguous already (the plain kernel is
 * cheaper) or a layout is not of the affine form (the caller copies it, as before).
 */
export function binaryBroadcast(
  d: Device,
  key: string,
  src: string,
  out: DType,
  [a, b]: [V, V],
  extra: unknown[],
): GBuf | null {
  const ia = affineIndex(a);
  const ib = affineIndex(b);
  if (!ia || !ib) return null;
  const n = sizeOf(a.shape);
  const plain = (i: [number, number, number]) => i[1] === 1 && i[2] >= n;
  if (plain(ia) && plain(ib)) return null;
  const bsrc = broadcastSource(src);
  if (!bsrc) return null;
  return d.out(out, `${key}:broadcast`, bsrc, n, [d.data(a), ...ia, d.data(b), ...ib, ...extra]);
}
