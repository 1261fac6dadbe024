/**
 * Views given by raw geometry (strides and offset into a row-major base): what an in-place write
 * through a view records for autograd (ops/inplace.ts), and the positions such a view covers.
 */
import { sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { GradCtx, GradRule } from '../autograd/node.js';
import { exec } from './dispatch.js';
import { tensor, zeros } from './creation.js';
import { makeView } from './views.js';

/** Where a view lies in its (row-major) base: element strides and offset from element 0. */
export interface WriteGeometry {
  readonly strides: readonly number[];
  readonly offset: number;
}

/** Positions in the base of each element of a view, in row-major order. */
export function viewPositions(
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
): number[] {
  const n = sizeOf(shape);
  const out = new Array<number>(n);
  const idx = shape.map(() => 0);
  let pos = offset;
  for (let k = 0; k < n; k++) {
    out[k] = pos;
    for (let d = idx.length - 1; d >= 0; d--) {
      pos += strides[d]!;
      if (++idx[d]! < shape[d]!) break;
      pos -= strides[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * Gradient of a view of a whole base: the view's gradient added (scatterAdd, so elements that
 * share a position, as in expanded views, sum) into zeros of the base's shape.
 */
export const asStridedRule: GradRule<never> = {
  grad: (g, c: GradCtx<WriteGeometry>) => {
    const base = c.shapes[0]!;
    const pos = viewPositions(g.shape, c.params.strides, c.params.offset);
    const idx = tensor(pos, { dtype: 'int32', device: g.device });
    const z = zeros([sizeOf(base)], { dtype: g.dtype, device: g.device });
    const flat = exec('scatterAdd', [z, idx, g.reshape([pos.length])], [0], z.shape, g.dtype, {
      gradParams: { axis: 0 },
    });
    return [flat.reshape(base)];
  },
};

/** The view (shape, strides, offset) of contiguous `x`'s elements, with its gradient rule. */
export function asStrided(
  x: Tensor,
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
): Tensor {
  return makeView('asStrided', x, shape, strides, x.offset + offset, asStridedRule, {
    strides,
    offset,
  });
}
