/**
 * The CPU backend's overrides (DESIGN §2, tier 3): fused softmax and logSoftmax here, the others
 * from their families (conv.ts, norm.ts, optimizers.ts). Softmax, per line along the axis: one
 * pass finds the max, one sums exp(x - max) into a float64 scratch line, one writes the result —
 * instead of the five tensors the composite materialises. Semantics match the decomposition: a
 * NaN anywhere in a line gives a NaN line, a line that is all -inf gives NaN (0/0), and -inf
 * entries give exactly 0 (softmax) or -inf (logSoftmax).
 */
import { BackendError, contiguousStrides, sizeOf } from '@flint/core/backend';
import type { Overrides, TypedArray } from '@flint/core/backend';
import { alongAxis, withoutAxis } from '../strided.js';
import type { Alloc, Release, View } from '../types.js';
import { convKernels } from './conv.js';
import { normKernels } from './norm.js';
import { adamStep, sgdStep } from './optimizers.js';

let line = new Float64Array(256);

function fused(alloc: Alloc, x: View, axis: number, log: boolean): TypedArray {
  if (x.dtype !== 'float32' && x.dtype !== 'float64')
    throw new BackendError(
      `cpu: ${log ? 'logSoftmax' : 'softmax'} needs a float tensor, got ${x.dtype}`,
    );
  const out = alloc(x.dtype, sizeOf(x.shape));
  const outStrides = contiguousStrides(x.shape);
  const len = x.shape[axis] ?? 1,
    sa = x.strides[axis] ?? 0,
    so = outStrides[axis] ?? 0;
  if (line.length < len) line = new Float64Array(len);
  const X = x.buf,
    L = line;
  alongAxis(x, axis, withoutAxis(outStrides, axis), (xp, op, n, sx, sout) => {
    for (let j = 0; j < n; j++, xp += sx, op += sout) {
      let m = -Infinity;
      for (let k = 0, p = xp; k < len; k++, p += sa) {
        const v = X[p]!;
        if (v > m || v !== v) m = v;
      }
      // An all -inf line would compute -inf - -inf = NaN for every entry; shifting by 0 gives
      // the same NaN result through 0/0 while keeping the arithmetic well defined.
      const shift = m === -Infinity ? 0 : m;
      let sum = 0;
      for (let k = 0, p = xp; k < len; k++, p += sa) sum += L[k] = Math.exp(X[p]! - shift);
      if (log) {
        const lse = Math.log(sum);
        for (let k = 0, p = xp, q = op; k < len; k++, p += sa, q += so)
          out[q] = X[p]! - shift - lse;
      } else {
        for (let k = 0, q = op; k < len; k++, q += so) out[q] = L[k]! / sum;
      }
    }
  });
  return out;
}

/**
 * Every override the CPU backend has: all but a fused conv2d forward (its composite is a matmul)
 * and the recurrent sequences (their composite is the reference the native kernels are held to).
 */
export type CpuOverrides = Required<
  Omit<
    Overrides<TypedArray>,
    'conv2d' | 'lstmSequence' | 'lstmSequenceBackward' | 'gruSequence' | 'gruSequenceBackward'
  >
>;

export function overrideKernels(alloc: Alloc, release: Release): CpuOverrides {
  const conv = convKernels(alloc, release);
  const norm = normKernels(alloc);
  return {
    softmax: (x, axis) => fused(alloc, x, axis, false),
    logSoftmax: (x, axis) => fused(alloc, x, axis, true),
    adamStep: (p, g, m, v, o) => adamStep(alloc, p, g, m, v, o),
    sgdStep: (p, g, buf, o) => sgdStep(alloc, p, g, buf, o),
    conv2dBackward: conv.conv2dBackward,
    maxPool2d: conv.maxPool2d,
    layerNorm: norm.layerNorm,
    gelu: norm.gelu,
    crossEntropy: norm.crossEntropy,
  };
}
