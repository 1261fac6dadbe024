/**
 * Advanced (NumPy/torch) indexing: int32 tensors, number arrays and bool masks as indices, mixed
 * with the basic specs of `x.index`. The basic specs are applied first as a view; the advanced
 * indices (broadcast together) are then folded into one linear index over their dims, so a read
 * is one `indexSelect` (its gradient scatter-adds, duplicates accumulating) and a write one
 * `scatterAdd` or `where`. Results are copies, never views, as in torch.
 */
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { broadcastShapes, sizeOf } from '../shape.js';
import { type Operand, type Tensor, isTensor } from '../tensor.js';
import { tidy } from '../scope.js';
import { noGrad } from '../autograd/mode.js';
import { checkOnDevice, deferred } from './checks.js';
import { tensor, full, onesLike, zerosLike } from './creation.js';
import { cast } from './convert.js';
import { where } from './elementwise.js';
import { indexSelectInRange } from './indexing.js';
import { needSyncRead, nonzero } from './nonzero.js';
import * as vw from './views.js';
import { applyInPlace } from './inplace.js';
import type { IndexArray, IndexSpec } from './views.js';

/** Whether a spec is an advanced index (a tensor or an array), not a basic one. */
export const isAdvanced = (s: IndexSpec): boolean => isTensor(s) || Array.isArray(s);

/** The basic view, and where in it each advanced index applies (int32, wrapped, in range). */
interface Plan {
  view: Tensor;
  dims: number[];
  indices: Tensor[];
  /** The broadcast shape of the indices. */
  batch: number[];
}

/** Nesting deeper than this is refused before any walk could exhaust the stack. */
const MAX_DEPTH = 64;

/** The leaves of a nested array, checked to be rectangular (level by level, no recursion). */
function leavesOf(op: string, a: IndexArray): unknown[] {
  let level: unknown[] = [a];
  for (let depth = 0; level.some((l) => Array.isArray(l)); depth++) {
    const n = Array.isArray(level[0]) ? (level[0] as unknown[]).length : -1;
    if (depth >= MAX_DEPTH || level.some((l) => !Array.isArray(l) || l.length !== n))
      throw new ShapeError(
        depth >= MAX_DEPTH
          ? `${op}: an array index nested deeper than ${MAX_DEPTH} levels`
          : `${op}: an array index must be rectangular (as a tensor), got a ragged array at depth ${depth}`,
      );
    level = level.flatMap((l) => Array.from(l as unknown[]));
  }
  return level;
}

/** A number array as an index: int32 from integers, bool from booleans (torch's lists). */
function fromArray(op: string, a: IndexArray, device: string): Tensor {
  const leaves = leavesOf(op, a);
  if (leaves.length > 0 && leaves.every((v) => typeof v === 'boolean'))
    return tensor(a as boolean[], { dtype: 'bool', device });
  const bad = leaves.find((v) => !Number.isSafeInteger(v));
  if (bad !== undefined || (leaves.length > 0 && leaves.some((v) => typeof v !== 'number')))
    throw new ArgumentError(
      `${op}: an array index must hold only integers or only booleans, got ${describeLeaf(bad)}`,
    );
  const big = leaves.find((v) => Math.abs(v as number) > 2 ** 31 - 1);
  if (big !== undefined)
    throw new ShapeError(
      `${op}: index ${String(big)} is out of bounds (indices must fit in int32)`,
    );
  return tensor(a as number[], { dtype: 'int32', device });
}

function describeLeaf(bad: unknown): string {
  const s = typeof bad === 'number' ? String(bad) : bad === undefined ? 'a mix' : typeof bad;
  return `${s.slice(0, 24)} (mixed integers and booleans are not allowed either)`;
}

function asIndexTensor(op: string, s: IndexSpec, x: Tensor): Tensor {
  const t = isTensor(s) ? s : fromArray(op, s as IndexArray, x.device);
  if (t.dtype !== 'int32' && t.dtype !== 'bool')
    throw new DTypeError(
      `${op}: tensors used as indices must be int32 or bool, got ${t.dtype} ${fmtShape(t.shape)}`,
    );
  if (t.device !== x.device)
    throw new ShapeError(
      `${op}: an index on device '${t.device}' cannot index a tensor on '${x.device}'`,
    );
  return t;
}

/** A spec after arrays became tensors. */
type Converted = Tensor | number | string | null;

const consumed = (s: Converted): number =>
  s === null || s === '...' ? 0 : isTensor(s) && s.dtype === 'bool' ? s.ndim : 1;

