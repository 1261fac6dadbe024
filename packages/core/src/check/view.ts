/**
 * Validation of view metadata, once, in core: a tensor is a window (shape, strides, offset) on a
 * storage of `size` elements, and every element it can address must lie inside that storage.
 * Kernels trust this, so it is checked with exact integer arithmetic: every dim a non-negative
 * safe integer, every stride and the offset safe integers, the element count and the lowest and
 * highest addressed element computed without overflow. Doubles are exact below 2^53; each
 * product and sum is guarded by a division against what is left of the storage before it is
 * formed, so no intermediate is ever inexact (an inexact one could make [2^32, 2^32] count 0
 * elements, or a huge stride "fit" a 4-element buffer).
 */
import { Storage } from '../device.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { describe } from './describe.js';

const MAX = Number.MAX_SAFE_INTEGER;

export interface ViewMeta {
  shape: number[];
  strides: number[];
  offset: number;
}

/**
 * Check the arguments of the public Tensor constructor and return copies of the metadata (the
 * caller's arrays could change after the check). Throws ShapeError for metadata that does not
 * fit, ArgumentError for a storage or arrays of the wrong kind.
 */
export function checkView(
  storage: unknown,
  shape: unknown,
  strides: unknown,
  offset: unknown,
): ViewMeta {
  if (!(storage instanceof Storage))
    throw new ArgumentError(
      `new Tensor: storage must be a Storage (e.g. x.storage.retain()), got ${describe(storage)}`,
    );
  if (!storage.alive)
    throw new ArgumentError('new Tensor: the storage was freed; retain() it while it is alive');
  try {
    const sh = copyArray('shape', shape);
    const st = copyArray('strides', strides);
    const why = viewError(sh, st, offset, storage.size);
    if (why) throw new ShapeError(`new Tensor: ${why}`);
    return { shape: sh as number[], strides: st as number[], offset: offset as number };
  } catch (e) {
    // The constructor takes over the caller's reference; a view it refuses gives it back.
    storage.release();
    throw e;
  }
}

/** A copy of an array (read once: a getter or a Proxy cannot change it after the check). */
function copyArray(what: string, v: unknown): unknown[] {
  if (!Array.isArray(v))
    throw new ArgumentError(`new Tensor: ${what} must be an array of integers, got ${describe(v)}`);
  return Array.prototype.slice.call(v) as unknown[];
}

/**
 * Why the view (shape, strides, offset) cannot address a storage of `size` elements, or null
 * when every element it addresses lies inside. Allocates nothing on success: view ops call it
 * on every view they make.
 */
export function viewError(
  shape: readonly unknown[],
  strides: readonly unknown[],
  offset: unknown,
  size: number,
): string | null {
  if (strides.length !== shape.length)
    return `${viewText(shape, strides, offset)}: strides must have one entry per dimension`;
  let empty = false;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (!Number.isSafeInteger(d) || (d as number) < 0)
      return `${viewText(shape, strides, offset)}: sizes must be non-negative safe integers (< 2^53)`;
    if (!Number.isSafeInteger(strides[i]))
      return `${viewText(shape, strides, offset)}: strides must be safe integers (|s| < 2^53)`;
    if (d === 0) empty = true;
  }
  if (!Number.isSafeInteger(offset) || (offset as number) < 0)
    return `${viewText(shape, strides, offset)}: the offset must be a non-negative safe integer`;
  if (numel(shape as number[]) < 0)
    return `${viewText(shape, strides, offset)}: the element count ${shape.join('·')} exceeds 2^53 − 1`;
  // An empty view addresses nothing (torch allows any offset for it, e.g. x[3:][:, 4:]).
  if (empty) return null;
  return extentError(shape as number[], strides as number[], offset as number, size);
}

/**
 * Lowest and highest addressed element: offset − Σ(d−1)|s| over negative strides must be ≥ 0,
 * offset + Σ(d−1)s over positive ones ≤ size − 1. `below`/`above` are what is left on each side.
 */
function extentError(
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
  size: number,
): string | null {
  let below = offset;
  let above = size - 1 - offset;
  if (above < 0)
    return `${viewText(shape, strides, offset)}: the offset is past the storage's ${size} elements`;
  for (let i = 0; i < shape.length; i++) {
    const span = shape[i]! - 1;
    const s = strides[i]!;
    if (span === 0 || s === 0) continue;
    const left = s > 0 ? above : below;
    // span·|s| ≤ left ⇔ |s| ≤ ⌊left / span⌋, exact for left < 2^53: the quotient is compared,
    // and the product is formed only once it is known to be at most `left`.
    if (Math.abs(s) > Math.floor(left / span))
      return `${viewText(shape, strides, offset)}: addresses elements ${s > 0 ? 'past the end' : 'before the start'} of a storage of ${size} elements`;
    if (s > 0) above -= span * s;
    else below += span * s;
  }
  return null;
}

function viewText(shape: readonly unknown[], strides: readonly unknown[], offset: unknown): string {
  return `shape ${describe(shape)}, strides ${describe(strides)}, offset ${describe(offset)}`;
}

/** Product of the dims, or −1 when it would exceed 2^53 − 1 (0 as soon as a dim is 0). */
export function numel(shape: readonly number[]): number {
  if (shape.includes(0)) return 0;
  let n = 1;
  for (const d of shape) {
    if (d > Math.floor(MAX / n)) return -1;
    n *= d;
  }
  return n;
}
