/**
 * Piecewise-linear activations (hardtanh, relu6, hardsigmoid, hardswish, hardshrink, softshrink,
 * threshold, prelu, rrelu). Each follows torch's scalar kernel at the kinks and at NaN: the forward
 * value and, through `where` on the same comparisons torch makes, the gradient there too.
 */
import { tidy } from '../scope.js';
import { rand } from './creation.js';
import { leakyRelu } from './activation.js';
import type { Tensor } from '../tensor.js';
import { where } from './elementwise.js';
import { noGrad } from '../autograd/mode.js';
import { record } from '../autograd/record.js';
import type { GradRule } from '../autograd/node.js';
import { isFloat } from '../dtype.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { describe } from '../check/describe.js';

/** torch's float-only activations reject integer and bool tensors ("not implemented for 'Long'"). */
export function floatOnly(op: string, x: Tensor): void {
  if (!isFloat(x.dtype))
    throw new DTypeError(
      `${op}: expected a floating-point tensor (float32 or float64), got ${x.dtype}; convert with .float() first`,
    );
}

function noBool(op: string, x: Tensor): void {
  if (x.dtype === 'bool')
    throw new DTypeError(
      `${op}: bool tensors are not supported, as in PyTorch; convert with .int() or .float() first`,
    );
}

/** An integer input keeps its dtype, as torch's: bounds and fill values are truncated into it. */
const keepDType = (x: Tensor, y: Tensor) => (y.dtype === x.dtype ? y : y.to(x.dtype));

/**
 * clamp(x, minVal, maxVal), with torch's hardtanh gradient: 0 at and beyond the bounds (clamp's
 * passes at them), g inside and at NaN.
 */
export function hardtanh(x: Tensor, minVal = -1, maxVal = 1): Tensor {
  noBool('hardtanh', x);
  return tidy(() => {
    const out = noGrad(() => keepDType(x, x.clamp(minVal, maxVal)));
    record('hardtanh', hardtanhRule, [x], out, { minVal, maxVal });
    return out;
  });
}

const hardtanhRule: GradRule<never> = {
  saves: [0],
  grad: (g, c) => {
    const x = c.inputs[0]!;
    const { minVal, maxVal } = c.params as { minVal: number; maxVal: number };
    return [where(x.le(minVal).logicalOr(x.ge(maxVal)), 0, g)];
  },
};

/** min(max(x, 0), 6): hardtanh(x, 0, 6). */
export const relu6 = (x: Tensor): Tensor => {
  noBool('relu6', x);
  return hardtanh(x, 0, 6);
};

// torch's hardsigmoid backward multiplies by 1/6 as a float constant, also for float64 tensors;
// the fixtures (and the backends' float64 tolerance of 1e-12) hold Flint to the same number.
const SIXTH_F32 = Math.fround(1 / 6);

/** relu6(x + 3)/6; gradient 1/6 strictly inside (−3, 3), 0 elsewhere and at NaN. */
export function hardsigmoid(x: Tensor): Tensor {
  floatOnly('hardsigmoid', x);
  return tidy(() => {
    const out = noGrad(() => x.add(3).clamp(0, 6).div(6));
    record('hardsigmoid', hardsigmoidRule, [x], out, undefined);
    return out;
  });
}

const hardsigmoidRule: GradRule<never> = {
  saves: [0],
  grad: (g, c) => {
    const x = c.inputs[0]!;
    return [where(x.gt(-3).logicalAnd(x.lt(3)), g.mul(SIXTH_F32), 0)];
  },
};

/**
 * x·relu6(x + 3)/6. torch's gradient: 0 below −3, x/3 + ½ on [−3, 3] (both ends included), g
 * above 3 and at NaN.
 */
export function hardswish(x: Tensor): Tensor {
  floatOnly('hardswish', x);
  return tidy(() => {
    const out = noGrad(() => x.mul(x.add(3).clamp(0, 6)).div(6));
    record('hardswish', hardswishRule, [x], out, undefined);
    return out;
  });
}

const hardswishRule: GradRule<never> = {
  saves: [0],
  grad: (g, c) => {
    const x = c.inputs[0]!;
    const mid = g.mul(x.div(3).add(0.5));
    return [where(x.lt(-3), 0, where(x.le(3), mid, g))];
  },
};

