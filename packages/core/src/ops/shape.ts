/** Joining, splitting, padding, repeating and triangular masks. */
import type { PadWidths } from '../backend/types.js';
import { ShapeError, fmtShape } from '../errors.js';
import { normDim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { tidy } from '../scope.js';
import { deviceOf, exec } from './dispatch.js';
import { arange, tensor } from './creation.js';
import { promote, where } from './elementwise.js';
import { indexSelectInRange } from './indexing.js';
import { cast } from './convert.js';

/**
 * How `pad` fills: with a constant, mirrored without the edge (`reflect`), or edge-repeated
 * (`replicate`).
 */
export type PadMode = 'constant' | 'reflect' | 'replicate';

function checkList(op: string, tensors: readonly Tensor[]): void {
  if (tensors.length === 0) throw new ShapeError(`${op}: expected a non-empty list of tensors`);
}

/**
 * Concatenate along an existing dim. Built from padding and `where`, so it needs no extra
 * primitive and its gradient comes from theirs.
 * @example
 * fl.cat([fl.ones([2, 2]), fl.zeros([1, 2])]); // shape [3, 2]
 */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  checkList('cat', tensors);
  const scalar = tensors.findIndex((t) => t.ndim === 0);
  if (scalar >= 0)
    throw new ShapeError(
      `cat: a 0-d tensor (at position ${scalar}) cannot be concatenated; use stack, or unsqueeze it first`,
    );
  // torch promotes over every input, but skips legacy 1-D empty tensors in the shape checks.
  const dtype = promote(tensors);
  const parts = tensors.filter((t) => !(t.ndim === 1 && t.size === 0));
  if (parts.length === 0) return tidy(() => cast(tensors[0]!, dtype).clone());
  const ref = parts[0]!;
  deviceOf('cat', parts);
  const axis = normDim('cat', dim, ref.ndim);
  for (const t of parts)
    if (t.ndim !== ref.ndim || t.shape.some((d, i) => i !== axis && d !== ref.shape[i]))
      throw new ShapeError(
        `cat: sizes must match except in dimension ${axis}: got ${parts.map((p) => fmtShape(p.shape)).join(', ')}`,
      );
  return tidy(() =>
    catTree(
      parts.map((t) => cast(t, dtype)),
      axis,
    ),
  );
}

/** Join halves recursively, so k parts cost O(total · log k) instead of O(total · k). */
function catTree(parts: readonly Tensor[], axis: number): Tensor {
  if (parts.length === 1) return parts[0]!;
  const mid = parts.length >> 1;
  return cat2(catTree(parts.slice(0, mid), axis), catTree(parts.slice(mid), axis), axis);
}

/** Pad both to the joint size and pick each position from its owner with `where`. */
function cat2(a: Tensor, b: Tensor, axis: number): Tensor {
  const na = a.shape[axis]!;
  const total = na + b.shape[axis]!;
  const padAxis = (t: Tensor, before: number, after: number) => {
    const widths = t.shape.map(
      (_, i) => (i === axis ? [before, after] : [0, 0]) as [number, number],
    );
    return exec('pad', [t], [widths, 0], withSize(t.shape, axis, total), t.dtype, {
      gradParams: { widths },
    });
  };
  const pos = arange(total, undefined, 1, { device: a.device }).reshape(
    a.shape.map((_, i) => (i === axis ? total : 1)),
  );
  return where(pos.lt(na), padAxis(a, 0, total - na), padAxis(b, na, 0));
}

function withSize(shape: readonly number[], axis: number, n: number): number[] {
  const s = shape.slice();
  s[axis] = n;
  return s;
}

/** Join same-shape tensors along a new dimension `dim` (torch.stack). */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  checkList('stack', tensors);
  const ref = tensors[0]!;
  for (const t of tensors)
    if (t.shape.length !== ref.shape.length || t.shape.some((d, i) => d !== ref.shape[i]))
      throw new ShapeError(
        `stack: expects each tensor to be equal size, got ${tensors.map((p) => fmtShape(p.shape)).join(', ')}`,
      );
  const axis = normDim('stack', dim, ref.ndim + 1);
  return tidy(() =>
    cat(
      tensors.map((t) => t.unsqueeze(axis)),
      axis,
    ),
  );
}

