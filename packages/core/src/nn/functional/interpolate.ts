/**
 * F.interpolate (torch.nn.functional.interpolate) for [N,C,L] and [N,C,H,W] inputs: nearest,
 * nearest-exact, linear and bilinear. Each spatial axis is resampled on its own: nearest modes
 * gather one source index per output position, linear modes gather the two neighbours and blend
 * them with per-position weights, so gradients come from gather's rule (a scatter-add).
 * Source positions follow torch's kernels, including the scale it uses when `scaleFactor` is
 * given (1/scaleFactor, not in/out, unless `recomputeScaleFactor`).
 */
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { tidy } from '../../scope.js';
import { isFloat, typedArrayFor } from '../../dtype.js';
import { upload } from '../../ops/creation.js';
import { exec } from '../../ops/dispatch.js';

/** Resampling modes of `F.interpolate`. */
export type InterpolateMode = 'nearest' | 'nearest-exact' | 'linear' | 'bilinear';

/** Options of `F.interpolate` (torch's keyword arguments, camelCase); give `size` or `scaleFactor`. */
export interface InterpolateOptions {
  /** Output spatial size: one number for every spatial dim, or one per dim. */
  size?: number | readonly number[];
  /** Multiplier of the spatial size (output = ⌊input · scaleFactor⌋), one or one per dim. */
  scaleFactor?: number | readonly number[];
  /** 'nearest' (default), 'nearest-exact', 'linear' (3-D input) or 'bilinear' (4-D input). */
  mode?: InterpolateMode;
  /** Linear modes: align the corner pixels' centres of input and output (default false). */
  alignCorners?: boolean;
  /** With `scaleFactor`: resample with in/out instead of 1/scaleFactor (default false). */
  recomputeScaleFactor?: boolean;
}

const MODES_BY_RANK: Record<number, readonly InterpolateMode[]> = {
  3: ['nearest', 'nearest-exact', 'linear'],
  4: ['nearest', 'nearest-exact', 'bilinear'],
};

function perDim(name: string, v: number | readonly number[], n: number): number[] {
  const list = typeof v === 'number' ? new Array<number>(n).fill(v) : v.slice();
  if (list.length !== n)
    throw new ShapeError(
      `interpolate: ${name} must be one number or ${n} (one per spatial dim), got ${list.length}`,
    );
  return list;
}

/** Output sizes, and the scale per axis that torch's kernels get (null: use in/out). */
function plan(x: Tensor, o: InterpolateOptions): { sizes: number[]; scales: (number | null)[] } {
  const n = x.ndim - 2;
  const inSizes = x.shape.slice(2);
  if ((o.size === undefined) === (o.scaleFactor === undefined))
    throw new ArgumentError('interpolate: give exactly one of size and scaleFactor');
  let sizes: number[];
  let scales: (number | null)[] = inSizes.map(() => null);
  if (o.size !== undefined) {
    if (o.recomputeScaleFactor)
      throw new ArgumentError(
        'interpolate: recomputeScaleFactor is not meaningful with an explicit size (as torch)',
      );
    sizes = perDim('size', o.size, n);
  } else {
    const f = perDim('scaleFactor', o.scaleFactor!, n);
    if (f.some((s) => !(Number.isFinite(s) && s > 0)))
      throw new ArgumentError(
        `interpolate: scaleFactor must be positive finite numbers, got [${f.join(', ')}]`,
      );
    sizes = inSizes.map((d, i) => Math.floor(d * f[i]!));
    if (!o.recomputeScaleFactor) scales = f;
  }
  if (sizes.some((s) => !Number.isSafeInteger(s) || s <= 0) || inSizes.some((d) => d <= 0))
    throw new ShapeError(
      `interpolate: input and output sizes must be greater than 0, got input ${fmtShape(x.shape)} and output size [${sizes.join(', ')}]`,
    );
  return { sizes, scales };
}

/** Gather x at `index` (length out) along `axis`; the index is in range by construction. */
function gatherAxis(x: Tensor, axis: number, index: Int32Array): Tensor {
  const shape = x.shape.slice();
  shape[axis] = index.length;
  const idxShape = shape.map((d, i) => (i === axis ? d : 1));
  const idx = upload(index, idxShape, 'int32', x.device).expand(shape);
  return exec('gather', [x, idx], [axis], shape, x.dtype, { gradParams: { axis } });
}

