/** Activation functions, composed from primitives (their gradients come from autograd). */
import { tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { maximum, where } from './elementwise.js';
import { noGrad } from '../autograd/mode.js';
import { record } from '../autograd/record.js';
import type { GradRule } from '../autograd/node.js';

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

/** Gaussian error linear unit, exact (erf) or with torch's tanh approximation. */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  return tidy(() => {
    if (approximate === 'tanh') {
      const inner = x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
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
