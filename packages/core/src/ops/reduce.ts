/**
 * Reductions (sum … logsumexp), scans and softmax; var and std live in stats.ts. Argument
 * parsing follows torch's dim/keepdim.
 */
import { type DType, isFloat } from '../dtype.js';
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import { reduceDType, type ReducePrim } from '../prims.js';
import { normDim, normDims, sizeOf } from '../shape.js';
import { Tensor, type DimArg, type ReduceOptions } from '../tensor.js';
import { tidy } from '../scope.js';
import { noGrad } from '../autograd/mode.js';
import type { GradCtx, GradRule } from '../autograd/node.js';
import { record } from '../autograd/record.js';
import { exec, execKernel } from './dispatch.js';
import { cast } from './convert.js';
import { maximum, minimum, where } from './elementwise.js';
import { gatherInRange } from './indexing.js';

/** What `max(dim)` and `min(dim)` return, as torch's named tuple. */
export interface ValuesIndices {
  /** The extreme values along the dim. */
  values: Tensor;
  /** Their (first) positions along the dim, int32. */
  indices: Tensor;
}

export function parse(
  dim: DimArg | ReduceOptions | undefined,
  keepdim: boolean | undefined,
): { dim: DimArg; keepdim: boolean } {
  if (dim !== null && typeof dim === 'object' && !Array.isArray(dim)) {
    const o = dim as ReduceOptions;
    return { dim: o.dim, keepdim: o.keepdim ?? keepdim ?? false };
  }
  return { dim: dim as DimArg, keepdim: keepdim ?? false };
}

function reduced(shape: readonly number[], axes: readonly number[], keepdim: boolean): number[] {
  return keepdim
    ? shape.map((d, i) => (axes.includes(i) ? 1 : d))
    : shape.filter((_, i) => !axes.includes(i));
}

function reduceWith(
  prim: ReducePrim,
  x: Tensor,
  dim: DimArg | ReduceOptions,
  keepdim?: boolean,
  opts: { name?: string; nanShares?: boolean } = {},
): Tensor {
  const { name = prim, nanShares } = opts;
  const p = parse(dim, keepdim);
  const axes = normDims(name, p.dim, x.ndim);
  if ((prim === 'max' || prim === 'min') && axes.some((a) => x.shape[a] === 0))
    throw new ShapeError(
      `${name}: cannot reduce over an empty dimension of shape ${fmtShape(x.shape)} (no identity); specify a non-empty dim`,
    );
  const out = exec(prim, [x], [axes], reduced(x.shape, axes, false), reduceDType(prim, x.dtype), {
    gradParams: nanShares ? { axes, nanShares } : { axes },
  });
  return p.keepdim ? keepShape(out, x.shape, axes) : out;
}

function keepShape(out: Tensor, shape: readonly number[], axes: readonly number[]): Tensor {
  const r = out.reshape(reduced(shape, axes, true));
  out.dispose();
  return r;
}

/**
 * Sum over `dim` (all elements by default); `keepdim` keeps reduced dims with size 1. Bool sums to
 * int32.
 */
export const sum = (x: Tensor, dim?: DimArg | ReduceOptions, keepdim?: boolean) =>
  reduceWith('sum', x, dim, keepdim);
/** Product over `dim` (all elements by default); `keepdim` as in `sum`. */
export const prod = (x: Tensor, dim?: DimArg | ReduceOptions, keepdim?: boolean) =>
  reduceWith('prod', x, dim, keepdim);
/** Largest values over `dim` (all by default), without indices; `keepdim` as in `sum`. */
export const amax = (x: Tensor, dim?: DimArg | ReduceOptions, keepdim?: boolean) =>
  reduceWith('max', x, dim, keepdim, { name: 'amax' });
/** Smallest values over `dim` (all by default), without indices; `keepdim` as in `sum`. */
export const amin = (x: Tensor, dim?: DimArg | ReduceOptions, keepdim?: boolean) =>
  reduceWith('min', x, dim, keepdim, { name: 'amin' });

export function count(x: Tensor, dim: DimArg): number {
  return sizeOf(normDims('mean', dim, x.ndim).map((a) => x.shape[a]!));
}

/**
 * Arithmetic mean over `dim` (all elements by default) of a float tensor; `keepdim` as in `sum`.
 */