/** torch's nearest source index (computed in float32, as its kernels do). */
function nearestIndex(
  inSize: number,
  out: number,
  scale: number | null,
  exact: boolean,
): Int32Array {
  const s = Math.fround(scale === null ? inSize / out : 1 / scale);
  const offset = exact ? 0.5 : 0;
  return Int32Array.from({ length: out }, (_, i) =>
    Math.min(Math.floor(Math.fround((i + offset) * s)), inSize - 1),
  );
}

/** Linear taps: left/right source indices and the right neighbour's weight per output position. */
function linearTaps(inSize: number, out: number, scale: number | null, align: boolean) {
  let s: number;
  if (align) s = out > 1 ? (inSize - 1) / (out - 1) : 0;
  else s = scale === null ? inSize / out : 1 / scale;
  const i0 = new Int32Array(out);
  const i1 = new Int32Array(out);
  const w1 = new Float64Array(out);
  for (let i = 0; i < out; i++) {
    const src = align ? s * i : Math.max(s * (i + 0.5) - 0.5, 0);
    const lo = Math.min(Math.floor(src), inSize - 1);
    i0[i] = lo;
    i1[i] = lo < inSize - 1 ? lo + 1 : lo;
    w1[i] = src - lo;
  }
  return { i0, i1, w1 };
}

function resampleAxis(
  x: Tensor,
  axis: number,
  out: number,
  scale: number | null,
  o: InterpolateOptions,
): Tensor {
  const inSize = x.shape[axis]!;
  const mode = o.mode ?? 'nearest';
  if (mode === 'nearest' || mode === 'nearest-exact')
    return gatherAxis(x, axis, nearestIndex(inSize, out, scale, mode === 'nearest-exact'));
  const { i0, i1, w1 } = linearTaps(inSize, out, scale, o.alignCorners ?? false);
  const wShape = x.shape.map((d, i) => (i === axis ? out : 1));
  const hi = typedArrayFor(x.dtype, out);
  const lo = typedArrayFor(x.dtype, out);
  w1.forEach((w, i) => ((hi[i] = w), (lo[i] = 1 - w)));
  const a = gatherAxis(x, axis, i0).mul(upload(lo, wShape, x.dtype, x.device));
  return a.add(gatherAxis(x, axis, i1).mul(upload(hi, wShape, x.dtype, x.device)));
}

function checkInterpolate(x: Tensor, o: InterpolateOptions): void {
  const modes = MODES_BY_RANK[x.ndim];
  if (!modes)
    throw new ShapeError(
      `interpolate: expected input of shape [N,C,L] or [N,C,H,W], got ${fmtShape(x.shape)}`,
    );
  const mode = o.mode ?? 'nearest';
  if (!modes.includes(mode))
    throw new ArgumentError(
      `interpolate: mode '${String(mode).slice(0, 40)}' is not available for ${x.ndim}-D input (valid: ${modes.map((m) => `'${m}'`).join(', ')})`,
    );
  const linear = mode === 'linear' || mode === 'bilinear';
  if (!linear && o.alignCorners !== undefined)
    throw new ArgumentError(
      `interpolate: alignCorners can only be set with the linear modes, not '${mode}'`,
    );
  if (linear && !isFloat(x.dtype))
    throw new DTypeError(
      `interpolate: mode '${mode}' needs a floating-point input, got ${x.dtype}`,
    );
}

/**
 * Resize x [N,C,L] or [N,C,H,W] to `size` or by `scaleFactor`, as
 * torch.nn.functional.interpolate (modes nearest, nearest-exact, linear on 3-D, bilinear on 4-D).
 * @example
 * const x = fl.tensor([[[1, 2], [3, 4]]]).unsqueeze(0); // [1, 1, 2, 2]
 * nn.F.interpolate(x, { scaleFactor: 2 }).shape; // [1, 1, 4, 4]
 * nn.F.interpolate(x, { size: [3, 3], mode: 'bilinear', alignCorners: true }).toArray();
 * // [[[[1, 1.5, 2], [2, 2.5, 3], [3, 3.5, 4]]]]
 */
export function interpolate(x: Tensor, opts: InterpolateOptions = {}): Tensor {
  checkInterpolate(x, opts);
  const { sizes, scales } = plan(x, opts);
  return tidy(() =>
    sizes.reduce((y, out, i) => resampleAxis(y, i + 2, out, scales[i] ?? null, opts), x),
  );
}