/** Views of consecutive pieces of `size` (or the given sizes) along dim. */
export function split(x: Tensor, sizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  if (x.ndim === 0)
    throw new ShapeError('split: expects a tensor of at least 1 dimension, got a 0-d one');
  const axis = normDim('split', dim, x.ndim);
  const n = x.shape[axis]!;
  let sizes: number[];
  if (typeof sizeOrSections === 'number') {
    if (!Number.isInteger(sizeOrSections) || sizeOrSections <= 0)
      throw new ShapeError(`split: split size must be a positive integer, got ${sizeOrSections}`);
    sizes = [];
    for (let s = 0; s < n; s += sizeOrSections) sizes.push(Math.min(sizeOrSections, n - s));
    if (n === 0) sizes = [0];
  } else {
    sizes = sizeOrSections.slice();
    if (sizes.reduce((a, b) => a + b, 0) !== n || sizes.some((s) => s < 0))
      throw new ShapeError(
        `split: sizes ${fmtShape(sizes)} must be non-negative and sum to ${n} (dimension ${axis} of ${fmtShape(x.shape)})`,
      );
  }
  let start = 0;
  return sizes.map((s) => {
    const v = x.narrow(axis, start, s);
    start += s;
    return v;
  });
}

/**
 * Split into at most `chunks` views of equal size along `dim` (the last may be smaller), as
 * torch.chunk.
 */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0)
    throw new ShapeError(`chunk: chunks must be a positive integer, got ${chunks}`);
  if (x.ndim === 0)
    throw new ShapeError('chunk: expects a tensor of at least 1 dimension, got a 0-d one');
  const axis = normDim('chunk', dim, x.ndim);
  const n = x.shape[axis]!;
  // An empty dim still gives `chunks` (empty) pieces, as torch; otherwise pieces of ⌈n/chunks⌉.
  if (n === 0) return Array.from({ length: chunks }, () => x.narrow(axis, 0, 0));
  return split(x, Math.ceil(n / chunks), axis);
}

/**
 * Pad with torch's F.pad convention: `pad` lists (before, after) pairs starting from the last dim.
 * Negative padding crops. torch's rules on what must stay non-empty hold (see checkPadded).
 */
export function pad(
  x: Tensor,
  padding: readonly number[],
  mode: PadMode = 'constant',
  value = 0,
): Tensor {
  if (
    padding.length % 2 !== 0 ||
    padding.length / 2 > x.ndim ||
    padding.some((p) => !Number.isInteger(p))
  )
    throw new ShapeError(
      `pad: padding ${fmtShape(padding)} must hold integer pairs for at most ${x.ndim} dims (input ${fmtShape(x.shape)})`,
    );
  const widths: [number, number][] = x.shape.map(() => [0, 0]);
  for (let k = 0; k < padding.length / 2; k++)
    widths[x.ndim - 1 - k] = [padding[2 * k]!, padding[2 * k + 1]!];
  checkPadded(x, padding, widths, mode);
  if (mode === 'constant') return padConstant(x, widths, value);
  return tidy(() => {
    let r = x;
    widths.forEach(([b, a], axis) => {
      if (b === 0 && a === 0) return;
      const n = x.shape[axis]!;
      if (mode === 'reflect' && (b >= n || a >= n))
        throw new ShapeError(
          `pad: reflect padding (${b}, ${a}) must be smaller than dimension ${axis} of size ${n} (input ${fmtShape(x.shape)})`,
        );
      // padIndices are in range by construction: no range check (it would read the index)
      r = indexSelectInRange(
        r,
        axis,
        tensor(padIndices(n, b, a, mode), { dtype: 'int32', device: x.device }),
      );
    });
    return r === x ? x.clone() : r;
  });
}

/**
 * What torch 1.13 requires of the sizes, before any padding is done. Constant mode: negative
 * padding may remove at most the elements a dim has, and when any padding is positive, every
 * padded dim (the last padding.length / 2) keeps at least one element. Reflect and replicate:
 * the padded dims and the channel dim before them are non-empty (dims before the channel are
 * batch dims and may be empty — and so may an unbatched reflect's channel dim over one or two
 * padded dims, as torch's kernels allow), and every padded dim keeps at least one element.
 */
function checkPadded(
  x: Tensor,
  padding: readonly number[],
  widths: readonly [number, number][],
  mode: PadMode,
): void {
  const first = x.ndim - padding.length / 2;
  const ctx = `(padding ${fmtShape(padding)}, input ${fmtShape(x.shape)})`;
  if (mode === 'constant') {
    // Constant padding crops with narrow, which cannot take more than there is (reflect and
    // replicate index past the end instead, so only their output size matters).
    for (let i = first; i < x.ndim; i++) {
      const [b, a] = widths[i]!;
      const n = x.shape[i]!;
      if (n + Math.min(b, 0) + Math.min(a, 0) < 0)
        throw new ShapeError(
          `pad: negative padding (${b}, ${a}) removes more than the ${n} elements of dimension ${i} ${ctx}`,
        );
    }
  } else checkNonEmpty(x, padding.length / 2, mode, ctx);
  if (mode === 'constant' && !padding.some((p) => p > 0)) return;
  for (let i = first; i < x.ndim; i++) {
    const size = x.shape[i]! + widths[i]![0] + widths[i]![1];
    if (size < 1)
      throw new ShapeError(
        `pad: dimension ${i} would have size ${size}; ${mode === 'constant' ? 'with positive padding elsewhere every padded dimension' : `${mode} padding`} must leave it at least 1 element ${ctx}`,
      );
  }
}