/** Apply the basic specs as a view and collect the advanced indices at their view dims. */
export function plan(op: string, x: Tensor, specs: readonly IndexSpec[]): Plan {
  const conv: Converted[] = specs.map((s) =>
    isAdvanced(s) ? asIndexTensor(op, s, x) : (s as number | string | null),
  );
  const used = conv.reduce((n: number, s) => n + consumed(s), 0);
  if (used > x.ndim)
    throw new ShapeError(
      `${op}: too many indices (${used}) for a tensor of rank ${x.ndim} (shape ${fmtShape(x.shape)})`,
    );
  if (conv.filter((s) => s === '...').length > 1)
    throw new ShapeError(`${op}: only one '...' is allowed`);
  const w = walk(op, x, conv, x.ndim - used);
  const batch = broadcastIndices(
    op,
    w.raw.map((e) => e.t),
  );
  const indices = w.raw.map((e, i) =>
    e.checked ? e.t : wrapIndex(op, e.t, w.r.shape[w.dims[i]!]!, e.src),
  );
  return { view: w.r, dims: w.dims, indices, batch };
}

/** Where the walk over the specs is: the view so far, its next dim, x's next dim, the indices. */
interface Walk {
  r: Tensor;
  dim: number;
  src: number;
  dims: number[];
  raw: { t: Tensor; src: number; checked: boolean }[];
}

/** Apply the basic specs in order (each as a view), collecting the advanced ones. */
function walk(op: string, x: Tensor, conv: Converted[], skipped: number): Walk {
  const w: Walk = { r: x, dim: 0, src: 0, dims: [], raw: [] };
  for (const s of conv) {
    if (s === null) w.r = vw.unsqueeze(w.r, w.dim++);
    else if (s === '...') {
      w.dim += skipped;
      w.src += skipped;
    } else if (typeof s === 'number' || typeof s === 'string') {
      w.r = vw.index(w.r, [...new Array<IndexSpec>(w.dim).fill(':'), s]);
      if (typeof s === 'string') w.dim++;
      w.src++;
    } else advancedStep(op, w, s);
  }
  return w;
}

function advancedStep(op: string, w: Walk, s: Tensor): void {
  if (s.dtype === 'int32') {
    w.dims.push(w.dim++);
    w.raw.push({ t: s, src: w.src++, checked: false });
  } else if (s.ndim === 0) {
    // a 0-d bool adds a dim of size 1, taken whole (true) or not at all (false), as torch
    needSyncRead(
      op,
      s,
      "`(await mask.data())[0]`, then `x.unsqueeze(0)` (true) or `x.unsqueeze(0).index('0:0')` (false)",
    );
    const on = noGrad(() => s.item()) as unknown as boolean;
    w.r = vw.unsqueeze(w.r, w.dim);
    w.dims.push(w.dim++);
    const t = tensor(on ? [0] : [], { dtype: 'int32', device: s.device });
    w.raw.push({ t, src: w.src, checked: true });
  } else {
    for (const t of maskIndices(op, w.r, w.dim, w.src, s)) {
      w.dims.push(w.dim++);
      w.raw.push({ t, src: w.src++, checked: true });
    }
  }
}

/** A k-d bool mask over dims dim…dim+k of r: its k coordinate tensors (torch's rule). */
function maskIndices(op: string, r: Tensor, dim: number, src: number, m: Tensor): Tensor[] {
  const covered = r.shape.slice(dim, dim + m.ndim);
  m.shape.forEach((d, i) => {
    if (d !== covered[i])
      throw new ShapeError(
        `${op}: the shape of the mask ${fmtShape(m.shape)} does not match the indexed dims ` +
          `${fmtShape(covered)} (dims ${src} to ${src + m.ndim - 1} of the input): they must be equal`,
      );
  });
  needSyncRead(
    op,
    m,
    '`await mask.nonzeroAsync({ asTuple: true })` and index with its int32 tensors (or `await x.maskedSelectAsync(mask)`)',
  );
  return nonzero(m, { asTuple: true }) as Tensor[];
}

function broadcastIndices(op: string, ts: readonly Tensor[]): number[] {
  try {
    return broadcastShapes(op, ...ts.map((t) => t.shape));
  } catch {
    throw new ShapeError(
      `${op}: shape mismatch: the index tensors cannot be broadcast together (shapes ${ts
        .slice(0, 8)
        .map((t) => fmtShape(t.shape))
        .join(', ')})`,
    );
  }
}

