/**
 * Fused optimizer steps (DESIGN §2, tier 3): Adam/AdamW in three kernels (new moments, then the
 * parameter from the stored moments) and SGD in two, instead of the composites' chains of
 * temporaries, with the composites' arithmetic per element in float32. Weight decay is added
 * only when non-zero, as the composites do (0·∞ would be NaN).
 */
import { BackendError, sizeOf } from '@flint/core/backend';
import type { AdamStepParams, KView, SgdStepParams } from '@flint/core/backend';
import type { GBuf } from '../storage.js';
import type { Device } from './table.js';

type V = KView<GBuf>;

// The constants (1 − β) arrive computed in float64 and rounded once, as the composite's are:
// computing 1 − β1 in float32 (0.100000024 for 0.9) biases every step.
const ADAM_M_SRC = `function(p, po, g, go, m, mo, b1, c1, sign, l2) {
  const i = this.thread.x;
  let d = sign * g[go + i];
  if (l2 !== 0) { d = d + l2 * p[po + i]; }
  return m[mo + i] * b1 + d * c1;
}`;

const ADAM_V_SRC = `function(p, po, g, go, v, vo, b2, c2, sign, l2) {
  const i = this.thread.x;
  let d = sign * g[go + i];
  if (l2 !== 0) { d = d + l2 * p[po + i]; }
  return v[vo + i] * b2 + d * d * c2;
}`;

const ADAM_P_SRC = `function(p, po, m, v, decay, bc2, eps, stepSize) {
  const i = this.thread.x;
  return p[po + i] * decay - (m[i] / (Math.sqrt(v[i]) / bc2 + eps)) * stepSize;
}`;

/** The new momentum buffer: d on the first step, else μ·buf + (1 − τ)·d. */
const SGD_BUF_SRC = `function(p, po, g, go, b, bo, first, sign, wd, mu, keep) {
  const i = this.thread.x;
  let d = sign * g[go + i];
  if (wd !== 0) { d = d + p[po + i] * wd; }
  if (first > 0) { return d; }
  return b[bo + i] * mu + d * keep;
}`;

const SGD_P_SRC = `function(p, po, g, go, nb, hasBuf, nesterov, sign, wd, mu, lr) {
  const i = this.thread.x;
  let d = sign * g[go + i];
  if (wd !== 0) { d = d + p[po + i] * wd; }
  if (hasBuf > 0) {
    if (nesterov > 0) { d = d + nb[i] * mu; } else { d = nb[i]; }
  }
  return p[po + i] - d * lr;
}`;

function adamStep(d: Device) {
  return (p: V, g: V, m: V, v: V, o: AdamStepParams): [GBuf, GBuf, GBuf] => {
    if (p.dtype !== 'float32')
      throw new BackendError(`gpujs: adamStep needs float32 parameters, got ${p.dtype}`);
    const n = sizeOf(p.shape);
    const stepSize = o.lr / (1 - o.beta1 ** o.step);
    const bc2 = Math.sqrt(1 - o.beta2 ** o.step);
    const decay = o.decoupled ? 1 - o.lr * o.weightDecay : 1;
    const l2 = o.decoupled ? 0 : o.weightDecay;
    const sign = o.maximize ? -1 : 1;
    const [pd, gd, md, vd] = [d.data(p), d.data(g), d.data(m), d.data(v)];
    const M = d.out('float32', 'adamM', ADAM_M_SRC, n, [
      pd,
      p.offset,
      gd,
      g.offset,
      md,
      m.offset,
      o.beta1,
      1 - o.beta1,
      sign,
      l2,
    ]);
    const Vn = d.out('float32', 'adamV', ADAM_V_SRC, n, [
      pd,
      p.offset,
      gd,
      g.offset,
      vd,
      v.offset,
      o.beta2,
      1 - o.beta2,
      sign,
      l2,
    ]);
    const P = d.out('float32', 'adamP', ADAM_P_SRC, n, [
      pd,
      p.offset,
      d.s.dev(M),
      d.s.dev(Vn),
      decay,
      bc2,
      o.eps,
      stepSize,
    ]);
    return [P, M, Vn];
  };
}

function sgdStep(d: Device) {
  return (p: V, g: V, buf: V | null, o: SgdStepParams): [GBuf, GBuf | null] => {
    if (p.dtype !== 'float32')
      throw new BackendError(`gpujs: sgdStep needs float32 parameters, got ${p.dtype}`);
    const n = sizeOf(p.shape);
    const sign = o.maximize ? -1 : 1;
    const [pd, gd] = [d.data(p), d.data(g)];
    const first = o.firstStep || buf === null;
    const B =
      o.momentum !== 0
        ? d.out('float32', 'sgdBuf', SGD_BUF_SRC, n, [
            pd,
            p.offset,
            gd,
            g.offset,
            first ? pd : d.data(buf!),
            first ? 0 : buf!.offset,
            first ? 1 : 0,
            sign,
            o.weightDecay,
            o.momentum,
            1 - o.dampening,
          ])
        : null;
    const P = d.out('float32', 'sgdP', SGD_P_SRC, n, [
      pd,
      p.offset,
      gd,
      g.offset,
      B ? d.s.dev(B) : pd,
      B ? 1 : 0,
      o.nesterov ? 1 : 0,
      sign,
      o.weightDecay,
      o.momentum,
      o.lr,
    ]);
    return [P, B];
  };
}

export function optimizerOverrides(d: Device) {
  return { adamStep: adamStep(d), sgdStep: sgdStep(d) };
}
