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
import { DTypeError } from '../errors.js';
import { execOverride } from './dispatch.js';
import { overridesEnabled } from './reduce.js';

// relu is a composite with a closed-form gradient: one `maximum` pass forward, and a rule that
// reads only the output. torch's convention (threshold_backward): zero gradient where out ≤ 0, so
// 0 where `maximum` would split it, and g at NaN (a NaN is not ≤ 0).
const reluRule: GradRule<never> = { saves: ['out'], grad: (g, c) => [where(c.out!.le(0), 0, g)] };

/** max(x, 0); NaN propagates and the gradient at 0 is 0, as in torch. */
export function relu(x: Tensor): Tensor {
  if (x.dtype === 'bool')
    throw new DTypeError(
      'relu: bool tensors are not supported, as in PyTorch; convert with .int() or .float() first',
    );
  const out = noGrad(() => maximum(x, 0));
  record('relu', reluRule, [x], out, undefined);
  return out;
}

/** Element-wise x for x > 0, else `negativeSlope`·x (torch's leaky_relu). */
export const leakyRelu = (x: Tensor, negativeSlope = 0.01) =>
  tidy(() => where(x.gt(0), x, x.mul(negativeSlope)));

/**
 * α(exp(x) − 1) where x ≤ 0, else x (so a NaN takes the linear branch and its gradient 1, as
 * torch's scalar kernel). The exponential branch reads x only where it is taken (0 elsewhere):
 * expm1 of a large x overflows, and ∞·0 in its gradient would poison the taken branch's.
 */
export function elu(x: Tensor, alpha = 1): Tensor {
  return tidy(() => {
    const neg = x.le(0);
    return where(neg, where(neg, x, 0).expm1().mul(alpha), x);
  });
}

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
  // The composite records the same closed-form gradient: differentiating its chain would form
  // g·x/2 first, which overflows (∞·0 = NaN) where torch's Φ(x) + x·φ(x) is finite.
  return tidy(() => {
    const out = noGrad(() => {
      if (approximate === 'tanh') {
        const inner = x.add(x.pow(3).mul(0.044715)).mul(SQRT_2_OVER_PI);
        return x.mul(0.5).mul(inner.tanh().add(1));
      }
      return x.mul(0.5).mul(x.mul(Math.SQRT1_2).erf().add(1));
    });
    record('gelu', geluRule, [x], out, { approximate });
    return out;
  });
}

/** torch's silu gradient σ(x)·(1 + x·(1 − σ(x))): finite where the chain of x·σ(x) would overflow. */
const siluRule: GradRule<never> = {
  saves: [0],
  grad: (g, c) => {
    const x = c.inputs[0]!;
    const s = x.sigmoid();
    return [g.mul(s.mul(x.mul(s.neg().add(1)).add(1)))];
  },
};

/** x·σ(x), with a closed-form gradient. */
export function silu(x: Tensor): Tensor {
  return tidy(() => {
    const out = noGrad(() => x.mul(x.sigmoid()));
    record('silu', siluRule, [x], out, undefined);
    return out;
  });
}

/**
 * log(1 + exp(βx))/β, linear where βx > `threshold` (torch's rule, so βx == threshold is still on
 * the smooth branch). The smooth branch reads βx only where it is taken (the threshold elsewhere):
 * it cannot overflow, and its gradient is exactly 0 where it is not used.
 */
export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  return tidy(() => {
    const bx = x.mul(beta);
    const linear = bx.gt(threshold);
    return where(linear, x, where(linear, threshold, bx).exp().log1p().div(beta));
  });
}