/**
 * Negative indices count from the end; anything outside [-n, n) is an error naming the dim.
 * On a device without synchronous read-back the check is deferred (ops/checks.ts) and the
 * index clamped, so no kernel reads out of bounds meanwhile.
 */
function wrapIndex(op: string, idx: Tensor, n: number, src: number): Tensor {
  return noGrad(() => {
    if (idx.size === 0) return idx;
    const later = checkOnDevice(
      idx,
      () => [idx.amin(), idx.amax()],
      ([lo, hi]) =>
        lo! < -n || hi! >= n
          ? new ShapeError(
              `${op}: index ${lo! < -n ? lo : hi} is out of bounds for dimension ${src} with size ${n} ` +
                (n === 0 ? '(the dimension is empty)' : `(valid: ${-n} to ${n - 1})`),
            )
          : undefined,
    );
    const w = where(idx.lt(0), idx.add(n), idx);
    return later ? w.clamp(0, Math.max(n - 1, 0)) : w;
  });
}

/** Dims of the view not indexed, and the permutation putting the indexed ones first. */
function layout(p: Plan): { perm: number[]; rest: number[] } {
  const rest = p.view.shape.map((_, i) => i).filter((i) => !p.dims.includes(i));
  return { perm: [...p.dims, ...rest], rest };
}

/** Where the broadcast dims go: in place of adjacent indexed dims, else first (NumPy's rule). */
function batchAt(p: Plan): number {
  const adjacent = p.dims.every((d, i) => i === 0 || d === p.dims[i - 1]! + 1);
  return adjacent ? (p.dims[0] ?? 0) : 0;
}

/** How to fold the indexed dims of the view into one leading dim, and the linear index. */
interface Fold {
  perm: number[];
  /** The permuted view's shape, and the folded one `[total, ...rest]`. */
  permuted: number[];
  flatShape: number[];
  linear: Tensor;
}

function fold(p: Plan): Fold {
  const { perm, rest } = layout(p);
  const sizes = p.dims.map((d) => p.view.shape[d]!);
  const total = sizeOf(sizes);
  if (total > 2 ** 31 - 1)
    throw new ShapeError(`index: the indexed dims ${fmtShape(sizes)} hold too many elements`);
  const linear = noGrad(() => {
    let acc: Tensor | null = null;
    let stride = 1;
    for (let i = p.indices.length - 1; i >= 0; i--) {
      const term = p.indices[i]!.mul(stride).expand(p.batch);
      acc = acc ? acc.add(term) : term;
      stride *= sizes[i]!;
    }
    return acc!.reshape([-1]);
  });
  const permuted = perm.map((d) => p.view.shape[d]!);
  return { perm, permuted, flatShape: [total, ...rest.map((d) => p.view.shape[d]!)], linear };
}

const flatten = (f: Fold, t: Tensor): Tensor => t.permute(f.perm).reshape(f.flatShape);

/** Move the leading batch dims of `t` (rank nb) to position `at`. */
function placeBatch(t: Tensor, nb: number, at: number): Tensor {
  if (at === 0 || nb === 0) return t;
  const dims = t.shape.map((_, i) => i);
  const order = [...dims.slice(nb, nb + at), ...dims.slice(0, nb), ...dims.slice(nb + at)];
  return t.permute(order);
}

/** `x.index(...)` with at least one advanced index: a copy. */
export function advancedIndex(x: Tensor, specs: readonly IndexSpec[]): Tensor {
  return tidy(() => {
    const p = plan('index', x, specs);
    if (p.dims.length === 1 && !emptyDim(p)) {
      // one indexed dim: select along it in place, no permuted copy of the whole view
      const d = p.dims[0]!;
      const flat = p.indices[0]!.reshape([-1]);
      const shape = [...p.view.shape.slice(0, d), ...p.batch, ...p.view.shape.slice(d + 1)];
      return indexSelectInRange(p.view, d, flat).reshape(shape).contiguous();
    }
    const f = fold(p);
    const restShape = f.flatShape.slice(1);
    const out = emptyDim(p)
      ? full([...p.batch, ...restShape], 0, { dtype: x.dtype, device: x.device })
      : indexSelectInRange(flatten(f, p.view), 0, f.linear).reshape([...p.batch, ...restShape]);
    return placeBatch(out, p.batch.length, batchAt(p)).contiguous();
  });
}

/** An index into an empty dim while its range check is deferred: nothing valid to select. */
function emptyDim(p: Plan): boolean {
  return sizeOf(p.batch) > 0 && p.dims.some((d) => p.view.shape[d] === 0);
}

