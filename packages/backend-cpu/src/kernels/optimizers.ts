/**
 * Fused optimizer updates (DESIGN §2, tier 3). The composite Adam step materialises about a dozen
 * full-size temporaries; this does one pass that reads param, grad and both moments and writes
 * the three new buffers, with the same arithmetic per element (in float64).
 */
import { BackendError, sizeOf } from '@flint/core/backend';
import type { AdamStepParams, TypedArray } from '@flint/core/backend';
import type { Alloc, View } from '../types.js';

/** Inputs arrive contiguous (core copies strided ones), possibly at an offset. */
export function adamStep(
  alloc: Alloc,
  p: View,
  grad: View,
  m: View,
  v: View,
  o: AdamStepParams,
): [TypedArray, TypedArray, TypedArray] {
  if (p.dtype !== 'float32' && p.dtype !== 'float64')
    throw new BackendError(`cpu: adamStep needs float parameters, got ${p.dtype}`);
  const n = sizeOf(p.shape);
  const P = alloc(p.dtype, n);
  const M = alloc(p.dtype, n);
  const V = alloc(p.dtype, n);
  const [pb, gb, mb, vb] = [p.buf, grad.buf, m.buf, v.buf];
  const [po, go, mo, vo] = [p.offset, grad.offset, m.offset, v.offset];
  const stepSize = o.lr / (1 - o.beta1 ** o.step);
  const bc2 = Math.sqrt(1 - o.beta2 ** o.step);
  const decay = o.decoupled ? 1 - o.lr * o.weightDecay : 1;
  const l2 = o.decoupled ? 0 : o.weightDecay;
  const sign = o.maximize ? -1 : 1;
  for (let i = 0; i < n; i++) {
    const w = pb[po + i]! * decay;
    const d = sign * gb[go + i]! + l2 * pb[po + i]!;
    const mi = mb[mo + i]! * o.beta1 + d * (1 - o.beta1);
    const vi = vb[vo + i]! * o.beta2 + d * d * (1 - o.beta2);
    M[i] = mi;
    V[i] = vi;
    // Read back the stored (possibly float32-rounded) moments, as the composite does.
    P[i] = w - (M[i]! / (Math.sqrt(V[i]!) / bc2 + o.eps)) * stepSize;
  }
  return [P, M, V];
}
