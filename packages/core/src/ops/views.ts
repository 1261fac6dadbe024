/**
 * View ops: new shape/strides/offset over the same storage, never a kernel call (except
 * `reshape` of a layout that cannot be viewed, which copies as torch does). Each has its own
 * gradient rule, recorded like a primitive's.
 */
import { ShapeError, fmtShape } from '../errors.js';
import { contiguousStrides, normDim, normDims, shapesEqual, sizeOf } from '../shape.js';
import { type Tensor, trustedTensor } from '../tensor.js';
import { viewError } from '../check/view.js';
import { record } from '../autograd/record.js';
import type { GradCtx, GradRule } from '../autograd/node.js';
import { exec, live } from './dispatch.js';
import { tidy } from '../scope.js';
import { advancedIndex, isAdvanced } from './advanced.js';

export function makeView(
  name: string,
  x: Tensor,
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
  rule: GradRule<never> | null,
  params?: unknown,
): Tensor {
  // Views are made from user-given starts, sizes and steps: checked against the storage here,
  // cheaply (no allocation), before any kernel can read through them.
  const storage = live(name, x).storage;
  const why = viewError(shape, strides, offset, storage.size);
  if (why) throw new ShapeError(`${name}: ${why}`);
  const out = trustedTensor(storage.retain(), shape.slice(), strides.slice(), offset);
  // A view of a detached (or saved) tensor is not a view of the autograd graph of its storage.
  if (x._untracked) out._untrack();
  record(name, rule, [x], out, params);
  return out;
}

const shapeBack: GradRule<never> = { grad: (g, c) => [g.reshape(c.shapes[0]!)] };

/** Accepts `f(2, 3)`, `f([2, 3])`. */
export function shapeArgs(args: readonly (number | readonly number[])[]): number[] {
  return args.length === 1 && Array.isArray(args[0])
    ? (args[0] as number[]).slice()
    : (args as number[]).slice();
}

function inferShape(op: string, x: Tensor, shape: readonly number[]): number[] {
  const out = shape.slice();
  const free = out.indexOf(-1);
  if (out.filter((d) => d === -1).length > 1)
    throw new ShapeError(`${op}: only one dimension can be -1, got ${fmtShape(shape)}`);
  const known = sizeOf(out.filter((d) => d !== -1));
  if (free >= 0) {
    if (known === 0 || x.size % known !== 0)
      throw new ShapeError(
        `${op}: shape ${fmtShape(shape)} is invalid for input of shape ${fmtShape(x.shape)} (${x.size} elements)`,
      );
    out[free] = x.size / known;
  }
  if (out.some((d) => !Number.isInteger(d) || d < 0) || sizeOf(out) !== x.size)
    throw new ShapeError(
      `${op}: shape ${fmtShape(shape)} is invalid for input of shape ${fmtShape(x.shape)} (${x.size} elements)`,
    );
  return out;
}

/**
 * The same elements in a new shape (one size may be −1): a view when the layout allows, else a
 * copy.
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = inferShape('reshape', x, shape);
  const strides = x.isContiguous() ? contiguousStrides(target) : viewStridesSafe(x, target);
  if (strides) return makeView('reshape', x, target, strides, x.offset, shapeBack);
  const c = contiguous(x);
  const out = makeView('reshape', c, target, contiguousStrides(target), 0, shapeBack);
  c.dispose(); // the view holds the copy's storage and graph
  return out;
}

/** Like reshape, but never copies: throws when the layout cannot be viewed. */
export function view(x: Tensor, shape: readonly number[]): Tensor {
  const target = inferShape('view', x, shape);
  const strides = x.isContiguous() ? contiguousStrides(target) : viewStridesSafe(x, target);
  if (!strides)
    throw new ShapeError(
      `view: shape ${fmtShape(target)} is not compatible with the strides of input ${fmtShape(x.shape)}; use reshape() (which copies)`,
    );
  return makeView('view', x, target, strides, x.offset, shapeBack);
}

/**
 * Strides for viewing x as `target` without copying, or null when impossible: target dims can
 * only be laid over runs of input dims that sit back to back in memory (torch's view rule).
 */
