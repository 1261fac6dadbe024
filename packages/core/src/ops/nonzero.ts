/**
 * Ops whose output shape depends on the values of their input: nonzero, argwhere, maskedSelect.
 * They read the input to the host; on a device without synchronous read-back (caps.syncRead
 * false) the synchronous forms throw a typed error pointing to their `…Async` forms, which
 * await the read (as tfjs's `whereAsync` / `booleanMaskAsync`).
 */
import { BackendError, DTypeError } from '../errors.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { tidy } from '../scope.js';
import { deferred } from './checks.js';
import { tensor } from './creation.js';

/** Options of `nonzero`: `asTuple` gives one 1-D index tensor per dim (torch's `as_tuple`). */
export interface NonzeroOptions {
  /** One 1-D int32 index tensor per dim instead of one `[n, ndim]` tensor (default false). */
  asTuple?: boolean;
}

/** Refuses a synchronous read on a device that has none, naming the async form to use. */
export function needSyncRead(op: string, t: Tensor, instead: string): void {
  if (deferred(t))
    throw new BackendError(
      `${op}: the output shape depends on the values of the input, which device '${t.device}' ` +
        `cannot read synchronously (caps.syncRead is false); use ${instead}`,
    );
}

/** The coordinates of the true flags (row-major order), one Int32Array per dim. */
function coordinates(flags: ArrayLike<number>, shape: readonly number[]): Int32Array[] {
  let n = 0;
  for (let i = 0; i < flags.length; i++) if (flags[i]) n++;
  const cols = shape.map(() => new Int32Array(n));
  let row = 0;
  for (let i = 0; i < flags.length; i++) {
    if (!flags[i]) continue;
    let rem = i;
    for (let d = shape.length - 1; d >= 0; d--) {
      cols[d]![row] = rem % shape[d]!;
      rem = Math.floor(rem / shape[d]!);
    }
    row++;
  }
  return cols;
}

function flagsOf(x: Tensor): Tensor {
  return x.dtype === 'bool' ? x : x.ne(0);
}

function build(x: Tensor, flags: ArrayLike<number>, asTuple: boolean): Tensor | Tensor[] {
  const cols = coordinates(flags, x.shape);
  const device = x.device;
  if (asTuple) {
    // torch: a 0-d input gives one index tensor (of zeros), as if it were 1-D
    if (x.ndim === 0) return [tensor(new Int32Array(flags[0] ? 1 : 0), { dtype: 'int32', device })];
    return cols.map((c) => tensor(c, { dtype: 'int32', device }));
  }
  const n = cols[0]?.length ?? (flags.length > 0 && flags[0] ? 1 : 0);
  const data = new Int32Array(n * x.ndim);
  cols.forEach((c, d) => c.forEach((v, r) => (data[r * x.ndim + d] = v)));
  return tensor(data, { dtype: 'int32', device, shape: [n, x.ndim] });
}

/**
 * Indices of the non-zero (true, NaN included) elements in row-major order: an int32 tensor
 * `[n, ndim]`, or with `{ asTuple: true }` an array of `ndim` int32 tensors `[n]` (torch's
 * `nonzero(as_tuple=True)`, which can index: `x.index(...m.nonzero({ asTuple: true }))` is
 * `x.index(m)`). Reads the input; see `nonzeroAsync` for devices without synchronous read.
 * @example
 * fl.tensor([[0, 1], [2, 0]]).nonzero(); // [[0, 1], [1, 0]] (int32)
 */
export function nonzero(x: Tensor, opts: NonzeroOptions = {}): Tensor | Tensor[] {
  needSyncRead('nonzero', x, '`await x.nonzeroAsync()`');
  const flags = tidy(() => flagsOf(x).dataSync());
  return build(x, flags, opts.asTuple === true);
}

/** `nonzero` that awaits the read, for devices without synchronous read-back. */
export async function nonzeroAsync(
  x: Tensor,
  opts: NonzeroOptions = {},
): Promise<Tensor | Tensor[]> {
  const f = flagsOf(x);
  try {
    return build(x, await f.data(), opts.asTuple === true);
  } finally {
    if (f !== x) f.dispose();
  }
}

/** Indices of the non-zero elements as an int32 tensor `[n, ndim]` (torch.argwhere). */
export function argwhere(x: Tensor): Tensor {
  return nonzero(x) as Tensor;
}

function broadcastMask(op: string, x: Tensor, mask: Tensor): [Tensor, Tensor] {
  if (mask.dtype !== 'bool')
    throw new DTypeError(`${op}: mask must be a bool tensor, got ${mask.dtype}`);
  const shape = broadcastShapes(op, x.shape, mask.shape);
  return [x.expand(shape), mask.expand(shape)];
}

/**
 * The elements of `x` where the bool `mask` is true, as a new 1-D tensor (both broadcast to one
 * shape first), as torch.masked_select; differentiable in `x`.
 * @example
 * fl.tensor([1, 2, 3]).maskedSelect(fl.tensor([true, false, true])); // [1, 3]
 */
export function maskedSelect(x: Tensor, mask: Tensor): Tensor {
  return tidy(() => {
    const [xb, mb] = broadcastMask('maskedSelect', x, mask);
    needSyncRead('maskedSelect', mb, '`await x.maskedSelectAsync(mask)`');
    return xb.index(mb);
  });
}

/** `maskedSelect` that awaits the read of the mask, for devices without synchronous read-back. */
export async function maskedSelectAsync(x: Tensor, mask: Tensor): Promise<Tensor> {
  const [xb, mb] = tidy(() => broadcastMask('maskedSelectAsync', x, mask));
  try {
    const idx = (await nonzeroAsync(mb, { asTuple: true })) as Tensor[];
    try {
      return xb.ndim === 0 ? tidy(() => xb.reshape([1]).index(idx[0]!)) : xb.index(...idx);
    } finally {
      for (const t of idx) t.dispose();
    }
  } finally {
    xb.dispose();
    mb.dispose();
  }
}