export function mean(x: Tensor, dim?: DimArg | ReduceOptions, keepdim?: boolean): Tensor {
  if (!isFloat(x.dtype))
    throw new DTypeError(
      `mean: input dtype must be float32 or float64, got ${x.dtype}; convert with .float()`,
    );
  const p = parse(dim, keepdim);
  return tidy(() => sum(x, p.dim, p.keepdim).div(count(x, p.dim)));
}

function argWith(
  prim: 'argmax' | 'argmin',
  x: Tensor,
  dim?: number | ReduceOptions,
  keepdim?: boolean,
): Tensor {
  const p = parse(dim as DimArg, keepdim);
  return tidy(() => {
    const src = x.dtype === 'bool' ? cast(x, 'int32') : x;
    const empty = () =>
      new ShapeError(
        `${prim}: cannot take the ${prim} over an empty dimension (input shape ${fmtShape(x.shape)})`,
      );
    if (p.dim === undefined || p.dim === null) {
      if (x.size === 0) throw empty();
      const flat = src.reshape([-1]);
      const r = exec(prim, [flat], [0], [], 'int32');
      return p.keepdim ? r.reshape(x.shape.map(() => 1)) : r;
    }
    if (typeof p.dim !== 'number')
      throw new ShapeError(`${prim}: dim must be a single number, got ${JSON.stringify(p.dim)}`);
    const axis = x.ndim === 0 ? (normDim(prim, p.dim, 0), 0) : normDim(prim, p.dim, x.ndim);
    if (x.ndim === 0) return exec(prim, [src.reshape([1])], [0], [], 'int32');
    if (x.shape[axis] === 0) throw empty();
    const r = exec(prim, [src], [axis], reduced(x.shape, [axis], false), 'int32');
    return p.keepdim ? r.reshape(reduced(x.shape, [axis], true)) : r;
  });
}
/**
 * Index of the (first) largest value along `dim`, or in the flattened tensor when `dim` is omitted.
 */
export const argmax = (x: Tensor, dim?: number | ReduceOptions, keepdim?: boolean) =>
  argWith('argmax', x, dim, keepdim);
/**
 * Index of the (first) smallest value along `dim`, or in the flattened tensor when `dim` is
 * omitted.
 */
export const argmin = (x: Tensor, dim?: number | ReduceOptions, keepdim?: boolean) =>
  argWith('argmin', x, dim, keepdim);

/** max/min with a dim return values and (first) indices; the gradient goes to that index, as in torch. */
function extremum(
  prim: 'max' | 'min',
  x: Tensor,
  dim: number | Tensor | ReduceOptions | undefined,
  keepdim?: boolean,
): Tensor | ValuesIndices {
  if (dim instanceof Tensor) return prim === 'max' ? maximum(x, dim) : minimum(x, dim);
  const p = parse(dim as DimArg, keepdim);
  // torch's max()/min() share the gradient among the elements equal to the result, NaNs
  // included (amax/amin give NaN gradients to a slice with a NaN instead).
  if (p.dim === undefined || p.dim === null)
    return reduceWith(prim, x, undefined, undefined, { nanShares: true });
  if (typeof p.dim !== 'number') return reduceWith(prim, x, p.dim, p.keepdim);
  normDim(prim, p.dim, x.ndim); // a 0-d tensor takes dims -1 and 0 only, as in torch
  if (x.ndim === 0)
    return {
      values: x.clone(),
      indices: exec('fill', [], [[], 'int32', 0], [], 'int32', { device: x.device }),
    };
  const axis = normDim(prim, p.dim, x.ndim);
  if (x.shape[axis] === 0)
    throw new ShapeError(
      `${prim}: cannot reduce over empty dimension ${axis} of shape ${fmtShape(x.shape)}`,
    );
  return tidy(() => {
    const indices = argWith(prim === 'max' ? 'argmax' : 'argmin', x, axis, true);
    const values = gatherInRange(x, axis, indices); // argmax's: in range, nothing to check
    return p.keepdim
      ? { values, indices }
      : { values: values.squeeze(axis), indices: indices.squeeze(axis) };
  });
}
/**
 * `max(x)`: the largest element; `max(x, other)`: element-wise maximum; `max(x, dim)`: values and
 * (first) indices along `dim`, as torch.max.
 */
export const maxOf = (x: Tensor, dim?: number | Tensor | ReduceOptions, keepdim?: boolean) =>
  extremum('max', x, dim, keepdim);
