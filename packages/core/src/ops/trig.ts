/**
 * Trigonometric composites: tan, atan, asin, acos and atan2, built from the primitives every
 * backend already has (so no backend needs new kernels). Values are computed without autograd and
 * each op records its closed-form gradient (torch's formulas), so derivatives are exact rather
 * than derivatives of the approximation, and higher-order gradients work.
 */
import { type DType, floatType } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import type { GradCtx, GradRule } from '../autograd/node.js';
import { noGrad } from '../autograd/mode.js';
import { record } from '../autograd/record.js';
import { tidy } from '../scope.js';
import { cast } from './convert.js';
import { align, promote, where } from './elementwise.js';

const HALF_PI = Math.PI / 2;

/** x as the float dtype a float-only op computes in (integers and bools become float32). */
const asFloat = (x: Tensor): Tensor => cast(x, floatType(x.dtype));

/**
 * atan of t with |t| ≤ 1 (or NaN): two half-angle steps, atan(t) = 2·atan(t / (1 + √(1 + t²))),
 * bring |t| below tan(π/16) ≈ 0.2, where the odd Taylor series converges fast: 12 terms reach
 * float64's precision (0.2^24 / 25 < 1e-17), 6 terms float32's. Signs and −0 carry through.
 */
function atanSmall(t: Tensor, dtype: DType): Tensor {
  let u = t;
  for (let k = 0; k < 2; k++) u = u.div(u.mul(u).add(1).sqrt().add(1));
  const z = u.mul(u);
  const terms = dtype === 'float64' ? 12 : 6;
  // Horner over Σ (−1)ⁿ zⁿ / (2n + 1), from the highest term down.
  let p = z.mul((terms % 2 === 0 ? 1 : -1) / (2 * terms + 1));
  for (let n = terms - 1; n >= 1; n--) p = p.add((n % 2 === 0 ? 1 : -1) / (2 * n + 1)).mul(z);
  return p.add(1).mul(u).mul(4);
}

/** atan's value for a float tensor: |x| > 1 goes through ±π/2 − atan(1/x). */
function atanValue(x: Tensor): Tensor {
  const big = x.abs().gt(1);
  const r = atanSmall(where(big, x.reciprocal(), x), x.dtype);
  // sign(x)·π/2 keeps x's dtype (a where of two numbers would be float32).
  return where(big, x.sign().mul(HALF_PI).sub(r), r).to(x.dtype);
}

/**
 * `value` with x itself where x is ±0: tan, atan and asin are odd with f(±0) = ±0, and a select
 * keeps the sign of zero on devices whose float arithmetic does not (WebGL2 drops −0).
 */
const keepZero = (x: Tensor, value: Tensor): Tensor => where(x.eq(0), x, value);

/** A one-input float op: value without autograd, then its gradient rule on the float input. */
function floatUnary(
  name: string,
  x: Tensor,
  value: (xf: Tensor) => Tensor,
  rule: GradRule<never>,
): Tensor {
  return tidy(() => {
    const xf = asFloat(x);
    const out = noGrad(() => value(xf).to(xf.dtype));
    record(name, rule, [xf], out, {});
    return out;
  });
}

const tanRule: GradRule<never> = {
  saves: ['out'],
  grad: (g, c: GradCtx) => [g.mul(c.out!.mul(c.out!).add(1))],
};
const atanRule: GradRule<never> = {
  saves: [0],
  grad: (g, c: GradCtx) => [g.div(c.inputs[0]!.mul(c.inputs[0]!).add(1))],
};
/** d asin = 1/√(1 − x²) (torch: grad · (1 − x²)^−½); acos is its negative. */
const arcRule = (sign: 1 | -1): GradRule<never> => ({
  saves: [0],
  grad: (g, c: GradCtx) => {
    const x = c.inputs[0]!;
    const d = x.mul(x).neg().add(1).rsqrt();
    return [sign === 1 ? g.mul(d) : g.mul(d).neg()];
  },
});

/**
 * Element-wise tangent (radians), as torch.tan; integers and bools compute in float32.
 * @example
 * fl.tensor([0, Math.PI / 4]).tan(); // [0, 1]
 */
