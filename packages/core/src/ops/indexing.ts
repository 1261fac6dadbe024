/** Index-driven ops: gather, scatterAdd, indexSelect, maskedFill, oneHot. */
import { BackendError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { normDim } from '../shape.js';
import { Tensor, type Operand } from '../tensor.js';
import { tidy } from '../scope.js';
import { noGrad } from '../autograd/mode.js';
import { exec } from './dispatch.js';
import { cast } from './convert.js';
import { arange, tensor } from './creation.js';
import { where } from './elementwise.js';
import { checkOnDevice, deferred } from './checks.js';

function checkIndex(op: string, index: Tensor): void {
  if (index.dtype !== 'int32')
    throw new DTypeError(`${op}: index must be an int32 tensor, got ${index.dtype}`);
}

/**
 * Every index value must lie in [0, n): checked with two reductions, at once or, on a device
 * without synchronous read-back, deferred to its next read (ops/checks.ts). Returns the index to
 * hand the kernel: there, clamped into range, so a bad value never reaches memory it must not.
 */
function checkRange(op: string, index: Tensor, n: number, dim: number): Tensor | null {
  if (index.size === 0) return index;
  const later = checkOnDevice(
    index,
    () => [index.amin(), index.amax()],
    ([lo, hi]) =>
      lo! < 0 || hi! >= n
        ? new ShapeError(
            `${op}: index ${lo! < 0 ? lo : hi} is out of bounds for dimension ${dim} with size ${n} (valid: 0 to ${n - 1})`,
          )
        : undefined,
  );
  if (!later) return index;
  // Nothing is in range of an empty dim: the caller makes its result without a kernel.
  return n === 0 ? null : noGrad(() => index.clamp(0, n - 1));
}

/** What an op over an empty dim gives while its deferred range check is pending: zeros. */
function placeholder(x: Tensor, shape: readonly number[]): Tensor {
  return exec('fill', [], [shape, x.dtype, 0], shape, x.dtype, { device: x.device });
}

/** Size of dim `axis`; a 0-d tensor is indexed as if it had one element (torch). */
const extent = (x: Tensor, axis: number): number => (x.ndim === 0 ? 1 : x.shape[axis]!);

function checkAligned(op: string, x: Tensor, index: Tensor, axis: number, what = 'input'): void {
  if (index.ndim !== x.ndim)
    throw new ShapeError(
      `${op}: index ${fmtShape(index.shape)} must have the same rank as ${what} ${fmtShape(x.shape)}`,
    );
  index.shape.forEach((d, i) => {
    if (i !== axis && d > x.shape[i]!)
      throw new ShapeError(
        `${op}: index ${fmtShape(index.shape)} is larger than ${what} ${fmtShape(x.shape)} at dimension ${i}`,
      );
  });
}

/**
 * out[i][j] = x[index[i][j]][j] (dim 0), out[i][j] = x[i][index[i][j]] (dim 1), …
 * @example
 * fl.tensor([[1, 2], [3, 4]]).gather(1, fl.tensor([[1], [0]], { dtype: 'int32' })); // [[2], [3]]
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  return gatherAs('gather', x, dim, index);
}

function gatherAs(op: string, x: Tensor, dim: number, index: Tensor, inRange = false): Tensor {
  const axis = normDim(op, dim, Math.max(x.ndim, 1));
  checkIndex(op, index);
  checkAligned(op, x, index, axis);
  if (inRange)
    return exec('gather', [x, index], [axis], index.shape, x.dtype, { gradParams: { axis } });
  return tidy(() => {
    const idx = checkRange(op, index, extent(x, axis), axis);
    if (!idx) return placeholder(x, index.shape);
    return exec('gather', [x, idx], [axis], index.shape, x.dtype, { gradParams: { axis } });
  });
}

/** @internal gather of an index in range by construction (argmax's), without the range check. */
export function gatherInRange(x: Tensor, dim: number, index: Tensor): Tensor {
  return gatherAs('gather', x, dim, index, true);
}

/** A copy of x with src added at the positions index names along dim (duplicates accumulate). */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  const axis = normDim('scatterAdd', dim, Math.max(x.ndim, 1));
  checkIndex('scatterAdd', index);
  checkAligned('scatterAdd', x, index, axis);
  checkAligned('scatterAdd', src, index, -1, 'src');
  if (src.dtype !== x.dtype)
    throw new DTypeError(
      `scatterAdd: src must have the input's dtype ${x.dtype}, got ${src.dtype} (as in PyTorch); convert it with .to('${x.dtype}')`,
    );
  return tidy(() => {
    const idx = checkRange('scatterAdd', index, extent(x, axis), axis);
    if (!idx) return x.clone();
    const s = src.index(...index.shape.map((d) => `0:${d}`));
    return exec('scatterAdd', [x, idx, s], [axis], x.shape, x.dtype, { gradParams: { axis } });
  });
}

