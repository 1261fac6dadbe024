/** Dtype casts, device copies and reading data back to JS. */
import { getBackend, listDevices } from '../device.js';
import { DTYPES, type DType, type TypedArray } from '../dtype.js';
import { BackendError, DeviceError, ShapeError, fmtShape } from '../errors.js';
import { sizeOf } from '../shape.js';
import { Tensor, type NestedArray } from '../tensor.js';
import { noGrad } from '../autograd/mode.js';
import { record } from '../autograd/record.js';
import { exec, live } from './dispatch.js';
import { upload } from './creation.js';
import { settleChecks } from './checks.js';

/** Cast to `dtype`; returns `x` itself when it already has it (as torch's .to does). */
export function cast(x: Tensor, dtype: DType): Tensor {
  live('to', x);
  if (x.dtype === dtype) return x;
  return exec('cast', [x], [dtype], x.shape, dtype);
}

/** Whether x covers its whole buffer in row-major order. */
function isWholeBuffer(x: Tensor): boolean {
  return x.offset === 0 && x.isContiguous() && x.storage.size === x.size;
}

function readWith<T>(x: Tensor, read: (t: Tensor) => T): T {
  if (isWholeBuffer(x)) return read(x);
  const c = noGrad(() => exec('contiguous', [x], [], x.shape, x.dtype));
  try {
    return read(c);
  } finally {
    c.dispose();
  }
}

/** A device without synchronous read-back (WebGPU) declares `caps.syncRead: false`. */
function syncReadable(op: string, x: Tensor): void {
  if (x.storage.backend.caps.syncRead === false)
    throw new BackendError(
      `${op}: device '${x.device}' has no synchronous read-back (caps.syncRead is false); ` +
        `use \`await t.data()\` instead`,
    );
}

export function dataSync(x: Tensor): TypedArray {
  live('dataSync', x);
  syncReadable('dataSync', x);
  return readWith(x, (t) => t.storage.backend.readSync(t.storage.buf, t.dtype, t.size));
}

export async function data(x: Tensor): Promise<TypedArray> {
  live('data', x);
  // A deferred argument check of an earlier op on this device rejects the read (ops/checks.ts).
  await settleChecks(x.device);
  live('data', x);
  if (isWholeBuffer(x)) return x.storage.backend.read(x.storage.buf, x.dtype, x.size);
  const c = noGrad(() => exec('contiguous', [x], [], x.shape, x.dtype));
  try {
    return await c.storage.backend.read(c.storage.buf, c.dtype, c.size);
  } finally {
    c.dispose();
  }
}

export function toArray(x: Tensor): NestedArray {
  live('toArray', x);
  syncReadable('toArray', x);
  const flat = dataSync(x);
  const conv = x.dtype === 'bool' ? (v: number) => v !== 0 : (v: number) => v;
  let i = 0;
  const build = (d: number): NestedArray => {
    if (d === x.shape.length) return conv(flat[i++]!);
    const n = x.shape[d]!;
    const out = new Array<NestedArray>(n);
    for (let k = 0; k < n; k++) out[k] = build(d + 1);
    return out;
  };
  return build(0);
}

export function item(x: Tensor): number {
  live('item', x);
  syncReadable('item', x);
  if (sizeOf(x.shape) !== 1)
    throw new ShapeError(
      `item: only one-element tensors can be converted to a number, got shape ${fmtShape(x.shape)}`,
    );
  return dataSync(x)[0]!;
}

const toDeviceRule = {
  grad: (g: Tensor, c: { params: unknown }) => [toDevice(g, c.params as string)],
};

/** Copy to another device; differentiable (the gradient is copied back). */
export function toDevice(x: Tensor, device: string): Tensor {
  live('to', x);
  if (!listDevices().includes(device))
    throw new DeviceError(
      `to: '${device}' is neither a dtype (${DTYPES.join(', ')}) nor a registered device (${listDevices().join(', ')})`,
    );
  const target = getBackend(device);
  if (target.name === x.device) return x;
  if (x.storage.backend.caps.syncRead === false)
    // The copy goes through the host, and `to` returns at once: it would have to read now.
    throw new BackendError(
      `to: copying a ${x.dtype} tensor ${fmtShape(x.shape)} from device '${x.device}' to '${target.name}' reads it synchronously, which '${x.device}' cannot (caps.syncRead is false); ` +
        `use fl.tensor(await t.data(), { shape: t.shape, dtype: t.dtype, device: '${target.name}' })`,
    );
  const out = upload(dataSync(x), x.shape, x.dtype, target.name);
  record('toDevice', toDeviceRule, [x], out, x.device);
  return out;
}
