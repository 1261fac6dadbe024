/**
 * Sorting and selection: sort, argsort, topk, kthvalue, median, msort and randperm, all built on
 * the one `sort` primitive (a stable sort of the last axis that returns values and int32
 * indices). The sorted dim is swapped last for the kernel and back afterwards; gradients reach
 * the input through the primitive's rule (a scatter by the indices) and the narrows and gathers
 * that select from its result.
 */
import { DTypeError, GradError, ShapeError, fmtShape } from '../errors.js';
import type { DType } from '../dtype.js';
import { normDim } from '../shape.js';
import { Tensor } from '../tensor.js';
import { tidy } from '../scope.js';
import { noGrad } from '../autograd/mode.js';
import { GRADS } from '../autograd/rules.js';
import { execOverride } from './dispatch.js';
import { cast } from './convert.js';
import { where } from './elementwise.js';
import { gatherInRange } from './indexing.js';
import { full, randomWords, type CreateOptions } from './creation.js';
import type { ValuesIndices } from './reduce.js';

/** Options of `sort` and `argsort` (torch's keyword arguments). */
export interface SortOptions {
  /** The dim to sort along; the last by default. */
  dim?: number;
  /** Largest first (default false: smallest first). */
  descending?: boolean;
  /**
   * Accepted for PyTorch compatibility: Flint's sort is always stable (equal elements keep
   * their order), which `stable: false` allows too.
   */
  stable?: boolean;
}

/** Options of `topk`. */
export interface TopkOptions {
  /** The dim to select along; the last by default. */
  dim?: number;
  /** The k largest (default true) or the k smallest. */
  largest?: boolean;
  /** Accepted for PyTorch compatibility: the result is always sorted (largest first, or smallest). */
  sorted?: boolean;
}

/** Options of `kthvalue` and `median` along a dim. */
export interface SelectOptions {
  /** The dim to select along (`kthvalue`: the last by default). */
  dim?: number;
  /** Keep the dim with size 1 (default false), as in PyTorch. */
  keepdim?: boolean;
}

const isOptions = <T extends object>(v: number | T | null | undefined): v is T =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Tensor);

/** The stable sort of `x` along `axis` of a rank ≥ 1 tensor, by the primitive. */
function sortAlong(x: Tensor, axis: number, descending: boolean): ValuesIndices {
  const last = x.ndim - 1;
  const moved = axis === last ? x : x.transpose(axis, last);
  const shape = moved.shape;
  const [values, indices] = execOverride(
    'sort',
    (v) => x.storage.backend.kernels.sort(v[0]!, descending),
    GRADS.sort!,
    [moved],
    [
      { shape, dtype: x.dtype },
      { shape, dtype: 'int32' },
    ],
  ) as [Tensor, Tensor];
  if (axis === last) return { values, indices };
  return { values: values.transpose(axis, last), indices: indices.transpose(axis, last) };
}

/** Sort along `dim` of any rank (a 0-d tensor sorts as one element). */
function sortDim(op: string, x: Tensor, dim: number, descending: boolean): ValuesIndices {
  const axis = normDim(op, dim, x.ndim);
  if (x.ndim > 0) return sortAlong(x, axis, descending);
  const r = sortAlong(x.reshape([1]), 0, descending);
  return { values: r.values.reshape([]), indices: r.indices.reshape([]) };
}

function sortArgs(dim: number | SortOptions | undefined, descending: boolean | undefined) {
  if (isOptions(dim)) return { dim: dim.dim ?? -1, descending: dim.descending ?? false };
  return { dim: dim ?? -1, descending: descending ?? false };
}

/**
 * Sorts along `dim` (the last by default), smallest first or with `descending` largest first,
 * as torch.sort: returns the sorted `values` and the `indices` (int32) of each in the input.
 * Stable; NaN counts as larger than +∞; −0 and +0 are equal. Gradients flow to `values`.
 * @example
 * const { values, indices } = fl.tensor([3, 1, 2]).sort();
 * values.toArray(); // [1, 2, 3]
 * indices.toArray(); // [1, 2, 0]
 */
export function sort(x: Tensor, dim?: number | SortOptions, descending?: boolean): ValuesIndices {
  const a = sortArgs(dim, descending);
  return tidy(() => sortDim('sort', x, a.dim, a.descending));
}

/** The indices (int32) that sort `x` along `dim`, as torch.argsort (same order as `sort`). */
export function argsort(x: Tensor, dim?: number | SortOptions, descending?: boolean): Tensor {
  const a = sortArgs(dim, descending);
  return tidy(() => noGrad(() => sortDim('argsort', x, a.dim, a.descending).indices));
}

