/**
 * Fused layerNorm, gelu and crossEntropy (DESIGN §2, tier 3): one pass (or two, for a row's
 * statistics) over contiguous data instead of the composites' chains of full-size temporaries.
 * Statistics and sums accumulate in float64 and each output is rounded once; the special values
 * (NaN, ±∞) come out as the decompositions' do.
 */
import { BackendError, erf, sizeOf } from '@flint/core/backend';
import type { TypedArray } from '@flint/core/backend';
import type { Alloc, View } from '../types.js';
import { requireFloat } from './conv.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** Mean and 1/√(biased variance + eps) of `len` elements from `at` (two passes, float64). */
function rowStats(X: TypedArray, at: number, len: number, eps: number): [number, number] {
  let sum = 0;
  for (let k = 0; k < len; k++) sum += X[at + k]!;
  const mean = sum / len;
  let sq = 0;
  for (let k = 0; k < len; k++) {
    const d = X[at + k]! - mean;
    sq += d * d;
  }
  return [mean, 1 / Math.sqrt(sq / len + eps)];
}

function layerNorm(
  alloc: Alloc,
  x: View,
  weight: View | null,
  bias: View | null,
  normSize: number,
  eps: number,
): [TypedArray, TypedArray, TypedArray] {
  requireFloat('layerNorm', x, ...[weight, bias].filter((v): v is View => v !== null));
  const size = sizeOf(x.shape);
  if (!(normSize > 0) || size % normSize !== 0)
    throw new BackendError(`cpu: layerNorm: normSize ${normSize} does not divide size ${size}`);
  const rows = size / normSize;
  const [Y, M, R] = [alloc(x.dtype, size), alloc(x.dtype, rows), alloc(x.dtype, rows)];
  const X = x.buf;
  const W = weight?.buf;
  const B = bias?.buf;
  const [wo, bo] = [weight?.offset ?? 0, bias?.offset ?? 0];
  for (let r = 0; r < rows; r++) {
    const at = x.offset + r * normSize;
    const [mean, rstd] = rowStats(X, at, normSize, eps);
    M[r] = mean;
    R[r] = rstd;
    for (let k = 0, q = r * normSize; k < normSize; k++, q++) {
      let y = (X[at + k]! - mean) * rstd;
      if (W) y *= W[wo + k]!;
      if (B) y += B[bo + k]!;
      Y[q] = y;
    }
  }
  return [Y, M, R];
}

/** x·Φ(x), or torch's tanh approximation; evaluated in the composite's order, so ±∞ give the same NaNs. */
function gelu(alloc: Alloc, x: View, approximate: 'none' | 'tanh'): TypedArray {
  requireFloat('gelu', x);
  const n = sizeOf(x.shape);
  const out = alloc(x.dtype, n);
  const X = x.buf;
  const o = x.offset;
  if (approximate === 'tanh')
    for (let i = 0; i < n; i++) {
      const v = X[o + i]!;
      out[i] = v * 0.5 * (Math.tanh((v + v * v * v * 0.044715) * SQRT_2_OVER_PI) + 1);
    }
  else
    for (let i = 0; i < n; i++) {
      const v = X[o + i]!;
      out[i] = v * 0.5 * (erf(v * Math.SQRT1_2) + 1);
    }
  return out;
}

/**
 * −log softmax(row)[t] in float64, shifted by the row's max as logSoftmax is (torch): +∞ or NaN in
 * a row make its loss NaN; an all −∞ row is shifted by 0 and gives NaN through −(−∞ − (−∞)).
 */
function rowLoss(X: TypedArray, at: number, classes: number, t: number): number {
  let m = -Infinity;
  for (let k = 0; k < classes; k++) {
    const v = X[at + k]!;
    if (v > m || v !== v) m = v;
  }
  const shift = m === -Infinity ? 0 : m;
  let sum = 0;
  for (let k = 0; k < classes; k++) sum += Math.exp(X[at + k]! - shift);
  return -(X[at + t]! - shift - Math.log(sum));
}

function crossEntropy(alloc: Alloc, logits: View, target: View, ignoreIndex: number): TypedArray {
  requireFloat('crossEntropy', logits);
  if (target.dtype !== 'int32')
    throw new BackendError(`cpu: crossEntropy needs int32 targets, got ${target.dtype}`);
  const [n, classes] = logits.shape as [number, number];
  const T = target.buf;
  const to = target.offset;
  // Checked before allocating, so a bad target leaves nothing behind.
  for (let i = 0; i < n; i++) {
    const t = T[to + i]!;
    if (t !== ignoreIndex && !(t >= 0 && t < classes))
      throw new BackendError(
        `cpu: crossEntropy: target ${t} is out of bounds for ${classes} classes (ignoreIndex ${ignoreIndex})`,
      );
  }
  const out = alloc(logits.dtype, n);
  for (let i = 0; i < n; i++) {
    const t = T[to + i]!;
    out[i] = t === ignoreIndex ? 0 : rowLoss(logits.buf, logits.offset + i * classes, classes, t);
  }
  return out;
}

export function normKernels(alloc: Alloc) {
  return {
    layerNorm: (x: View, w: View | null, b: View | null, normSize: number, eps: number) =>
      layerNorm(alloc, x, w, b, normSize, eps),
    gelu: (x: View, approximate: 'none' | 'tanh') => gelu(alloc, x, approximate),
    crossEntropy: (logits: View, target: View, ignoreIndex: number) =>
      crossEntropy(alloc, logits, target, ignoreIndex),
  };
}
