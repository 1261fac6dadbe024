/** matmul with torch.matmul semantics (1-D, 2-D, broadcast batches), bmm, outer, dot. */
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import { broadcastShapes, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { tidy } from '../scope.js';
import { exec, live } from './dispatch.js';
import { cast } from './convert.js';
import { promote } from './elementwise.js';

/** torch's matrix products take one dtype, never promoted: float32 @ float64 is an error. */
function mmType(op: string, a: Tensor, b: Tensor) {
  live(op, a);
  live(op, b);
  if (a.dtype !== b.dtype)
    throw new DTypeError(
      `${op}: both operands must have the same dtype, got ${a.dtype} and ${b.dtype} (as in PyTorch, matrix products do not promote); convert one with .to('${promote([a, b])}')`,
    );
  if (a.dtype === 'bool')
    throw new DTypeError(`${op}: bool tensors cannot be multiplied; convert with .float()`);
  return a.dtype;
}

function innerError(op: string, a: Tensor, b: Tensor, k1: number, k2: number): ShapeError {
  return new ShapeError(
    `${op}: cannot multiply ${fmtShape(a.shape)} by ${fmtShape(b.shape)}: inner dimensions ${k1} and ${k2} differ`,
  );
}

/** Collapse the batch dims of an (already broadcast) [..., r, c] tensor into one: [B, r, c]. */
function as3d(t: Tensor, batch: readonly number[]): Tensor {
  const [r, c] = t.shape.slice(-2) as [number, number];
  return t.expand([...batch, r, c]).reshape([sizeOf(batch), r, c]);
}

/**
 * Matrix product with broadcasting over batch dims; 1-D operands are promoted to matrices and
 * the added dim removed afterwards, as in torch.matmul.
 * @example
 * fl.ones([4, 2, 3]).matmul(fl.ones([3, 5])).shape; // [4, 2, 5]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const dtype = mmType('matmul', a, b);
  if (a.ndim === 0 || b.ndim === 0)
    throw new ShapeError(
      `matmul: both arguments need at least 1 dimension, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
    );
  return tidy(() => {
    const x = a.ndim === 1 ? a.unsqueeze(0) : a;
    const y = b.ndim === 1 ? b.unsqueeze(1) : b;
    const [m, k] = x.shape.slice(-2) as [number, number];
    const [k2, n] = y.shape.slice(-2) as [number, number];
    if (k !== k2)
      throw innerError('matmul', a, b, a.shape[a.ndim - 1]!, b.ndim === 1 ? b.shape[0]! : k2);
    const batch = broadcastShapes('matmul', x.shape.slice(0, -2), y.shape.slice(0, -2));
    let out: Tensor;
    if (y.ndim === 2 && x.ndim > 2 && x.isContiguous()) {
      // Common Linear case: fold the batch into rows and run one [B*m, k] x [k, n] product.
      const rows = cast(x, dtype).reshape([1, sizeOf(batch) * m, k]);
      out = exec(
        'matmul',
        [rows, cast(y, dtype).unsqueeze(0)],
        [],
        [1, sizeOf(batch) * m, n],
        dtype,
      );
    } else {
      const x3 = as3d(cast(x, dtype), batch);
      const y3 = as3d(cast(y, dtype), batch);
      out = exec('matmul', [x3, y3], [], [x3.shape[0]!, m, n], dtype);
    }
    let shape = [...batch, m, n];
    if (a.ndim === 1) shape = shape.filter((_, i) => i !== shape.length - 2);
    if (b.ndim === 1) shape = shape.slice(0, -1);
    return out.reshape(shape);
  });
}

/** Batched matrix product of `[b, n, m]` and `[b, m, p]` tensors, giving `[b, n, p]`. */
export function bmm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 3 || b.ndim !== 3)
    throw new ShapeError(
      `bmm: both arguments must be 3-D, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
    );
  if (a.shape[0] !== b.shape[0])
    throw new ShapeError(`bmm: batch sizes differ: ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  if (a.shape[2] !== b.shape[1]) throw innerError('bmm', a, b, a.shape[2]!, b.shape[1]!);
  const dtype = mmType('bmm', a, b);
  return tidy(() =>
    exec(
      'matmul',
      [cast(a, dtype), cast(b, dtype)],
      [],
      [a.shape[0]!, a.shape[1]!, b.shape[2]!],
      dtype,
    ),
  );
}

/** Outer product of two 1-D tensors: `[n]` and `[m]` give `[n, m]`. */
export function outer(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1)
    throw new ShapeError(
      `outer: both arguments must be 1-D, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
    );
  return tidy(() => a.unsqueeze(1).mul(b.unsqueeze(0)));
}

/** Inner product of two 1-D tensors of equal length, as a 0-d tensor. */
export function dot(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1)
    throw new ShapeError(
      `dot: both arguments must be 1-D, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
    );
  if (a.shape[0] !== b.shape[0]) throw innerError('dot', a, b, a.shape[0]!, b.shape[0]!);
  mmType('dot', a, b);
  return matmul(a, b);
}
