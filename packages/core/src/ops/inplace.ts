/**
 * In-place writes (PyTorch's trailing-underscore ops and slice assignment). Views share one
 * Storage, so a write goes into the storage's buffer and every tensor on it sees the update —
 * but kernels never write into their inputs: the write computes a new buffer for the whole
 * storage (a copy, or the `stridedWrite` primitive for a view) and swaps it in.
 */
import { nextStorageSerial } from '../device.js';
import { DTypeError, DeviceError, GradError, ShapeError, fmtShape } from '../errors.js';
import { mayOverlap, shapesEqual } from '../shape.js';
import { type Operand, type Tensor, fmt, isTensor, trustedTensor } from '../tensor.js';
import { isGradEnabled, noGrad } from '../autograd/mode.js';
import { baseGraph, recordWrite } from '../autograd/inplace.js';
import { tidy } from '../scope.js';
import { exec, live } from './dispatch.js';
import * as vw from './views.js';
import type { IndexSpec } from './views.js';
import { cast } from './convert.js';
import { full } from './creation.js';
import { advancedPut, isAdvanced } from './advanced.js';
import { maskedFill } from './indexing.js';

/**
 * Refuses targets a write cannot be defined for (torch's message for expanded tensors), unless
 * every element gets one value (fill_, zero_: torch allows those too).
 */
export function checkWritable(op: string, t: Tensor, oneValue = false): void {
  if (!oneValue && t.size > 1 && !t.isContiguous() && mayOverlap(t.shape, t.strides))
    throw new ShapeError(
      `${op}: unsupported operation: more than one element of the written-to tensor refers to ` +
        `a single memory location (shape ${fmtShape(t.shape)}, strides ${fmtShape(t.strides)}, ` +
        `e.g. an expand()ed tensor); clone() the tensor before writing to it`,
    );
}

function checkLeaf(op: string, t: Tensor): void {
  if (t.requiresGrad && t.gradFn === null && isGradEnabled())
    throw new GradError(
      `${op}: a leaf tensor that requires grad cannot be modified in place outside fl.noGrad()`,
    );
}

/**
 * Apply in-place op `op` to `t`: `f` computes the new values from `self` (t, or a clone of it
 * when autograd records, so that what the op saves is not the storage being overwritten).
 */
export function applyInPlace(
  t: Tensor,
  op: string,
  f: (self: Tensor) => Tensor,
  operands: readonly unknown[] = [],
  oneValue = false,
): Tensor {
  live(op, t);
  checkLeaf(op, t);
  checkWritable(op, t, oneValue);
  const graph =
    isGradEnabled() && (t.requiresGrad || operands.some((o) => isTensor(o) && o.requiresGrad));
  const mark = nextStorageSerial();
  const r = tidy(() => f(graph ? t.clone() : t));
  try {
    // A result made by this op and held by nothing else can hand over its buffer: no copy.
    return writeInto(t, r, op, r.storage.serial >= mark && r.storage.refCount === 1, oneValue);
  } finally {
    r.dispose();
  }
}

/**
 * Write `src` (t's shape and dtype) into `t`'s elements of its storage and record it for
 * autograd. With `consume`, `src`'s buffer may be taken over (its holder must dispose it after);
 * `oneValue` says every element of `src` is the same (a fill), so `t` may be an expanded view.
 */
export function writeInto(
  t: Tensor,
  src: Tensor,
  op: string,
  consume = false,
  oneValue = false,
): Tensor {
  checkTarget(op, t, src, oneValue);
  const storage = t.storage;
  const record = isGradEnabled() && (t.requiresGrad || src.requiresGrad);
  const covers = t.offset === 0 && t.size === storage.size && t.isContiguous();
  // baseGraph also refuses views of leaves; a write over the whole storage replaces all of its
  // history, so it keeps no base.
  const found = record ? baseGraph(op, t) : null;
  const base = covers ? null : found;
  if (t.size > 0) noGrad(() => writeData(t, src, covers, consume));
  storage.lastWrite = op;
  if (record) recordWrite(op, t, src, base, storage);
  return t;
}

/** Everything a write checks before it changes anything (so a refused write changes nothing). */
function checkTarget(op: string, t: Tensor, src: Tensor, oneValue: boolean): void {
  live(op, t);
  live(op, src);
  if (src.dtype !== t.dtype || !shapesEqual(src.shape, t.shape))
    throw new ShapeError(`${op}: cannot write ${fmt(src)} into ${fmt(t)} in place`);
  checkLeaf(op, t);
  checkWritable(op, t, oneValue);
  if (src.storage.backend !== t.storage.backend)
    throw new DeviceError(
      `${op}: cannot write a tensor on '${src.device}' into one on '${t.device}'`,
    );
  if (!isGradEnabled() || t.requiresGrad || !t.storage.tracked) return;
  // t does not track gradients but shares its storage with tensors that do (torch's rules)
  if (!t._untracked)
    throw new GradError(
      `${op}: ${fmt(t)} is a view made under fl.noGrad() of a tensor that autograd tracks, and is ` +
        `being modified in place with gradients enabled; as in torch this is refused (ambiguous): ` +
        `write under fl.noGrad(), or take the view with gradients enabled`,
    );
  if (src.requiresGrad)
    throw new GradError(
      `${op}: cannot write a value that requires grad into ${fmt(t)}, which is detached from ` +
        `tensors that autograd tracks on the same storage; write into a clone() of it`,
    );
}

