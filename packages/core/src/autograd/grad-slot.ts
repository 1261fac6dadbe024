/**
 * Assigning `t.grad`. A tensor owns its gradient: replacing it (with null or another tensor)
 * disposes the previous one at once, as `zeroGrad()` does, so the autograd guide's
 * `w.grad = null` reset frees memory deterministically instead of waiting for the GC. A caller
 * that wants to keep an old gradient takes a copy first (`w.grad.clone()`). The checks are
 * PyTorch's (`w.grad = g` requires g's size, dtype and device to match w's).
 */
import type { Tensor } from '../tensor.js';
import {
  ArgumentError,
  DTypeError,
  DeviceError,
  DisposedTensorError,
  GradError,
  ShapeError,
  fmtShape,
} from '../errors.js';
import { describe } from '../check/describe.js';
import { keep } from '../scope.js';

function isTensorValue(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && Object.hasOwn(x, '_isTensor');
}

/** Check `g` as the new gradient of `t`, take ownership of it, and free `old`. Returns `g`. */
export function replaceGrad(t: Tensor, old: Tensor | null, g: unknown): Tensor | null {
  if (g === old) return old;
  if (g !== null) checkGrad(t, g);
  // The tensor owns its gradient from now on: no tidy scope may free it behind its back.
  if (g !== null) keep(g as Tensor);
  old?.dispose();
  return g as Tensor | null;
}

function checkGrad(t: Tensor, g: unknown): asserts g is Tensor {
  const what = `grad of a ${fmtShape(t.shape)} ${t.dtype} tensor`;
  if (!isTensorValue(g))
    throw new ArgumentError(
      `Tensor.grad: the ${what} must be a Tensor or null, got ${describe(g)}`,
    );
  if (g === t) throw new GradError(`Tensor.grad: a tensor cannot be its own gradient`);
  if (t.disposed)
    throw new DisposedTensorError(`Tensor.grad: cannot assign a gradient to a disposed tensor`);
  if (g.disposed)
    throw new DisposedTensorError(`Tensor.grad: the ${what} cannot be a disposed tensor`);
  if (g.shape.length !== t.shape.length || g.shape.some((d, i) => d !== t.shape[i]))
    throw new ShapeError(
      `Tensor.grad: the ${what} must have shape ${fmtShape(t.shape)}, got ${fmtShape(g.shape)}`,
    );
  if (g.dtype !== t.dtype)
    throw new DTypeError(`Tensor.grad: the ${what} must be ${t.dtype}, got ${g.dtype}`);
  if (g.device !== t.device)
    throw new DeviceError(
      `Tensor.grad: the ${what} must be on '${t.device}' like its tensor, got '${g.device}'`,
    );
}
