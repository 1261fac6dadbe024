/**
 * Smooth activations composed from primitives: selu, celu, softsign, mish, logsigmoid,
 * tanhshrink, softmin, glu. Mish and logsigmoid record closed-form gradients, because
 * differentiating their chains overflows where torch's formulas stay finite.
 */
import { tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { where } from './elementwise.js';
import { noGrad } from '../autograd/mode.js';
import { record } from '../autograd/record.js';
import type { GradRule } from '../autograd/node.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { normDim } from '../shape.js';
import { describe } from '../check/describe.js';
import { softmax } from './reduce.js';
import { floatOnly } from './activation-piecewise.js';

/** SELU's constants (Klambauer et al. 2017): the doubles nearest torch's decimal literals. */
export const SELU_ALPHA = 1.6732632423543772;
export const SELU_SCALE = 1.0507009873554805;

/**
 * torch's elu kernel with its three coefficients: x·scale where x > 0 (and at NaN), else
 * expm1(x·inputScale)·(alpha·scale). The exponential reads x only where it is taken (see elu).
 */
function eluFamily(x: Tensor, alpha: number, scale: number, inputScale: number): Tensor {
  return tidy(() => {
    const neg = x.le(0);
    const expo = where(neg, x, 0)
      .mul(inputScale)
      .expm1()
      .mul(alpha * scale);
    return where(neg, expo, scale === 1 ? x : x.mul(scale));
  });
}

/** scale·elu(x, α) with torch's fixed α ≈ 1.6733 and scale ≈ 1.0507. */
export function selu(x: Tensor): Tensor {
  floatOnly('selu', x);
  return eluFamily(x, SELU_ALPHA, SELU_SCALE, 1);
}

/** max(0, x) + min(0, α·(exp(x/α) − 1)); α must be non-zero. */
export function celu(x: Tensor, alpha = 1): Tensor {
  floatOnly('celu', x);
  if (alpha === 0) throw new ArgumentError('celu: alpha cannot be 0 (it divides x)');
  return eluFamily(x, alpha, 1, 1 / alpha);
}

function noBool(op: string, x: Tensor): void {
  if (x.dtype === 'bool')
    throw new DTypeError(`${op}: bool tensors are not supported, as in PyTorch`);
}

/** x/(1 + |x|); integer tensors give float32, as torch's true division. */
export function softsign(x: Tensor): Tensor {
  noBool('softsign', x);
  return tidy(() => x.div(x.abs().add(1)));
}

/** x − tanh(x); integer tensors give float32. */
export function tanhshrink(x: Tensor): Tensor {
  noBool('tanhshrink', x);
  return tidy(() => x.sub(x.tanh()));
}

/**
 * torch's mish gradient tanh(sp) + x·σ(x)·(1 − tanh²(sp)), sp = log(1 + eˣ): the chain rule
 * through log1p(exp(x)) would form ∞/∞ once eˣ overflows (x > 88 in float32).
 */
const mishRule: GradRule<never> = {
  saves: [0],
  grad: (g, c) => {
    const x = c.inputs[0]!;
    const t = x.exp().log1p().tanh();
    return [g.mul(t.add(x.mul(x.sigmoid()).mul(t.square().neg().add(1))))];
  },
};

/** x·tanh(log(1 + eˣ)), as torch computes it (no softplus threshold), with a closed-form gradient. */
export function mish(x: Tensor): Tensor {
  floatOnly('mish', x);
  return tidy(() => {
    const out = noGrad(() => x.mul(x.exp().log1p().tanh()));
    record('mish', mishRule, [x], out, undefined);
    return out;
  });
}

/** d/dx log σ(x) = σ(−x): finite everywhere, where the chain of the stable form is not at 0. */
const logsigmoidRule: GradRule<never> = {
  saves: [0],
  grad: (g, c) => [g.mul(c.inputs[0]!.neg().sigmoid())],
};

/** log(σ(x)) = min(x, 0) − log(1 + e^−|x|): no overflow for any x. */
export function logsigmoid(x: Tensor): Tensor {
  floatOnly('logsigmoid', x);
  return tidy(() => {
    const out = noGrad(() => x.minimum(0).sub(x.abs().neg().exp().log1p()));
    record('logsigmoid', logsigmoidRule, [x], out, undefined);
    return out;
  });
}

/** softmax(−x) along `dim`. */
export function softmin(x: Tensor, dim: number): Tensor {
  floatOnly('softmin', x);
  return tidy(() => softmax(x.neg(), dim));
}

/** Gated linear unit: split `dim` in halves a, b and return a·σ(b); the size must be even. */
export function glu(x: Tensor, dim = -1): Tensor {
  floatOnly('glu', x);
  if (x.ndim === 0)
    throw new ShapeError('glu: a 0-d tensor cannot be halved; give a tensor with an even dim');
  const d = normDim('glu', dim, x.ndim);
  const n = x.shape[d]!;
  if (n % 2 !== 0)
    throw new ShapeError(
      `glu: dim ${describe(dim)} of ${fmtShape(x.shape)} has odd size ${n}; it must be even (halved into value and gate)`,
    );
  return tidy(() => x.narrow(d, 0, n / 2).mul(x.narrow(d, n / 2, n / 2).sigmoid()));
}
