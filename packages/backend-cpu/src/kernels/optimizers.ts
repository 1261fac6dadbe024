/**
 * Fused optimizer updates (DESIGN §2, tier 3). The composite Adam step materialises about a dozen
 * full-size temporaries (SGD with momentum about five); these do one pass that reads the
 * parameter, gradient and state and writes the new buffers, with the same arithmetic per element
 * (in float64).
 */
import { BackendError, sizeOf } from '@flint/core/backend';
import type { AdamStepParams, SgdStepParams, TypedArray } from '@flint/core/backend';
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

/**
 * torch.optim.SGD per element: d = ±g + λp; b = d on the first step, else μb + (1 − τ)d;
 * d = d + μb (Nesterov) or b; p − lr·d. Inputs are contiguous, possibly at an offset.
 */
export function sgdStep(
  alloc: Alloc,
  p: View,
  grad: View,
  buf: View | null,
  o: SgdStepParams,
): [TypedArray, TypedArray | null] {
  if (p.dtype !== 'float32' && p.dtype !== 'float64')
    throw new BackendError(`cpu: sgdStep needs float parameters, got ${p.dtype}`);
  const n = sizeOf(p.shape);
  const P = alloc(p.dtype, n);
  const B = o.momentum !== 0 ? alloc(p.dtype, n) : null;
  const [pb, gb, po, go] = [p.buf, grad.buf, p.offset, grad.offset];
  const prev = o.firstStep || buf === null ? null : buf.buf;
  const bo = buf?.offset ?? 0;
  const sign = o.maximize ? -1 : 1;
  const [mu, keep] = [o.momentum, 1 - o.dampening];
  for (let i = 0; i < n; i++) {
    let d = sign * gb[go + i]!;
    if (o.weightDecay !== 0) d += pb[po + i]! * o.weightDecay;
    if (B) {
      B[i] = prev ? prev[bo + i]! * mu + d * keep : d;
      // Read back the stored (possibly float32-rounded) buffer, as the composite does.
      d = o.nesterov ? d + B[i]! * mu : B[i]!;
    }
    P[i] = pb[po + i]! - d * o.lr;
  }
  return [P, B];
}