function viewStridesSafe(x: Tensor, target: readonly number[]): number[] | null {
  if (x.size === 0) return contiguousStrides(target);
  const shape = x.shape.filter((d) => d !== 1);
  const strides = x.strides.filter((_, i) => x.shape[i] !== 1);
  const out = new Array<number>(target.length);
  let ti = target.length - 1;
  for (let i = shape.length - 1; i >= 0;) {
    let j = i;
    while (j > 0 && strides[j - 1] === strides[j]! * shape[j]!) j--;
    const runSize = sizeOf(shape.slice(j, i + 1));
    let acc = 1;
    while (acc < runSize) {
      if (ti < 0) return null;
      out[ti] = strides[i]! * acc;
      acc *= target[ti--]!;
    }
    if (acc !== runSize) return null;
    i = j - 1;
  }
  for (; ti >= 0; ti--) {
    if (target[ti] !== 1) return null;
    out[ti] = 1;
  }
  return out;
}

/** Merge dims `startDim`…`endDim` (all by default) into one. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  const s = normDim('flatten', startDim, x.ndim);
  const e = normDim('flatten', endDim, x.ndim);
  if (x.ndim === 0) return reshape(x, [1]);
  if (s > e) throw new ShapeError(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  const shape = [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

/** View with a new size-1 dimension inserted at `dim`. */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normDim('unsqueeze', dim, x.ndim + 1);
  const shape = [...x.shape.slice(0, d), 1, ...x.shape.slice(d)];
  const inner = d < x.ndim ? x.strides[d]! * x.shape[d]! : 1;
  const strides = [...x.strides.slice(0, d), inner, ...x.strides.slice(d)];
  return makeView('unsqueeze', x, shape, strides, x.offset, shapeBack);
}

/** View without size-1 dimensions (all of them, or only those in `dim`). */
export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  const dims = dim === undefined ? x.shape.map((_, i) => i) : normDims('squeeze', dim, x.ndim);
  const keep = x.shape.map((d, i) => !(d === 1 && dims.includes(i)));
  return makeView(
    'squeeze',
    x,
    x.shape.filter((_, i) => keep[i]),
    x.strides.filter((_, i) => keep[i]),
    x.offset,
    shapeBack,
  );
}

const permuteRule: GradRule<never> = {
  grad: (g, c: GradCtx<number[]>) => {
    const inv = new Array<number>(c.params.length);
    c.params.forEach((p, i) => (inv[p] = i));
    return [g.permute(inv)];
  },
};

/** View with the dimensions reordered: dim `i` of the result is dim `dims[i]` of `x`. */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== x.ndim)
    throw new ShapeError(
      `permute: got ${dims.length} dims ${fmtShape(dims)} for a tensor of rank ${x.ndim} (shape ${fmtShape(x.shape)})`,
    );
  const d = dims.map((v) => normDim('permute', v, x.ndim));
  if (new Set(d).size !== d.length)
    throw new ShapeError(`permute: dims ${fmtShape(dims)} repeat a dimension`);
  return makeView(
    'permute',
    x,
    d.map((i) => x.shape[i]!),
    d.map((i) => x.strides[i]!),
    x.offset,
    permuteRule,
    d,
  );
}

/** View with dimensions `dim0` and `dim1` swapped. */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const a = normDim('transpose', dim0, x.ndim);
  const b = normDim('transpose', dim1, x.ndim);
  if (x.ndim === 0) return makeView('transpose', x, [], [], x.offset, shapeBack);
  const dims = x.shape.map((_, i) => i);
  [dims[a], dims[b]] = [dims[b]!, dims[a]!];
  return permute(x, dims);
}

const expandRule: GradRule<never> = {
  grad: (g, c) => {
    const inShape = c.shapes[0]!;
    const lead = g.ndim - inShape.length;
    const axes = g.shape
      .map((_, i) => i)
      .filter((i) => i < lead || (inShape[i - lead] === 1 && g.shape[i] !== 1));
    return [axes.length ? g.sum(axes, true).reshape(inShape) : g.reshape(inShape)];
  },
};