/** 0 where −λ ≤ x ≤ λ, else x (NaN stays NaN, with gradient 1). */
export function hardshrink(x: Tensor, lambd = 0.5): Tensor {
  floatOnly('hardshrink', x);
  return tidy(() => where(x.ge(-lambd).logicalAnd(x.le(lambd)), 0, x));
}

/**
 * x − λ above λ, x + λ below −λ, else 0 — NaN included, as torch's kernel (its comparisons are
 * false for NaN and the last branch is the constant 0). Its gradient tests the band instead
 * (0 where −λ ≤ x ≤ λ, else g), so at NaN the value is 0 but the gradient g, as torch's.
 */
export function softshrink(x: Tensor, lambd = 0.5): Tensor {
  floatOnly('softshrink', x);
  if (!(lambd >= 0))
    throw new ArgumentError(
      `softshrink: lambd must be greater than or equal to 0, got ${describe(lambd)}`,
    );
  return tidy(() => {
    const out = noGrad(() =>
      where(x.gt(lambd), x.sub(lambd), where(x.lt(-lambd), x.add(lambd), 0)),
    );
    record('softshrink', shrinkRule, [x], out, { lambd });
    return out;
  });
}

const shrinkRule: GradRule<never> = {
  saves: [0],
  grad: (g, c) => {
    const x = c.inputs[0]!;
    const { lambd } = c.params as { lambd: number };
    return [where(x.ge(-lambd).logicalAnd(x.le(lambd)), 0, g)];
  },
};

/** x where x > threshold, else `value` (NaN is kept); integer tensors stay integer. */
export function threshold(x: Tensor, threshold: number, value: number): Tensor {
  noBool('threshold', x);
  return tidy(() => keepDType(x, where(x.le(threshold), value, x)));
}

/**
 * x where x > 0, else weight·x, with one weight for all (numel 1) or one per channel (dim 1).
 * torch's rules: weight is 0-d or 1-D with the input's dtype; per-channel needs rank ≥ 2.
 */
export function prelu(x: Tensor, weight: Tensor): Tensor {
  floatOnly('prelu', x);
  if (weight.dtype !== x.dtype)
    throw new DTypeError(
      `prelu: weight must have the input's dtype ${x.dtype}, got ${weight.dtype}`,
    );
  if (weight.ndim > 1)
    throw new ShapeError(
      `prelu: weight must be 0-d or 1-D (one value, or one per channel), got ${fmtShape(weight.shape)}`,
    );
  const channels = x.ndim >= 2 ? x.shape[1]! : 1;
  if (weight.size !== 1 && weight.size !== channels)
    throw new ShapeError(
      `prelu: weight has ${weight.size} values but the input ${fmtShape(x.shape)} has ${channels} channel(s) (dim 1); give 1 value or ${channels}`,
    );
  return tidy(() => {
    // One value broadcasts as a 0-d tensor; per-channel values line up with dim 1.
    const w =
      weight.size === 1
        ? weight.reshape([])
        : weight.reshape([channels, ...Array<number>(x.ndim - 2).fill(1)]);
    return where(x.gt(0), x, x.mul(w));
  });
}

/**
 * Randomized leaky ReLU: while training, x·a where x ≤ 0 with a drawn from U(lower, upper) for
 * each element (so its gradient is a there); otherwise leakyRelu(x, (lower + upper)/2), as torch.
 */
export function rrelu(x: Tensor, lower = 1 / 8, upper = 1 / 3, training = false): Tensor {
  floatOnly('rrelu', x);
  if (!training) return leakyRelu(x, (lower + upper) / 2);
  // torch checks the bounds only where it draws from them.
  if (!(lower <= upper))
    throw new ArgumentError(
      `rrelu: lower must be less than or equal to upper, got lower ${describe(lower)} and upper ${describe(upper)}`,
    );
  return tidy(() => {
    const a = noGrad(() => rand(x.shape, { dtype: x.dtype, device: x.device }))
      .mul(upper - lower)
      .add(lower);
    return where(x.le(0), x.mul(a), x);
  });
}
