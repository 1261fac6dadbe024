/**
 * The kernel-facing view of a tensor: what core's dispatch hands a kernel, and what tests and
 * probes that call a backend's kernels directly must build the same way.
 */
import type { Tensor } from '../tensor.js';
import type { KView } from './types.js';

/**
 * `t` as a kernel sees it: its storage's buffer with its dtype, shape, element strides and
 * element offset (a view, so possibly strided; nothing is copied).
 *
 * @example
 * ```ts
 * import * as fl from '@flint/core';
 * import { kview } from '@flint/core/backend';
 *
 * const t = fl.tensor([[1, 2], [3, 4]]).transpose(0, 1);
 * const v = kview(t); // { buf, dtype: 'float32', shape: [2, 2], strides: [1, 2], offset: 0 }
 * const y = t.storage.backend.kernels.neg(v); // a fresh backend buffer, contiguous
 * t.storage.backend.free(y);
 * ```
 */
export function kview(t: Tensor): KView<unknown> {
  return {
    buf: t.storage.buf,
    dtype: t.dtype,
    shape: t.shape,
    strides: t.strides,
    offset: t.offset,
  };
}