/** Broadcast to `sizes` (−1 keeps a dimension) with zero strides: no copy. */
export function expand(x: Tensor, sizes: readonly number[]): Tensor {
  if (sizes.length < x.ndim)
    throw new ShapeError(
      `expand: target ${fmtShape(sizes)} has fewer dimensions than input ${fmtShape(x.shape)}`,
    );
  const lead = sizes.length - x.ndim;
  const shape: number[] = [];
  const strides: number[] = [];
  sizes.forEach((s, i) => {
    const d = i >= lead ? x.shape[i - lead]! : 1;
    const size = s === -1 && i >= lead ? d : s;
    if (size !== d && d !== 1)
      throw new ShapeError(
        `expand: cannot expand ${fmtShape(x.shape)} to ${fmtShape(sizes)}: dimension ${i} has size ${d} (must be 1 to expand)`,
      );
    if (!Number.isInteger(size) || size < 0)
      throw new ShapeError(`expand: invalid size ${s} in ${fmtShape(sizes)}`);
    shape.push(size);
    strides.push(i < lead || (d === 1 && size !== 1) ? 0 : x.strides[i - lead]!);
  });
  if (shapesEqual(shape, x.shape))
    return makeView('expand', x, shape, x.strides, x.offset, shapeBack);
  return makeView('expand', x, shape, strides, x.offset, expandRule);
}

interface SliceParams {
  dim: number;
  start: number;
  step: number;
}
const sliceRule: GradRule<never> = {
  grad: (g, c: GradCtx<SliceParams>) => {
    const { dim, start, step } = c.params;
    const n = c.shapes[0]![dim]!;
    let r = g;
    if (step > 1) {
      // Interleave zeros: [k] → [k, step] → [k*step], then place at `start`.
      r = padDim(r.unsqueeze(dim + 1), dim + 1, 0, step - 1).flatten(dim, dim + 1);
    }
    const len = Math.min(r.shape[dim]!, n - start);
    r = r.narrow(dim, 0, len);
    return [padDim(r, dim, start, n - start - len)];
  },
};
/**
 * Zeros before and after `dim` (widths ≥ 0), through the primitive: the public pad's checks of
 * what torch accepts from users (e.g. no empty padded dims) must not apply to a gradient.
 */
function padDim(t: Tensor, dim: number, before: number, after: number): Tensor {
  const widths = t.shape.map((_, i) => (i === dim ? [before, after] : [0, 0]) as [number, number]);
  const shape = t.shape.map((d, i) => (i === dim ? d + before + after : d));
  return exec('pad', [t], [widths, 0], shape, t.dtype, { gradParams: { widths } });
}

/** Python-style slice of one dim (negative and out-of-range bounds are clamped; step ≥ 1). */
export function slice(
  x: Tensor,
  dim: number,
  start?: number | null,
  end?: number | null,
  step = 1,
): Tensor {
  const d = normDim('slice', dim, x.ndim);
  const n = x.shape[d]!;
  if (!Number.isInteger(step) || step < 1)
    throw new ShapeError(
      `slice: step must be a positive integer, got ${step} (use flip for reversal)`,
    );
  const clampIdx = (v: number | null | undefined, dflt: number) =>
    v === null || v === undefined ? dflt : Math.min(n, Math.max(0, v < 0 ? v + n : v));
  const s = clampIdx(start, 0);
  const e = Math.max(s, clampIdx(end, n));
  const len = Math.ceil((e - s) / step);
  const shape = x.shape.slice();
  shape[d] = len;
  const strides = x.strides.slice();
  strides[d] = x.strides[d]! * step;
  // An empty slice addresses nothing: keep x's offset, since start·stride may point one past
  // the end — below 0 for a flipped (negative-stride) x, which no view may have.
  const offset = len === 0 ? x.offset : x.offset + s * x.strides[d]!;
  return makeView('slice', x, shape, strides, offset, sliceRule, {
    dim: d,
    start: s,
    step,
  });
}

/** View of `length` entries along `dim` starting at `start`. */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  if (x.ndim === 0) throw new ShapeError('narrow: cannot be applied to a 0-d tensor (as torch)');
  const d = normDim('narrow', dim, x.ndim);
  const n = x.shape[d]!;
  const s = start < 0 ? start + n : start;
  if (s < 0 || length < 0 || s + length > n)
    throw new ShapeError(
      `narrow: start ${start} and length ${length} are out of range for dimension ${dim} of size ${n} (shape ${fmtShape(x.shape)})`,
    );
  return slice(x, d, s, s + length);
}