/**
 * `min(x)`: the smallest element; `min(x, other)`: element-wise minimum; `min(x, dim)`: values and
 * (first) indices along `dim`, as torch.min.
 */
export const minOf = (x: Tensor, dim?: number | Tensor | ReduceOptions, keepdim?: boolean) =>
  extremum('min', x, dim, keepdim);

export { variance, std } from './stats.js';

/** log Σ exp(x), stable: the (detached) max is subtracted first. An empty sum is −∞, as torch. */
export function logsumexp(x: Tensor, dim: DimArg, keepdim = false): Tensor {
  return tidy(() => {
    const xf = isFloat(x.dtype) ? x : cast(x, 'float32');
    const axes = normDims('logsumexp', dim, x.ndim);
    // The sum keeps the result on the graph (its gradient is the empty tensor).
    if (axes.some((a) => x.shape[a] === 0)) return xf.sum(dim, keepdim).sub(Infinity);
    const m = noGrad(() => {
      const raw = amax(xf, dim, true);
      return where(raw.isfinite(), raw, 0);
    });
    const r = xf.sub(m).exp().sum(dim, true).log().add(m);
    return keepdim ? r : r.squeeze(normDims('logsumexp', dim, x.ndim));
  });
}

/** Bool: whether every element over `dim` (all by default) is nonzero. */
export const all = (x: Tensor, dim?: DimArg | ReduceOptions, keepdim?: boolean) =>
  tidy(() => x.eq(0).sum(dim, keepdim).eq(0));
/** Bool: whether any element over `dim` (all by default) is nonzero. */
export const any = (x: Tensor, dim?: DimArg | ReduceOptions, keepdim?: boolean) =>
  tidy(() => x.ne(0).sum(dim, keepdim).gt(0));

interface NormParams {
  p: number;
  axes: number[];
}

/** A reduced result (kept dims or not) broadcast back over the input's shape. */
export function spread(t: Tensor, shape: readonly number[], axes: readonly number[]): Tensor {
  return t.reshape(reduced(shape, axes, true)).expand(shape);
}

/** |x|^e where x ≠ 0 and 0 at x = 0 (torch's masked_fill: its second derivative is NaN there). */
const absPowNonzero = (x: Tensor, e: number): Tensor => where(x.eq(0), 0, x.abs().pow(e));

/**
 * torch's norm_backward, one formula per p, written with ops so that it is differentiable again:
 * the zero vector and zero entries get 0 (not NaN), ±∞ shares the gradient among the extremes
 * (a NaN counts as one), with the sign of x.
 */
const normRule: GradRule<never> = {
  saves: [0, 'out'],
  grad: (g, c: GradCtx<NormParams>) => {
    const { p, axes } = c.params;
    const x = c.inputs[0]!;
    const shape = c.shapes[0]!;
    const gs = spread(g, shape, axes);
    const n = spread(c.out!, shape, axes);
    // torch returns no gradient at all for p = 0 (an undefined tensor that stops the pass), so a
    // NaN or ∞ upstream cannot reach the input through it.
    if (p === 0) return [null];
    if (p === 1) return [x.sign().mul(gs)];
    if (p === 2) return [gs.mul(where(n.eq(0), 0, x.div(n)))];
    if (!Number.isFinite(p)) {
      const a = x.abs();
      const mask = a.eq(n).logicalOr(a.isnan()).to(x.dtype);
      return [x.sign().mul(gs.div(mask.sum(axes, true)).mul(mask))];
    }
    if (p < 1)
      return [
        x
          .sign()
          .mul(absPowNonzero(x, p - 1))
          .mul(gs)
          .mul(n.pow(1 - p)),
      ];
    const scaled = p < 2 ? x.sign().mul(x.abs().pow(p - 1)) : x.mul(x.abs().pow(p - 2));
    return [scaled.mul(where(n.eq(0), 0, gs.div(n.pow(p - 1))))];
  },
};

function normValue(a: Tensor, p: number, dim: DimArg, keepdim: boolean, empty: boolean): Tensor {
  // An empty norm is 0 for every p, ±∞ included (torch), where amax/amin would have no identity.
  if (empty) return a.sum(dim, keepdim).mul(0);
  if (p === Infinity) return amax(a, dim, keepdim);
  if (p === -Infinity) return amin(a, dim, keepdim);
  if (p === 0) return a.ne(0).sum(dim, keepdim).to(a.dtype);
  if (p === 1) return a.sum(dim, keepdim);
  if (p === 2) return a.mul(a).sum(dim, keepdim).sqrt();
  return a
    .pow(p)
    .sum(dim, keepdim)
    .pow(1 / p);
}