export const tan = (x: Tensor): Tensor =>
  floatUnary('tan', x, (xf) => keepZero(xf, xf.sin().div(xf.cos())), tanRule);

/**
 * Element-wise arctangent in (−π/2, π/2), as torch.atan (atan(±∞) = ±π/2).
 * @example
 * fl.tensor([1]).atan(); // [0.7854]
 */
export const atan = (x: Tensor): Tensor =>
  floatUnary('atan', x, (xf) => keepZero(xf, atanValue(xf)), atanRule);

/**
 * Element-wise arcsine in [−π/2, π/2], as torch.asin: NaN outside [−1, 1].
 * @example
 * fl.tensor([1]).asin(); // [1.5708]
 */
export const asin = (x: Tensor): Tensor =>
  floatUnary(
    'asin',
    x,
    // asin x = atan(x / √(1 − x²)), with 1 − x² as (1 − x)(1 + x): exact near |x| = 1.
    (xf) => keepZero(xf, atanValue(xf.div(xf.neg().add(1).mul(xf.add(1)).sqrt()))),
    arcRule(1),
  );

/**
 * Element-wise arccosine in [0, π], as torch.acos: NaN outside [−1, 1].
 * @example
 * fl.tensor([-1]).acos(); // [3.1416]
 */
export const acos = (x: Tensor): Tensor =>
  floatUnary(
    'acos',
    x,
    // acos x = 2·atan(√((1 − x)/(1 + x))): accurate near x = 1, where π/2 − asin x cancels.
    (xf) =>
      atanValue(xf.neg().add(1).div(xf.add(1)).sqrt())
        .mul(2)
        .to(xf.dtype),
    arcRule(-1),
  );

/** x is negative or −0 (1/−0 = −∞ tells −0 from +0). */
const signBit = (x: Tensor): Tensor => x.lt(0).logicalOr(x.eq(0).logicalAnd(x.reciprocal().lt(0)));

/**
 * atan2(y, x) by quadrant from the first-quadrant angle atan(|y| / |x|), with C's special cases:
 * ±0 and ±∞ on either side (atan2(±0, −0) = ±π, atan2(±∞, +∞) = ±π/4 …) and NaN in, NaN out.
 */
function atan2Value(y: Tensor, x: Tensor): Tensor {
  const ay = y.abs();
  const ax = x.abs();
  const bothInf = ay.eq(Infinity).logicalAnd(ax.eq(Infinity));
  // 0/0 and ∞/∞ are NaN: those angles are 0 and π/4 (before the quadrant is applied).
  let r = where(ay.eq(0), 0, atanValue(ay.div(ax)));
  r = where(bothInf, Math.PI / 4, r);
  r = where(signBit(x), r.neg().add(Math.PI), r);
  r = where(signBit(y), r.neg(), r);
  return where(y.isnan().logicalOr(x.isnan()), NaN, r).to(y.dtype);
}

/** torch's atan2 gradient: (g·x, −g·y) / (x² + y²); NaN at (0, 0), as torch's. */
const atan2Rule: GradRule<never> = {
  saves: [0, 1],
  grad: (g, c: GradCtx) => {
    const [y, x] = [c.inputs[0]!, c.inputs[1]!];
    const recip = y.mul(y).add(x.mul(x)).reciprocal();
    return [g.mul(x).mul(recip), g.mul(y.neg()).mul(recip)];
  },
};

/**
 * Element-wise angle of the point (x, y) in [−π, π], as torch.atan2(input, other): `input` is y
 * and `other` is x. Broadcasts; integers compute in float32.
 * @example
 * fl.atan2(fl.tensor([1, -1]), fl.tensor([-1, -1])); // [2.3562, -2.3562]
 */
export function atan2(input: Tensor, other: Tensor): Tensor {
  return tidy(() => {
    const dtype = floatType(promote([input, other]));
    const [y, x] = align('atan2', [input, other], dtype) as [Tensor, Tensor];
    const out = noGrad(() => atan2Value(y, x));
    record('atan2', atan2Rule, [y, x], out, {});
    return out;
  });
}