/** `x` sorted along its first dim, as torch.msort (`sort(x, 0).values`). */
export function msort(x: Tensor): Tensor {
  return tidy(() => sortDim('msort', x, 0, false).values);
}

function noBool(op: string, x: Tensor): void {
  if (x.dtype === 'bool')
    throw new DTypeError(
      `${op}: bool input is not supported (as in PyTorch); convert it with .int() first`,
    );
}

function checkK(
  op: string,
  k: number,
  n: number,
  lo: number,
  axis: number,
  shape: readonly number[],
): void {
  if (!Number.isInteger(k) || k < lo || k > n)
    throw new ShapeError(
      `${op}: k = ${String(k)} is out of range for dim ${axis} of size ${n} in shape ` +
        `${fmtShape(shape)} (valid: ${lo} to ${n})`,
    );
}

/**
 * The `k` largest elements along `dim` (the last by default), or the `k` smallest with
 * `largest: false`, as torch.topk: `values` in order (largest first, or smallest first) and their
 * `indices` (int32). NaN counts as the largest value.
 * @example
 * const { values, indices } = fl.tensor([1, 5, 3, 4]).topk(2);
 * values.toArray(); // [5, 4]
 * indices.toArray(); // [1, 3]
 */
export function topk(
  x: Tensor,
  k: number,
  dim?: number | TopkOptions,
  largest?: boolean,
  sorted?: boolean,
): ValuesIndices {
  void sorted; // always sorted, which `sorted: false` allows too
  const o = isOptions(dim) ? dim : { dim, largest };
  const axis = normDim('topk', o.dim ?? -1, x.ndim);
  noBool('topk', x);
  checkK('topk', k, x.ndim === 0 ? 1 : x.shape[axis]!, 0, axis, x.shape);
  return tidy(() => {
    const r = sortDim('topk', x, axis, o.largest ?? true);
    // a 0-d input gives its 0-d self for k = 0 and k = 1 alike, as torch
    if (x.ndim === 0) return r;
    return { values: r.values.narrow(axis, 0, k), indices: r.indices.narrow(axis, 0, k) };
  });
}

function selectArgs(dim: number | SelectOptions | undefined, keepdim: boolean | undefined) {
  if (isOptions(dim)) return { dim: dim.dim, keepdim: dim.keepdim ?? keepdim ?? false };
  return { dim, keepdim: keepdim ?? false };
}

/**
 * Picks position `pos` (int32, shape of x with the dim kept as 1) of x sorted ascending along
 * `axis`, with its index; drops the dim unless `keepdim`.
 */
function pickSorted(x: Tensor, axis: number, pos: Tensor, keepdim: boolean): ValuesIndices {
  const r = sortAlong(x, axis, false);
  const values = gatherInRange(r.values, axis, pos);
  const indices = gatherInRange(r.indices, axis, pos);
  return keepdim
    ? { values, indices }
    : { values: values.squeeze(axis), indices: indices.squeeze(axis) };
}

/** A position tensor: `value` everywhere in x's shape with `axis` kept as 1. */
function positions(x: Tensor, axis: number, value: number): Tensor {
  const shape = x.shape.map((d, i) => (i === axis ? 1 : d));
  return full(shape, value, { dtype: 'int32', device: x.device });
}

/**
 * The `k`-th smallest element (k counts from 1) along `dim` (the last by default) and its index
 * (int32), as torch.kthvalue; NaN counts as the largest value.
 * @example
 * fl.tensor([4, 1, 3, 2]).kthvalue(2).values.item(); // 2
 */
export function kthvalue(
  x: Tensor,
  k: number,
  dim?: number | SelectOptions,
  keepdim?: boolean,
): ValuesIndices {
  const p = selectArgs(dim, keepdim);
  const axis = normDim('kthvalue', p.dim ?? -1, x.ndim);
  noBool('kthvalue', x);
  const n = x.ndim === 0 ? 1 : x.shape[axis]!;
  checkK('kthvalue', k, n, 1, axis, x.shape);
  return tidy(() => {
    if (x.ndim === 0) return sortDim('kthvalue', x, axis, false);
    if (x.size === 0) return emptySelect(x, axis, p.keepdim);
    return pickSorted(x, axis, positions(x, axis, k - 1), p.keepdim);
  });
}

