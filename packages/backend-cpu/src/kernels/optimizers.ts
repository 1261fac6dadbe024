/**
 * Fused optimizer updates (DESIGN §2, tier 3). The composite Adam step materialises about a dozen
 * full-size temporaries (SGD with momentum about five); these do one pass that reads the
 * parameter, gradient and state and writes the new buffers, with the same arithmetic per element
 * (in float64).
 */
import { BackendError, sizeOf } from '@flint/core/backend';
import type { AdamStepParams, SgdStepParams, TypedArray } from '@flint/core/backend';
import type { Alloc, View } from '../types.js';

/**
 * Inputs arrive contiguous (core copies strided ones), possibly at an offset. With `o.inPlace`
 * the results go into p, m and v themselves (core checked they are distinct buffers) and
 * nothing is returned: each element is read before it is written, so this is safe.
 */
export function adamStep(
  alloc: Alloc,
  p: View,
  grad: View,
  m: View,
  v: View,
  o: AdamStepParams,
): [TypedArray, TypedArray, TypedArray] | void {
  if (p.dtype !== 'float32' && p.dtype !== 'float64')
    throw new BackendError(`cpu: adamStep needs float parameters, got ${p.dtype}`);
  const n = sizeOf(p.shape);
  const [pb, gb, mb, vb] = [p.buf, grad.buf, m.buf, v.buf];
  const [po, go, mo, vo] = [p.offset, grad.offset, m.offset, v.offset];
  const own = !o.inPlace;
  const P = own ? alloc(p.dtype, n) : pb;
  const M = own ? alloc(p.dtype, n) : mb;
  const V = own ? alloc(p.dtype, n) : vb;
  const [Po, Mo, Vo] = own ? [0, 0, 0] : [po, mo, vo];
  const stepSize = o.lr / (1 - o.beta1 ** o.step);
  const bc2 = Math.sqrt(1 - o.beta2 ** o.step);
  const decay = o.decoupled ? 1 - o.lr * o.weightDecay : 1;
  const l2 = o.decoupled ? 0 : o.weightDecay;
  const sign = o.maximize ? -1 : 1;
  // Hyper-parameters in locals: the loop then reads only typed arrays (no property loads).
  const { beta1, beta2, eps } = o;
  const [keep1, keep2] = [1 - beta1, 1 - beta2];
  for (let i = 0; i < n; i++) {
    const pi = pb[po + i]!;
    const d = sign * gb[go + i]! + l2 * pi;
    const mi = mb[mo + i]! * beta1 + d * keep1;
    const vi = vb[vo + i]! * beta2 + d * d * keep2;
    M[Mo + i] = mi;
    V[Vo + i] = vi;
    // Read back the stored (possibly float32-rounded) moments, as the composite does.
    P[Po + i] = pi * decay - (M[Mo + i]! / (Math.sqrt(V[Vo + i]!) / bc2 + eps)) * stepSize;
  }
  if (own) return [P, M, V];
}

/**
 * torch.optim.SGD per element: d = ±g + λp; b = d on the first step, else μb + (1 − τ)d;
 * d = d + μb (Nesterov) or b; p − lr·d. Inputs are contiguous, possibly at an offset. With
 * `o.inPlace` (never on a first step with momentum) p and buf are written and nothing returned.
 */
export function sgdStep(
  alloc: Alloc,
  p: View,
  grad: View,
  buf: View | null,
  o: SgdStepParams,
): [TypedArray, TypedArray | null] | void {
  if (p.dtype !== 'float32' && p.dtype !== 'float64')
    throw new BackendError(`cpu: sgdStep needs float parameters, got ${p.dtype}`);
  const n = sizeOf(p.shape);
  const own = !o.inPlace;
  if (!own && o.momentum !== 0 && buf === null)
    throw new BackendError('cpu: sgdStep in place needs the momentum buffer');
  const P = own ? alloc(p.dtype, n) : p.buf;
  const B = o.momentum === 0 ? null : own ? alloc(p.dtype, n) : buf!.buf;
  const [Po, Bo] = own ? [0, 0] : [p.offset, buf?.offset ?? 0];
  const [pb, gb, po, go] = [p.buf, grad.buf, p.offset, grad.offset];
  const prev = o.firstStep || buf === null ? null : buf.buf;
  const bo = buf?.offset ?? 0;
  const sign = o.maximize ? -1 : 1;
  const [mu, keep] = [o.momentum, 1 - o.dampening];
  for (let i = 0; i < n; i++) {
    const pi = pb[po + i]!;
    let d = sign * gb[go + i]!;
    if (o.weightDecay !== 0) d += pi * o.weightDecay;
    if (B) {
      B[Bo + i] = prev ? prev[bo + i]! * mu + d * keep : d;
      // Read back the stored (possibly float32-rounded) buffer, as the composite does.
      d = o.nesterov ? d + B[Bo + i]! * mu : B[Bo + i]!;
    }
    P[Po + i] = pi - d * o.lr;
  }
  if (own) return [P, B];
}