/** The shape `x.index(...)` gives for this plan. */
function resultShape(p: Plan): number[] {
  const rest = layout(p).rest.map((d) => p.view.shape[d]!);
  const at = batchAt(p);
  return [...rest.slice(0, at), ...p.batch, ...rest.slice(at)];
}

/** The values to write, as `[count, ...rest]` rows matching the linear index. */
function rows(op: string, p: Plan, dtype: Tensor['dtype'], value: Operand): Tensor {
  const restShape = layout(p).rest.map((d) => p.view.shape[d]!);
  const count = sizeOf(p.batch);
  if (!isTensor(value)) return full([count, ...restShape], value, { dtype, device: p.view.device });
  const target = resultShape(p);
  const lead = target.length - value.ndim;
  if (lead < 0 || value.shape.some((d, i) => d !== 1 && d !== target[lead + i]))
    throw new ShapeError(
      `${op}: a value of shape ${fmtShape(value.shape)} cannot be broadcast to the indexed shape ${fmtShape(target)}`,
    );
  const v = cast(value, dtype).expand(target);
  const nb = p.batch.length;
  const at = batchAt(p);
  // undo placeBatch: the batch dims back in front, then one row per index entry
  const front = at === 0 || nb === 0 ? v : v.permute(unplace(target.length, nb, at));
  return front.reshape([count, ...restShape]);
}

function unplace(rank: number, nb: number, at: number): number[] {
  const dims = Array.from({ length: rank }, (_, i) => i);
  return [...dims.slice(at, at + nb), ...dims.slice(0, at), ...dims.slice(at + nb)];
}

/**
 * For each position of the folded dim, the last index entry that writes it, or -1: torch's CPU
 * result for duplicates without accumulate (the last write wins), read on the host. A device
 * without synchronous read gets null: the write then sums duplicates (torch leaves duplicates
 * without accumulate undefined), exact for distinct indices.
 */
function lastWriter(linear: Tensor, total: number): Tensor | null {
  if (deferred(linear)) return null;
  const lin = linear.dataSync();
  const src = new Int32Array(total).fill(-1);
  for (let k = 0; k < lin.length; k++) src[lin[k]!] = k;
  return tensor(src, { dtype: 'int32', device: linear.device });
}

/** New contents of the view: its rows replaced (or accumulated) from `vals` at the index. */
function written(
  f: Fold,
  self: Tensor,
  vals: Tensor,
  accumulate: boolean,
  src: Tensor | null,
): Tensor {
  const flat = flatten(f, self);
  const ones = f.flatShape.slice(1).map(() => 1);
  let out: Tensor;
  const at = () => f.linear.reshape([f.linear.size, ...ones]).expand(vals.shape);
  if (accumulate) out = flat.scatterAdd(0, at(), vals);
  else if (!src) {
    const hit = noGrad(() => zerosLike(flat).scatterAdd(0, at(), onesLike(vals)).ne(0));
    out = where(hit, zerosLike(flat).scatterAdd(0, at(), vals), flat);
  } else {
    const has = src.ge(0).reshape([f.flatShape[0]!, ...ones]);
    out = where(has, indexSelectInRange(vals, 0, src.clamp(0, f.linear.size - 1)), flat);
  }
  const inv = new Array<number>(f.perm.length);
  f.perm.forEach((d, i) => (inv[d] = i));
  return out.reshape(f.permuted).permute(inv);
}

/**
 * Write `value` at an advanced index of `x` (torch's `x[idx] = v`, `index_put_`), through to
 * every view of x's storage. With `accumulate`, duplicates add up; without, the last one wins.
 */
export function advancedPut(
  op: string,
  x: Tensor,
  specs: readonly IndexSpec[],
  value: Operand,
  accumulate: boolean,
): Tensor {
  const made = tidy(() => {
    const p = plan(op, x, specs);
    const vals = rows(op, p, x.dtype, value); // refuses a value that does not broadcast
    if (sizeOf(p.batch) === 0 || p.view.size === 0 || emptyDim(p)) return null;
    const f = fold(p);
    const src = accumulate ? null : lastWriter(f.linear, f.flatShape[0]!);
    // the view must be a tensor of its own: applyInPlace writes through it
    const view = p.view === x ? vw.index(x, []) : p.view;
    return { view, vals, src, f };
  });
  if (!made) return x;
  const { view, vals, src, f } = made;
  try {
    applyInPlace(view, op, (self) => written(f, self, vals, accumulate, src), [value]);
  } finally {
    for (const t of [view, vals, src, f.linear]) t?.dispose();
  }
  return x;
}
