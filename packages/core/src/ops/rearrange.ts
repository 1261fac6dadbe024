/**
 * Rearranging composites: unbind, roll, diag, meshgrid and cumprod, as torch's. All are built
 * from views, cat, pad, where and mul, so their gradients come from those ops' rules.
 */
import { DTypeError, DeviceError, ShapeError, fmtShape } from '../errors.js';
import { normDim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { tidy } from '../scope.js';
import { cast } from './convert.js';
import { arange, ones } from './creation.js';
import { where } from './elementwise.js';
import { cat, pad } from './shape.js';
import { expand, flatten, narrow, reshape, slice, squeeze } from './views.js';

/**
 * The slices of `input` along `dim` (default 0), each without that dim, as views, as
 * torch.unbind.
 * @example
 * const [a, b] = fl.unbind(fl.tensor([[1, 2], [3, 4]])); // [1, 2] and [3, 4]
 */
export function unbind(input: Tensor, dim = 0): Tensor[] {
  if (input.ndim === 0)
    throw new ShapeError('unbind: cannot unbind a 0-d tensor (it has no dimensions)');
  const d = normDim('unbind', dim, input.ndim);
  return Array.from({ length: input.shape[d]! }, (_, i) => squeeze(narrow(input, d, i, 1), d));
}

/** Roll one dim by `shift` (any integer; wraps around). */
function rollDim(x: Tensor, shift: number, d: number): Tensor {
  const n = x.shape[d]!;
  const s = n === 0 ? 0 : ((shift % n) + n) % n;
  if (s === 0) return x;
  return cat([narrow(x, d, n - s, s), narrow(x, d, 0, n - s)], d);
}

/**
 * Shift elements along `dims` by `shifts`, wrapping around, as torch.roll: several dims take as
 * many shifts; without dims the tensor is rolled flattened, then given its shape back.
 * @example
 * fl.roll(fl.tensor([1, 2, 3, 4]), 1); // [4, 1, 2, 3]
 */
export function roll(
  input: Tensor,
  shifts: number | readonly number[],
  dims?: number | readonly number[],
): Tensor {
  const sh = typeof shifts === 'number' ? [shifts] : shifts;
  if (dims === undefined || (Array.isArray(dims) && dims.length === 0)) {
    if (sh.length !== 1)
      throw new ShapeError(
        `roll: without dims, shifts must be one integer (the tensor is rolled flattened), got ${fmtShape(sh)}`,
      );
    return tidy(() => reshape(rollDim(flatten(input), sh[0]!, 0), input.shape).clone());
  }
  const ds = typeof dims === 'number' ? [dims] : dims;
  if (ds.length !== sh.length)
    throw new ShapeError(
      `roll: shifts and dims must have the same length, got shifts ${fmtShape(sh)} and dims ${fmtShape(ds)}`,
    );
  const axes = ds.map((d) => normDim('roll', d, input.ndim));
  return tidy(() => {
    let r = input;
    axes.forEach((d, i) => (r = rollDim(r, sh[i]!, d)));
    return r === input ? input.clone() : r;
  });
}

/**
 * As torch.diag: a 1-D input becomes a square matrix with it on diagonal `diagonal` (above the
 * main one when positive, below when negative); a 2-D input gives that diagonal as a 1-D tensor.
 * @example
 * fl.diag(fl.tensor([1, 2])); // [[1, 0], [0, 2]]
 * fl.diag(fl.tensor([[1, 2], [3, 4]]), 1); // [2]
 */
export function diag(input: Tensor, diagonal = 0): Tensor {
  if (input.ndim === 1) return diagMatrix(input, diagonal);
  if (input.ndim !== 2)
    throw new ShapeError(`diag: input must be 1-D or 2-D, got shape ${fmtShape(input.shape)}`);
  const [r, c] = input.shape as [number, number];
  const k = diagonal;
  const len = Math.max(0, k >= 0 ? Math.min(r, c - k) : Math.min(r + k, c));
  return tidy(() => {
    if (len === 0) return slice(flatten(input), 0, 0, 0).clone();
    // Element (i, i + k) of a row-major matrix sits at start + i·(c + 1) of its flattened copy.
    const start = k >= 0 ? k : -k * c;
    return slice(flatten(input), 0, start, start + (len - 1) * (c + 1) + 1, c + 1).clone();
  });
}

function diagMatrix(v: Tensor, k: number): Tensor {
  const n = v.shape[0]! + Math.abs(k);
  return tidy(() => {
    const rows = arange(n, undefined, 1, { device: v.device }).reshape([n, 1]);
    const cols = arange(n, undefined, 1, { device: v.device }).reshape([1, n]);
    const onDiag = cols.sub(rows).eq(k);
    // Row i of the matrix holds v[i] when k ≥ 0, column j holds v[j] when k < 0.
    const padded = pad(v, [0, Math.abs(k)]);
    const spread = expand(reshape(padded, k >= 0 ? [n, 1] : [1, n]), [n, n]);
    return cast(where(onDiag, spread, 0), v.dtype);
  });
}

/** Options of `meshgrid`. */
export interface MeshgridOptions {
  /** 'ij' (matrix indexing, the default as torch's) or 'xy' (Cartesian: first two dims swapped). */
  indexing?: 'ij' | 'xy';
}

/**
 * Coordinate grids from 0-D or 1-D tensors, as torch.meshgrid: output i holds tensor i's values
 * spread over the grid of all sizes. With indexing 'xy' the first two dims are swapped (NumPy's
 * default). The outputs are broadcast views.
 * @example
 * const [gx, gy] = fl.meshgrid([fl.tensor([1, 2]), fl.tensor([3, 4, 5])]); // both [2, 3]
 */
export function meshgrid(tensors: readonly Tensor[], opts: MeshgridOptions = {}): Tensor[] {
  const { indexing = 'ij' } = opts;
  if (tensors.length === 0) throw new ShapeError('meshgrid: expects at least one tensor');
  const first = tensors[0]!;
  tensors.forEach((t, i) => {
    if (t.ndim > 1)
      throw new ShapeError(
        `meshgrid: tensor ${i} must be 0-D or 1-D, got shape ${fmtShape(t.shape)}`,
      );
    if (t.dtype !== first.dtype)
      throw new DTypeError(
        `meshgrid: all tensors must have the same dtype, got ${first.dtype} (tensor 0) and ${t.dtype} (tensor ${i})`,
      );
    if (t.device !== first.device)
      throw new DeviceError(
        `meshgrid: all tensors must be on the same device, got '${first.device}' (tensor 0) and '${t.device}' (tensor ${i})`,
      );
  });
  const swap = indexing === 'xy' && tensors.length >= 2;
  const order = swap ? [tensors[1]!, tensors[0]!, ...tensors.slice(2)] : tensors;
  const sizes = order.map((t) => t.size);
  const grids = order.map((t, i) => {
    const shape = sizes.map((_, j) => (j === i ? sizes[i]! : 1));
    return expand(reshape(t, shape), sizes);
  });
  return swap ? [grids[1]!, grids[0]!, ...grids.slice(2)] : grids;
}

/**
 * Cumulative product along `dim`, as torch.cumprod (integers and bools multiply in int32).
 * A parallel prefix scan (⌈log₂ n⌉ shifted multiplications): its gradient is the chain rule
 * through those products, so it stays exact where the input has zeros (no division by x).
 * @example
 * fl.tensor([1, 2, 3, 4]).cumprod(0); // [1, 2, 6, 24]
 */
export function cumprod(input: Tensor, dim: number): Tensor {
  const d =
    input.ndim === 0 ? (normDim('cumprod', dim, 0), 0) : normDim('cumprod', dim, input.ndim);
  return tidy(() => {
    const x = input.dtype === 'bool' ? cast(input, 'int32') : input;
    if (x.ndim === 0) return x.clone();
    const n = x.shape[d]!;
    let y = x;
    for (let s = 1; s < n; s *= 2) {
      const fill = x.shape.map((v, i) => (i === d ? s : v));
      const shifted = cat(
        [ones(fill, { dtype: x.dtype, device: x.device }), narrow(y, d, 0, n - s)],
        d,
      );
      y = y.mul(shifted);
    }
    return y === x ? x.clone() : y;
  });
}