/**
 * Select entries along dim by a 1-D (or 0-d) int32 index. A 0-d input is indexed as torch does:
 * dim 0 (or −1) with a one-element index, giving a 0-d result.
 */
export function indexSelect(x: Tensor, dim: number, index: Tensor | readonly number[]): Tensor {
  return selectAs(x, dim, index, false);
}

/** @internal indexSelect of an index in range by construction (pad's), without the range check. */
export function indexSelectInRange(x: Tensor, dim: number, index: Tensor): Tensor {
  return selectAs(x, dim, index, true);
}

function selectAs(
  x: Tensor,
  dim: number,
  index: Tensor | readonly number[],
  inRange: boolean,
): Tensor {
  const axis = normDim('indexSelect', dim, Math.max(x.ndim, 1));
  return tidy(() => {
    const idx =
      index instanceof Tensor
        ? index
        : tensor(index as number[], { dtype: 'int32', device: x.device });
    checkIndex('indexSelect', idx);
    if (idx.ndim > 1)
      throw new ShapeError(`indexSelect: index must be 1-D, got shape ${fmtShape(idx.shape)}`);
    if (x.ndim === 0) {
      if (idx.size !== 1)
        throw new ShapeError(
          `indexSelect: a 0-d input takes a one-element index, got shape ${fmtShape(idx.shape)}`,
        );
      return selectAs(x.reshape([1]), 0, idx.reshape([1]), inRange).reshape([]);
    }
    // Checked on the index itself: over an empty input the expanded view below has no elements,
    // but torch still refuses an index outside the dim.
    const safe = inRange ? idx : checkRange('indexSelect', idx, x.shape[axis]!, axis);
    const shape = x.shape.slice();
    shape[axis] = idx.size;
    if (!safe) return placeholder(x, shape);
    const view = safe.reshape(x.shape.map((_, i) => (i === axis ? idx.size : 1))).expand(shape);
    return gatherAs('indexSelect', x, axis, view, true);
  });
}

/**
 * x with `value` (a number or a 0-d tensor) where the bool mask is true; x and mask broadcast
 * together (torch.masked_fill); keeps x's dtype.
 */
export function maskedFill(x: Tensor, mask: Tensor, value: Operand): Tensor {
  if (mask.dtype !== 'bool')
    throw new DTypeError(`maskedFill: mask must be a bool tensor, got ${mask.dtype}`);
  if (value instanceof Tensor && value.ndim !== 0)
    throw new ShapeError(
      `maskedFill: only a 0-d value tensor is supported (as in PyTorch), got shape ${fmtShape(value.shape)}`,
    );
  return tidy(() =>
    cast(where(mask, value instanceof Tensor ? cast(value, x.dtype) : value, x), x.dtype),
  );
}

/**
 * One-hot encoding (int32) with numClasses as a new last dim; −1 infers max + 1. As torch: an
 * empty index needs numClasses > 0 (nothing to infer from), and every class must lie in
 * [0, numClasses).
 */
export function oneHot(index: Tensor, numClasses = -1): Tensor {
  checkIndex('oneHot', index);
  if (index.size === 0 && numClasses <= 0)
    throw new ShapeError(
      `oneHot: cannot infer the number of classes from an empty index ${fmtShape(index.shape)}; pass numClasses > 0 (got ${numClasses})`,
    );
  if (numClasses < -1)
    throw new ShapeError(
      `oneHot: numClasses must be -1 (infer) or non-negative, got ${numClasses}`,
    );
  if (numClasses === -1 && deferred(index))
    // The result's shape would depend on a value, which this device can only read with await
    // (PyTorch/XLA asks for num_classes the same way).
    throw new BackendError(
      `oneHot: numClasses -1 (infer from the largest class) needs a synchronous read of the index, which device '${index.device}' does not have (caps.syncRead is false); pass numClasses`,
    );
  const n = numClasses === -1 ? tidy(() => index.amax().item()) + 1 : numClasses;
  return tidy(() => {
    // a comparison with every class reads no memory by index: no clamped copy needed
    checkRange('oneHot', index, n, index.ndim);
    return index
      .unsqueeze(-1)
      .eq(arange(n, undefined, 1, { device: index.device }))
      .to('int32');
  });
}
