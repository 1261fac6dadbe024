/**
 * Activation functions, composed from primitives (their gradients come from autograd); relu and
 * gelu (when the backend fuses it) record closed-form gradients instead.
 */
import { tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { maximum, where } from './elementwise.js';
import { isGradEnabled, noGrad } from '../autograd/mode.js';
import { record } from '../autograd/record.js';
import type { GradCtx, GradRule } from '../autograd/node.js';
import { isFloat } from '../dtype.js';
import { execOverride } from './dispatch.js';
import { overridesEnabled } from './reduce.js';

// relu is a composite with a closed-form gradient: one `maximum` pass forward, and a rule that
// reads only the output (torch's convention: zero gradient at 0, where `maximum` would split it).
const reluRule: GradRule<never> = { saves: ['out'], grad: (g, c) => [where(c.out!.gt(0), g, 0)] };

/** max(x, 0); NaN propagates and the gradient at 0 is 0, as in torch. */
export function relu(x: Tensor): Tensor {
  const out = noGrad(() => maximum(x, 0));
  record('relu', reluRule, [x], out, undefined);
  return out;
}

export const leakyRelu = (x: Tensor, negativeSlope = 0.01) =>
  tidy(() => where(x.gt(0), x, x.mul(negativeSlope)));

export const elu = (x: Tensor, alpha = 1) => tidy(() => where(x.gt(0), x, x.expm1().mul(alpha)));

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * GELU's derivative, for the fused kernel: Φ(x) + x·φ(x) (exact), or with t = tanh(k(x + cx³)),
 * ½(1 + t) + ½x(1 − t²)·k(1 + 3cx²) (tanh). A plain backward pass reads Φ(x) = ½(1 + t) = y/x
 * off the saved output rather than evaluating erf or tanh again; a recorded one (createGraph)
 * uses the formulas themselves, written with ops, so that they are differentiated too.
 */
const geluRule: GradRule<never> = {
  saves: [0, 'out'],
  grad: (g, c: GradCtx<{ approximate: 'none' | 'tanh' }>) => {
    const x = c.inputs[0]!;
    const tanh = c.params.approximate === 'tanh';
    if (isGradEnabled()) return [g.mul(tanh ? geluTanhSlope(x) : geluSlope(x))];
    const r = where(x.eq(0), 0.5, c.out!.div(x));
    if (!tanh) return [g.mul(r.add(x.mul(normalPdf(x))))];
    const inner = x
      .square()
      .mul(3 * 0.044715)
      .add(1)
      .mul(SQRT_2_OVER_PI);
    // ½x(1 − t²) with 1 + t = 2r and 1 − t = 2(1 − r).
    return [g.mul(r.add(x.mul(r).mul(r.neg().add(1)).mul(inner).mul(2)))];
  },
};

const normalPdf = (x: Tensor) => x.square().mul(-0.5).exp().mul(INV_SQRT_2PI);
const geluSlope = (x: Tensor) =>
  x
    .mul(Math.SQRT1_2)
    .erf()
    .add(1)
    .mul(0.5)
    .add(x.mul(normalPdf(x)));

function geluTanhSlope(x: Tensor): Tensor {
  const x2 = x.square();
  const t = x.add(x.mul(x2).mul(0.044715)).mul(SQRT_2_OVER_PI).tanh();
  const inner = x2
    .mul(3 * 0.044715)
    .add(1)
    .mul(SQRT_2_OVER_PI);
  return t
    .add(1)
    .mul(0.5)
    .add(x.mul(0.5).mul(t.square().neg().add(1)).mul(inner));
}

/** Gaussian error linear unit, exact (erf) or with torch's tanh approximation. */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  const kernel = overridesEnabled() ? x.storage.backend.overrides?.gelu : undefined;
  if (kernel && isFloat(x.dtype)) {
    const spec = { shape: x.shape, dtype: x.dtype };
    return execOverride('gelu', (v) => [kernel(v[0]!, approximate)], geluRule, [x], [spec], {
      approximate,
    })[0]!;
  }
  return tidy(() => {
    if (approximate === 'tanh') {
      const inner = x.add(x.pow(3).mul(0.044715)).mul(SQRT_2_OVER_PI);
      return x.mul(0.5).mul(inner.tanh().add(1));
    }
    return x.mul(0.5).mul(x.mul(Math.SQRT1_2).erf().add(1));
  });
}

export const silu = (x: Tensor) => tidy(() => x.mul(x.sigmoid()));

/** log(1 + exp(βx))/β, linear above `threshold`; the input is clamped so the unused branch cannot overflow. */
export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  return tidy(() => {
    const bx = x.mul(beta);
    const safe = bx.minimum(threshold);
    return where(bx.gt(threshold), x, safe.exp().log1p().div(beta));
  });
}