/** Vector p-norm over `dim` (all elements by default): p = 2, 1, ∞, −∞, 0 or any other real. */
export function norm(x: Tensor, p = 2, dim?: DimArg, keepdim = false): Tensor {
  if (!isFloat(x.dtype))
    throw new DTypeError(
      `norm: input dtype must be float32 or float64 (as in PyTorch), got ${x.dtype}; convert with .float()`,
    );
  return tidy(() => {
    const axes = normDims('norm', dim, x.ndim);
    const empty = axes.some((a) => x.shape[a] === 0);
    const out = noGrad(() => normValue(x.abs(), p, dim, keepdim, empty));
    record('norm', normRule, [x], out, { p, axes });
    return out;
  });
}

/** Cumulative sum along `dim`, as torch.cumsum (bool sums in int32). */
export function cumsum(x: Tensor, dim: number): Tensor {
  const axis = x.ndim === 0 ? (normDim('cumsum', dim, 0), 0) : normDim('cumsum', dim, x.ndim);
  if (x.ndim === 0) return tidy(() => (x.dtype === 'bool' ? cast(x, 'int32') : x).clone());
  const dtype: DType = reduceDType('cumsum', x.dtype);
  return exec('cumsum', [x], [axis], x.shape, dtype, { gradParams: { axis } });
}

// ---- softmax family: composite, or the backend's fused override with a closed-form gradient ----
const softmaxRule: GradRule<never> = {
  saves: ['out'],
  grad: (g, c: GradCtx<{ axis: number }>) => {
    const y = c.out!;
    return [y.mul(g.sub(g.mul(y).sum(c.params.axis, true)))];
  },
};
const logSoftmaxRule: GradRule<never> = {
  saves: ['out'],
  grad: (g, c: GradCtx<{ axis: number }>) => [g.sub(c.out!.exp().mul(g.sum(c.params.axis, true)))],
};

function softmaxLike(name: 'softmax' | 'logSoftmax', x: Tensor, dim: number): Tensor {
  const axis = normDim(name, dim, x.ndim);
  const fused = overridesEnabled() ? x.storage.backend.overrides?.[name] : undefined;
  return tidy(() => {
    const xf = isFloat(x.dtype) ? x : cast(x, 'float32');
    if (fused && x.ndim > 0) {
      const rule = name === 'softmax' ? softmaxRule : logSoftmaxRule;
      return execKernel(name, fused, rule, [xf], [axis], xf.shape, xf.dtype, { axis });
    }
    // Shifted by the line's max as is, as torch's kernels: +∞ or NaN give a NaN line, and an
    // all −∞ line gives NaN through −∞ − (−∞).
    const m = noGrad(() => amax(xf, axis, true));
    const shifted = xf.sub(m);
    const e = shifted.exp();
    // (x − m) − log Σ exp(x − m): subtracting the log-sum from the shifted values keeps precision.
    if (name === 'logSoftmax') return shifted.sub(e.sum(axis, true).log());
    return e.div(e.sum(axis, true));
  });
}
/** Softmax along `dim`: exp(x) normalised to sum to 1, computed stably. */
export const softmax = (x: Tensor, dim: number) => softmaxLike('softmax', x, dim);
/** log(softmax(x)) along `dim`, computed stably. */
export const logSoftmax = (x: Tensor, dim: number) => softmaxLike('logSoftmax', x, dim);

/** The decompositions, used by the conformance suite to check overrides. */
export const decomposed = {
  /** `softmax` as core composes it, never a backend's fused kernel. */
  softmax: (x: Tensor, dim: number) => withoutOverrides(() => softmax(x, dim)),
  /** `logSoftmax` as core composes it, never a backend's fused kernel. */
  logSoftmax: (x: Tensor, dim: number) => withoutOverrides(() => logSoftmax(x, dim)),
  /** Run `fn` with every backend override switched off (composites only). */
  run: <T>(fn: () => T): T => withoutOverrides(fn),
};
let overridesOff = 0;
function withoutOverrides<T>(fn: () => T): T {
  overridesOff++;
  try {
    return fn();
  } finally {
    overridesOff--;
  }
}
export function overridesEnabled(): boolean {
  return overridesOff === 0;
}
