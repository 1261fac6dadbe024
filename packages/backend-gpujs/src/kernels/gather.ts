/**
 * gather of float32/bool data on the device. The int32 index lives on the host (exact), so the
 * host turns it into the absolute element offset of every output in x's buffer — plain integer
 * arithmetic on shapes and strides — and one kernel picks those elements. Only the index (the
 * size of the output) crosses to the device; x never leaves it. Before this, gather ran on the
 * host fallback, which read the whole of x back on every call: a DataLoader batch drawn from a
 * 60,000-row dataset copied the dataset.
 */
import { BackendError, sizeOf } from '@flint/core/backend';
import type { KView } from '@flint/core/backend';
import type { GBuf } from '../storage.js';
import type { Device } from './table.js';

type V = KView<GBuf>;

const PICK_SRC = `function(x, off) {
  return x[off[this.thread.x]];
}`;

/**
 * For each output position (row-major over index.shape) the offset into x's buffer:
 * x.offset + Σ_{j≠axis} i_j·x.strides[j] + index[i]·x.strides[axis]. Offsets stay below the
 * backend's 2^24-element limit, so float32 carries them exactly.
 */
export function gatherOffsets(x: V, idx: Int32Array, index: V, axis: number): Float32Array {
  const shape = index.shape;
  const count = sizeOf(shape);
  const len = x.shape[axis] ?? 1;
  const off = new Float32Array(count);
  const pos = shape.map(() => 0);
  for (let k = 0; k < count; k++) {
    let xp = x.offset;
    let ip = index.offset;
    for (let j = 0; j < pos.length; j++) {
      ip += pos[j]! * index.strides[j]!;
      if (j !== axis) xp += pos[j]! * x.strides[j]!;
    }
    const v = idx[ip]!;
    if (v < 0 || v >= len)
      throw new BackendError(
        `gpujs: gather index ${v} is out of range for axis ${axis} of size ${len} ` +
          `(valid: 0 to ${len - 1})`,
      );
    off[k] = xp + v * x.strides[axis]!;
    for (let j = pos.length - 1; j >= 0 && ++pos[j]! === shape[j]; j--) pos[j] = 0;
  }
  return off;
}

export function gatherOnDevice(d: Device, x: V, index: V, axis: number): GBuf {
  const off = gatherOffsets(x, d.s.host(index.buf) as Int32Array, index, axis);
  if (off.length === 0) return d.s.alloc(x.dtype, 0);
  const ob = d.s.fromHost('float32', off);
  try {
    return d.out(x.dtype, 'gather', PICK_SRC, off.length, [d.data(x), d.s.dev(ob)]);
  } finally {
    d.s.free(ob);
  }
}