function writeData(t: Tensor, src: Tensor, covers: boolean, consume: boolean): void {
  const storage = t.storage;
  let fresh: Tensor;
  if (covers) {
    const whole = consume && src.offset === 0 && src.isContiguous() && src.storage.size === t.size;
    fresh = whole ? src : exec('contiguous', [src], [], src.shape, src.dtype);
  } else {
    const flat = trustedTensor(storage.retain(), [storage.size], [1], 0);
    try {
      fresh = exec('stridedWrite', [flat, src], [t.strides, t.offset], flat.shape, t.dtype);
    } finally {
      flat.dispose();
    }
  }
  storage.swapBuffers(fresh.storage);
  // The old buffer left with `fresh`: freed here, or by src's holder when src was taken over.
  if (fresh !== src) fresh.dispose();
}

/**
 * Slice assignment, torch's `x[index] = value`: `index` as `x.index(...)` takes it (an array is
 * the list of indices, like Python's tuple), `value` a number or a tensor broadcast to the slice
 * and cast to x's dtype. With an advanced index (tensor or array), duplicates: the last wins.
 */
export function setIndex(
  x: Tensor,
  index: IndexSpec | readonly IndexSpec[],
  value: Operand,
): Tensor {
  live('set', x);
  const specs: readonly IndexSpec[] = Array.isArray(index) ? index : [index as IndexSpec];
  if (specs.some(isAdvanced)) return advancedPut('set', x, specs, value, false);
  const view = vw.index(x, specs);
  try {
    if (isTensor(value)) checkBroadcast(value.shape, view.shape);
    applyInPlace(
      view,
      'set',
      () =>
        isTensor(value)
          ? cast(value, view.dtype).expand(view.shape)
          : full(view.shape, value, { dtype: view.dtype, device: view.device }),
      [value],
      !isTensor(value),
    );
  } finally {
    view.dispose();
  }
  return x;
}

function checkBroadcast(from: readonly number[], to: readonly number[]): void {
  const lead = to.length - from.length;
  if (lead < 0 || from.some((d, i) => d !== 1 && d !== to[lead + i]))
    throw new ShapeError(
      `set: a value of shape ${fmtShape(from)} cannot be broadcast to the indexed slice of shape ${fmtShape(to)}`,
    );
}

/**
 * torch's `index_put_`: `values` (x's dtype, broadcast) written at the positions that the index
 * tensors (int32 or bool; one per leading dim) name; with `accumulate` added, duplicates
 * accumulating. In place, returns x.
 */
export function indexPut_(
  x: Tensor,
  indices: readonly Tensor[],
  values: Tensor,
  accumulate = false,
): Tensor {
  live('indexPut_', x);
  if (values.dtype !== x.dtype)
    throw new DTypeError(
      `indexPut_: values must have the dtype of the input (${x.dtype}), got ${values.dtype}, as in PyTorch; convert them with .to('${x.dtype}')`,
    );
  return advancedPut('indexPut_', x, indices, values, accumulate);
}

/** Out-of-place `indexPut_` (torch's `index_put`): a copy of x with the values written. */
export function indexPut(
  x: Tensor,
  indices: readonly Tensor[],
  values: Tensor,
  accumulate = false,
): Tensor {
  live('indexPut', x);
  const out = x.clone();
  try {
    return indexPut_(out, indices, values, accumulate);
  } catch (e) {
    out.dispose();
    throw e;
  }
}

/**
 * In-place `maskedFill`: `value` (a number, or a 0-d tensor as torch allows) where `mask`, which
 * broadcasts to x's shape (not the other way: x is written in place), is true.
 */
export function maskedFill_(x: Tensor, mask: Tensor, value: Operand): Tensor {
  live('maskedFill_', x);
  if (mask.dtype !== 'bool')
    throw new DTypeError(`maskedFill_: mask must be a bool tensor, got ${mask.dtype}`);
  if (isTensor(value) && value.ndim !== 0)
    throw new ShapeError(
      `maskedFill_: only a 0-d value tensor is supported (as in PyTorch), got shape ${fmtShape(value.shape)}`,
    );
  const lead = x.ndim - mask.ndim;
  if (lead < 0 || mask.shape.some((d, i) => d !== 1 && d !== x.shape[lead + i]))
    throw new ShapeError(
      `maskedFill_: mask ${fmtShape(mask.shape)} does not broadcast to the input's shape ${fmtShape(x.shape)}`,
    );
  return applyInPlace(x, 'maskedFill_', (self) => maskedFill(self, mask, value), [value]);
}