/** Reflect and replicate: the padded dims and the channel dim before them hold elements. */
function checkNonEmpty(x: Tensor, k: number, mode: PadMode, ctx: string): void {
  const channel = x.ndim - k - 1;
  const emptyChannelOk = mode === 'reflect' && k <= 2 && x.ndim === k + 1;
  for (let i = Math.max(channel, 0); i < x.ndim; i++)
    if (x.shape[i] === 0 && !(i === channel && emptyChannelOk))
      throw new ShapeError(
        `pad: ${mode} padding needs non-empty padded and channel dimensions (only leading batch dimensions may be empty), got dimension ${i} of size 0 ${ctx}`,
      );
}

/** Source index of each output position: reflected or clamped; negative widths crop. */
function padIndices(
  n: number,
  before: number,
  after: number,
  mode: 'reflect' | 'replicate',
): number[] {
  const idx: number[] = [];
  for (let i = -before; i < n + after; i++) {
    if (mode === 'replicate') idx.push(Math.min(n - 1, Math.max(0, i)));
    else idx.push(i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i);
  }
  return idx;
}

function padConstant(x: Tensor, widths: [number, number][], value: number): Tensor {
  return tidy(() => {
    let r = x;
    // Negative widths crop first; the primitive only grows.
    widths.forEach(([b, a], axis) => {
      if (b < 0 || a < 0)
        r = r.narrow(axis, Math.max(0, -b), r.shape[axis]! - Math.max(0, -b) - Math.max(0, -a));
    });
    const grow: PadWidths = widths.map(([b, a]) => [Math.max(0, b), Math.max(0, a)] as const);
    const shape = r.shape.map((d, i) => d + grow[i]![0] + grow[i]![1]);
    return exec('pad', [r], [grow, value], shape, r.dtype, { gradParams: { widths: grow } });
  });
}

/**
 * Repeat the whole tensor `sizes[i]` times along each dim (torch.Tensor.repeat). Like torch it
 * returns a new contiguous tensor, never a (stride-0) view of x.
 */
export function repeat(x: Tensor, sizes: readonly number[]): Tensor {
  if (sizes.length < x.ndim)
    throw new ShapeError(
      `repeat: number of repeat dims (${sizes.length}) can not be smaller than the tensor rank (${x.ndim})`,
    );
  return tidy(() => {
    const lead = sizes.length - x.ndim;
    const base = x.reshape([...new Array<number>(lead).fill(1), ...x.shape]);
    const interleaved = base.shape.flatMap((d) => [1, d]);
    const expanded = base.reshape(interleaved).expand(base.shape.flatMap((d, i) => [sizes[i]!, d]));
    return expanded.clone().reshape(base.shape.map((d, i) => d * sizes[i]!));
  });
}

/**
 * Repeat along each dim as torch.tile: like `repeat`, with fewer `dims` than dims padded with
 * leading 1s.
 */
export function tile(x: Tensor, dims: readonly number[]): Tensor {
  const full =
    dims.length < x.ndim ? [...new Array<number>(x.ndim - dims.length).fill(1), ...dims] : dims;
  return repeat(x, full);
}

function triangle(op: string, x: Tensor, diagonal: number, lower: boolean): Tensor {
  if (x.ndim < 2)
    throw new ShapeError(`${op}: input must have at least 2 dimensions, got ${fmtShape(x.shape)}`);
  const [r, c] = x.shape.slice(-2) as [number, number];
  return tidy(() => {
    const rows = arange(r, undefined, 1, { device: x.device }).reshape([r, 1]);
    const cols = arange(c, undefined, 1, { device: x.device }).reshape([1, c]);
    const d = cols.sub(rows);
    const keep = lower ? d.le(diagonal) : d.ge(diagonal);
    return cast(where(keep, x, 0), x.dtype);
  });
}
/**
 * Copy keeping the lower triangle (on and below `diagonal`) of the last two dims, zeros elsewhere.
 */
export const tril = (x: Tensor, diagonal = 0) => triangle('tril', x, diagonal, true);
/**
 * Copy keeping the upper triangle (on and above `diagonal`) of the last two dims, zeros elsewhere.
 */
export const triu = (x: Tensor, diagonal = 0) => triangle('triu', x, diagonal, false);