/** The result of selecting along a dim of an empty batch: empty values and indices. */
function emptySelect(x: Tensor, axis: number, keepdim: boolean): ValuesIndices {
  const shape = x.shape.map((d, i) => (i === axis ? 1 : d));
  const r = sortAlong(x.narrow(axis, 0, 1), axis, false);
  const out = { values: r.values.reshape(shape), indices: r.indices.reshape(shape) };
  return keepdim ? out : { values: out.values.squeeze(axis), indices: out.indices.squeeze(axis) };
}

/**
 * Lower median along `axis` of a non-empty dim: sorted position ⌊(n − 1)/2⌋, or, where the
 * slice has NaNs, its first NaN (sorted position n − #NaN), as torch.median.
 */
function medianAlong(x: Tensor, axis: number, keepdim: boolean): ValuesIndices {
  const n = x.shape[axis]!;
  const nans = noGrad(() => x.isnan().sum(axis, true));
  const pos = noGrad(() => where(nans.gt(0), nans.neg().add(n), Math.floor((n - 1) / 2)));
  return pickSorted(x, axis, cast(pos, 'int32'), keepdim);
}

/** `median(x)`: the lower median of all elements, as a 0-d tensor (NaN if any element is NaN). */
export function median(x: Tensor): Tensor;
/** `median(x, dim)`: lower medians along `dim` and their indices (int32), as torch.median. */
export function median(x: Tensor, dim: number | SelectOptions, keepdim?: boolean): ValuesIndices;
/**
 * The lower median (of an even count, the smaller of the two middle values), as torch.median:
 * of all elements as a 0-d tensor, or along `dim` with `values` and `indices`. A slice with a
 * NaN has median NaN (at its first NaN).
 * @example
 * fl.tensor([4, 1, 3, 2]).median().item(); // 2
 */
export function median(
  x: Tensor,
  dim?: number | SelectOptions,
  keepdim?: boolean,
): Tensor | ValuesIndices {
  const p = selectArgs(dim, keepdim);
  noBool('median', x);
  if (p.dim === undefined || p.dim === null) return medianAll(x);
  const axis = normDim('median', p.dim, x.ndim);
  if (x.ndim > 0 && x.shape[axis] === 0)
    throw new ShapeError(
      `median: cannot take the median over empty dim ${axis} of shape ${fmtShape(x.shape)}; ` +
        `choose a non-empty dim`,
    );
  return tidy(() => {
    if (x.ndim === 0) return sortDim('median', x, axis, false);
    if (x.size === 0) return emptySelect(x, axis, p.keepdim);
    return medianAlong(x, axis, p.keepdim);
  });
}

function medianAll(x: Tensor): Tensor {
  if (x.size === 0) {
    if (x.dtype !== 'float32' && x.dtype !== 'float64')
      throw new ShapeError(
        `median: the median of an empty ${x.dtype} tensor is undefined (a float tensor gives NaN)`,
      );
    return tidy(() => x.sum().mul(NaN));
  }
  return tidy(() => medianAlong(x.reshape([-1]), 0, false).values);
}

/** Options of `randperm`. */
export interface RandpermOptions extends CreateOptions {
  /** int32 (default; Flint has no int64), float32 or float64. */
  dtype?: DType;
}

/**
 * A random permutation of 0 … n − 1 from the global generator (`fl.manualSeed`), as
 * torch.randperm; int32 by default (Flint has no int64). The same seed gives the same
 * permutation on every device.
 * @example
 * fl.manualSeed(0);
 * fl.randperm(4).toArray().sort(); // [0, 1, 2, 3]
 */
export function randperm(n: number, opts: RandpermOptions = {}): Tensor {
  if (!Number.isInteger(n) || n < 0)
    throw new ShapeError(`randperm: n must be a non-negative integer, got ${String(n)}`);
  // the permutation is the int32 indices of a sort
  if (n > 2 ** 31 - 1)
    throw new ShapeError(
      `randperm: n = ${n} exceeds the int32 range of indices (at most 2^31 − 1)`,
    );
  const dtype = opts.dtype ?? 'int32';
  if (dtype === 'bool')
    throw new DTypeError(`randperm: dtype bool is not supported (as in PyTorch); use int32`);
  if (opts.requiresGrad && dtype === 'int32')
    throw new GradError(
      `randperm: only float tensors can require gradients, got int32; pass { dtype: 'float32' }`,
    );
  const t = noGrad(() =>
    tidy(() => {
      // 32-bit random keys, ties broken by position (the sort is stable): deterministic for a seed
      const perm = sortAlong(randomWords([n], opts.device), 0, false).indices;
      return dtype === 'int32' ? perm : cast(perm, dtype);
    }),
  );
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}