const flipRule: GradRule<never> = { grad: (g, c: GradCtx<number[]>) => [g.flip(c.params)] };

/** View with the order of entries reversed along `dims`. */
export function flip(x: Tensor, dims: number | readonly number[]): Tensor {
  const ds = normDims('flip', dims, x.ndim);
  let offset = x.offset;
  const strides = x.strides.slice();
  for (const d of ds) {
    if (x.shape[d]! > 0) offset += (x.shape[d]! - 1) * strides[d]!;
    strides[d] = -strides[d]!;
  }
  return makeView('flip', x, x.shape, strides, offset, flipRule, ds);
}

/** Contiguous layout: `x` itself when already contiguous, else a copy. */
export function contiguous(x: Tensor): Tensor {
  if (x.isContiguous()) {
    void x.storage;
    return x;
  }
  return exec('contiguous', [x], [], x.shape, x.dtype);
}

/** A contiguous copy with its own storage; differentiable, as torch.clone. */
export function clone(x: Tensor): Tensor {
  return exec('contiguous', [x], [], x.shape, x.dtype);
}

/** Same data, no autograd history. */
export function detach(x: Tensor): Tensor {
  const d = trustedTensor(x.storage.retain(), x.shape.slice(), x.strides.slice(), x.offset);
  d._untrack(); // not a view for autograd: in-place writes through x's views leave it alone
  return d;
}

/** Nested arrays of integers (an int32 index) or of booleans (a mask), as Python lists index. */
export type IndexArray = readonly (number | boolean | IndexArray)[];

/**
 * One index of `Tensor.index`/`set`: an integer, a Python slice string (`'1:3'`, `':'`, `'::2'`, or
 * `'...'`), `null` for a new axis — basic indexing, giving a view — or an advanced index: an int32
 * tensor or array of integers (gathers along its dim), a bool tensor or array of booleans (a mask
 * over as many dims as it has).
 */
export type IndexSpec = number | string | null | Tensor | IndexArray;

/**
 * NumPy/torch indexing. Basic (ints select, 'a:b:c' slices, null adds an axis, '...' skips)
 * gives a view; with an advanced index (tensor or array) the result is a copy (ops/advanced.ts).
 */
export function index(x: Tensor, specs: readonly IndexSpec[]): Tensor {
  if (specs.some(isAdvanced)) return advancedIndex(x, specs);
  const consumes = (s: IndexSpec) => s !== null && s !== '...';
  const used = specs.filter(consumes).length;
  if (used > x.ndim)
    throw new ShapeError(
      `index: too many indices (${used}) for a tensor of rank ${x.ndim} (shape ${fmtShape(x.shape)})`,
    );
  if (specs.filter((s) => s === '...').length > 1)
    throw new ShapeError("index: only one '...' is allowed");
  return tidy(() => applyIndex(x, specs, used));
}

function applyIndex(x: Tensor, specs: readonly IndexSpec[], used: number): Tensor {
  let r = x;
  let dim = 0;
  for (const s of specs) {
    if (s === null) r = unsqueeze(r, dim++);
    else if (s === '...') dim += x.ndim - used;
    else if (typeof s === 'number') {
      const n = r.shape[dim]!;
      if (!Number.isInteger(s) || s < -n || s >= n)
        throw new ShapeError(
          `index: index ${s} is out of bounds for dimension ${dim} with size ${n}`,
        );
      r = squeeze(narrow(r, dim, s < 0 ? s + n : s, 1), dim);
    } else {
      const [a, b, c] = parseSlice(s as string);
      r = slice(r, dim++, a, b, c);
    }
  }
  return r === x ? makeView('index', x, x.shape, x.strides, x.offset, shapeBack) : r;
}

function parseSlice(s: string): [number | null, number | null, number] {
  const parts = s.split(':');
  const num = (p: string | undefined) => (p === undefined || p.trim() === '' ? null : Number(p));
  const vals = parts.map(num);
  if (parts.length < 2 || parts.length > 3 || vals.some((v) => v !== null && !Number.isInteger(v)))
    throw new ShapeError(
      `index: cannot parse slice '${s}' (expected 'start:stop' or 'start:stop:step')`,
    );
  return [vals[0]!, vals[1]!, vals[2] ?? 1];
}
