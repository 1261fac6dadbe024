/**
 * Element-wise ops: dtype promotion and broadcasting in one place, then one primitive call.
 * Casts and broadcasts are explicit (differentiable) ops, so kernels see same-shape,
 * same-dtype inputs and gradient rules never deal with broadcasting.
 */
import { type DType, category, floatType, isFloat, resultType } from '../dtype.js';
import { DTypeError } from '../errors.js';
import {
  PRIMS,
  acceptsDType,
  type BinaryPrim,
  type ComparePrim,
  type UnaryPrim,
} from '../prims.js';
import { broadcastShapes, shapesEqual } from '../shape.js';
import { Tensor, type Operand } from '../tensor.js';
import { tidy } from '../scope.js';
import { exec, live } from './dispatch.js';
import { checkOnDevice } from './checks.js';
import { cast } from './convert.js';
import { full, zerosLike } from './creation.js';
import { expand } from './views.js';
import { noGrad } from '../autograd/mode.js';
import { record } from '../autograd/record.js';
import type { GradCtx, GradRule } from '../autograd/node.js';

/** The kernel arguments of element-wise ops: none, shared rather than a fresh `[]` per op. */
const NO_ARGS: readonly unknown[] = Object.freeze([]);

/** dtype a kernel of this dtype set computes in, given the promoted dtype. */
function computeType(set: 'float' | 'numeric' | 'all', d: DType): DType {
  if (acceptsDType(set, d)) return d;
  return set === 'float' ? floatType(d) : 'int32';
}

/** Promote operands (tensors or JS scalars) to one dtype, following torch.result_type. */
export function promote(operands: readonly Operand[]): DType {
  // Common case first: two tensors of one dtype promote to it, whatever their ranks.
  const [a, b] = operands;
  if (operands.length === 2 && a instanceof Tensor && b instanceof Tensor && a.dtype === b.dtype)
    return a.dtype;
  const dims: DType[] = [];
  const zeroDims: DType[] = [];
  const scalars: (number | boolean)[] = [];
  for (const o of operands) {
    if (o instanceof Tensor) (o.ndim === 0 ? zeroDims : dims).push(o.dtype);
    else scalars.push(o);
  }
  return resultType(dims, zeroDims, scalars);
}

/** Turn operands into tensors of `dtype` broadcast to one shape, on the first tensor's device. */
export function align(
  op: string,
  operands: readonly Operand[],
  dtype: DType | readonly DType[],
): Tensor[] {
  for (const o of operands) if (o instanceof Tensor) live(op, o);
  const device = (operands.find((o) => o instanceof Tensor) as Tensor).device;
  const dt = (i: number) => (typeof dtype === 'string' ? dtype : dtype[i]!);
  const ts = operands.map((o, i) =>
    o instanceof Tensor ? cast(o, dt(i)) : full([], Number(o), { dtype: dt(i), device }),
  );
  const shape = broadcastShapes(op, ...ts.map((t) => t.shape));
  return ts.map((t) => (shapesEqual(t.shape, shape) ? t : expand(t, shape)));
}

/** What torch does with two bool operands: logical forms for some ops, an error for others. */
const BOOL_RESULT: Partial<Record<BinaryPrim, 'bool' | 'error'>> = {
  add: 'bool', // logical or
  mul: 'bool', // logical and
  maximum: 'bool',
  minimum: 'bool',
  sub: 'error',
  remainder: 'error',
  pow: 'error',
};

function boolError(op: string): DTypeError {
  return new DTypeError(
    `${op}: not supported on bool tensors; convert with .int() or use logicalNot/logicalXor-style ops`,
  );
}

export function unary(name: UnaryPrim, x: Tensor): Tensor {
  const set = PRIMS[name].dtypes;
  if (x.dtype === 'bool' && (name === 'neg' || name === 'abs')) throw boolError(name);
  if (x.dtype === 'bool' && name === 'sign') return x.clone();
  if (acceptsDType(set, x.dtype)) return exec(name, [x], NO_ARGS, x.shape, x.dtype);
  return tidy(() => {
    const xt = cast(x, computeType(set, x.dtype));
    return exec(name, [xt], [], xt.shape, xt.dtype);
  });
}

/** Fast path: two tensors that already agree in dtype and shape need no casts or expands. */
function agree(a: Operand, b: Operand, dtype: DType): a is Tensor {
  return (
    a instanceof Tensor &&
    b instanceof Tensor &&
    a.dtype === dtype &&
    b.dtype === dtype &&
    shapesEqual(a.shape, b.shape)
  );
}

const isBool = (o: Operand): boolean =>
  o instanceof Tensor ? o.dtype === 'bool' : typeof o === 'boolean';
const kind = (o: Operand): string => (o instanceof Tensor ? o.dtype : `a JS ${typeof o}`);

export function binary(name: BinaryPrim, a: Operand, b: Operand): Tensor {
  // torch refuses a bool on either side of a subtraction (tensor or scalar), not only two bools.
  if (name === 'sub' && (isBool(a) || isBool(b)))
    throw new DTypeError(
      `sub: subtraction with a bool operand (${kind(a)} - ${kind(b)}) is not supported, as in PyTorch; to invert a mask use logicalNot(), otherwise convert with .int() or .float()`,
    );
  const promoted = promote([a, b]);
  if (promoted === 'bool' && BOOL_RESULT[name] === 'error') throw boolError(name);
  if (promoted === 'bool' && BOOL_RESULT[name] === 'bool')
    return tidy(() => cast(binaryIn(name, a, b, 'int32'), 'bool'));
  return binaryIn(name, a, b, computeType(PRIMS[name].dtypes, promoted));
}

function binaryIn(name: BinaryPrim, a: Operand, b: Operand, dtype: DType): Tensor {
  if (agree(a, b, dtype)) return exec(name, [a, b as Tensor], NO_ARGS, a.shape, dtype);
  return tidy(() => {
    const [x, y] = align(name, [a, b], dtype);
    return exec(name, [x!, y!], [], x!.shape, dtype);
  });
}

export function compare(name: ComparePrim, a: Operand, b: Operand): Tensor {
  const dtype = promote([a, b]);
  if (agree(a, b, dtype)) return exec(name, [a, b as Tensor], NO_ARGS, a.shape, 'bool');
  return tidy(() => {
    const [x, y] = align(name, [a, b], dtype);
    return exec(name, [x!, y!], [], x!.shape, 'bool');
  });
}

/** Pick from `a` where `cond` is true, else from `b` (broadcast; dtypes promoted). */
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  if (cond.dtype !== 'bool')
    throw new DTypeError(`where: condition must be a bool tensor, got ${cond.dtype}`);
  const dtype = promote([a, b]);
  return tidy(() => {
    const [c, x, y] = align('where', [cond, a, b], ['bool', dtype, dtype]);
    return exec('where', [c!, x!, y!], [], x!.shape, dtype);
  });
}

/**
 * An in-place op's result, written back into a tensor of `dtype`: torch refuses a result of a
 * higher category (float into int32, int32 into bool), where a cast would truncate silently.
 */
export function castInPlace(op: string, r: Tensor, dtype: DType): Tensor {
  if (category(r.dtype) > category(dtype))
    throw new DTypeError(
      `${op}: the result type ${r.dtype} cannot be written in place into a tensor of dtype ${dtype}, as in PyTorch; use the out-of-place op, or convert the tensor first`,
    );
  return cast(r, dtype);
}

// Float-only ops take int/bool inputs as float32 (as torch does).
/** Element-wise `-x`. */
export const neg = (x: Tensor) => unary('neg', x);
/** Element-wise absolute value. */
export const abs = (x: Tensor) => unary('abs', x);
/** Element-wise sign: −1, 0 or 1 (NaN stays NaN). */
export const sign = (x: Tensor) => unary('sign', x);
/** Element-wise eˣ. */
export const exp = (x: Tensor) => unary('exp', x);
/** Element-wise eˣ − 1, accurate near 0. */
export const expm1 = (x: Tensor) => unary('expm1', x);
/** Element-wise natural logarithm. */
export const log = (x: Tensor) => unary('log', x);
/** Element-wise ln(1 + x), accurate near 0. */
export const log1p = (x: Tensor) => unary('log1p', x);
/** Element-wise square root (NaN for negative inputs). */
export const sqrt = (x: Tensor) => unary('sqrt', x);
/** Element-wise sine (radians). */
export const sin = (x: Tensor) => unary('sin', x);
/** Element-wise cosine (radians). */
export const cos = (x: Tensor) => unary('cos', x);
/** Element-wise hyperbolic tangent. */
export const tanh = (x: Tensor) => unary('tanh', x);
/** Element-wise logistic function 1/(1 + e⁻ˣ). */
export const sigmoid = (x: Tensor) => unary('sigmoid', x);
/** Element-wise Gauss error function. */
export const erf = (x: Tensor) => unary('erf', x);

/** Rounding ops are the identity on integers (torch returns them unchanged). */
function rounding(name: 'floor' | 'ceil' | 'round' | 'trunc', x: Tensor): Tensor {
  if (x.dtype === 'bool') throw boolError(name);
  return isFloat(x.dtype)
    ? unary(name, x)
    : tidy(() => cast(x, x.dtype === 'bool' ? 'int32' : x.dtype).clone());
}
/** Element-wise round down; integers are returned unchanged. */
export const floor = (x: Tensor) => rounding('floor', x);
/** Element-wise round up; integers are returned unchanged. */
export const ceil = (x: Tensor) => rounding('ceil', x);
/**
 * Element-wise round to nearest, ties to even (as torch.round); integers are returned unchanged.
 */
export const round = (x: Tensor) => rounding('round', x);
/** Element-wise round toward zero; integers are returned unchanged. */
export const trunc = (x: Tensor) => rounding('trunc', x);

/** Element-wise base-2 logarithm. */
export const log2 = (x: Tensor) => tidy(() => log(x).mul(1 / Math.LN2));
/** Element-wise 1/√x. */
export const rsqrt = (x: Tensor) => tidy(() => sqrt(x).reciprocal());
/**
 * x², as torch's pow(x, 2) (so its gradient is g·2x, which overflows as torch's does); bool
 * squares in int32 (torch: int64; Flint's bool arithmetic computes in int32).
 */
export function square(x: Tensor): Tensor {
  if (isFloat(x.dtype)) return pow(x, 2);
  return tidy(() => {
    const i = x.dtype === 'bool' ? cast(x, 'int32') : x;
    return binary('mul', i, i);
  });
}
/** Element-wise 1/x (true division, so integers give float32). */
export const reciprocal = (x: Tensor) => binary('div', 1, x);

/** Element-wise `a + b`, with broadcasting and dtype promotion. */
export const add = (a: Operand, b: Operand) => binary('add', a, b);
/**
 * Element-wise `a - b`, with broadcasting and dtype promotion (no bool operands, as in PyTorch).
 */
export const sub = (a: Operand, b: Operand) => binary('sub', a, b);
/** Element-wise `a * b`, with broadcasting and dtype promotion. */
export const mul = (a: Operand, b: Operand) => binary('mul', a, b);
/** True division: integer inputs give float32. */
export const div = (a: Operand, b: Operand) => binary('div', a, b);

/** Python-style remainder (sign of the divisor); an integer remainder by 0 is an error, as torch's. */
export function remainder(a: Operand, b: Operand): Tensor {
  if (promote([a, b]) !== 'int32' || anyEmpty(a, b)) return binary('remainder', a, b);
  if (!(b instanceof Tensor)) {
    if (Number(b) === 0) throw divisionByZero();
    return binary('remainder', a, b);
  }
  live('remainder', b);
  const later = checkOnDevice(
    b,
    () => [b.eq(0).any()],
    ([zero]) => (zero ? divisionByZero() : undefined),
  );
  if (!later) return binary('remainder', a, b);
  // The error comes at the next read; until then the kernel must not divide by 0 (an integer
  // division by zero traps on native devices), so zeros divide by 1 instead.
  return tidy(() => {
    const nonzero = noGrad(() => where(b.eq(0), 1, b));
    return binary('remainder', a, nonzero);
  });
}

const divisionByZero = (): DTypeError =>
  new DTypeError(
    `remainder: integer division by zero (an int32 divisor contains 0); float tensors give NaN there, convert with .float()`,
  );

/**
 * Whether the broadcast result is empty (an empty operand broadcasts only to an empty result):
 * then no division happens, and torch raises nothing even for a zero divisor.
 */
const anyEmpty = (a: Operand, b: Operand): boolean =>
  (a instanceof Tensor && a.size === 0) || (b instanceof Tensor && b.size === 0);

/**
 * aᵇ. A JS-number exponent follows torch's pow(Tensor, Scalar): an integer tensor to a negative
 * integer power is an error (with a tensor exponent it is 0 except for bases ±1), and on floats
 * see powScalar.
 */
export function pow(a: Operand, b: Operand): Tensor {
  if (!(a instanceof Tensor) || typeof b !== 'number') return binary('pow', a, b);
  const dtype = promote([a, b]);
  if (dtype === 'int32' && Number.isInteger(b) && b < 0)
    throw new DTypeError(
      `pow: integers to negative integer powers are not allowed (${a.dtype} tensor to the power ${b}); convert the base with .float()`,
    );
  return isFloat(dtype) ? powScalar(a, b, dtype) : binary('pow', a, b);
}

/** d/dx xᵉ = e·xᵉ⁻¹ through the same scalar pow (torch's pow_backward), 0 for e = 0. */
const powScalarRule: GradRule<never> = {
  saves: [0],
  grad: (g, c: GradCtx<{ e: number }>) => {
    const { e } = c.params;
    // g·(e·xᵉ⁻¹) in torch's order: e·xᵉ⁻¹ can overflow where g·e·xᵉ⁻¹ would not.
    return [e === 0 ? zerosLike(g) : g.mul(pow(c.inputs[0]!, e - 1).mul(e))];
  },
};

/**
 * Float xᵉ for a number e as torch computes it: e = ±0.5 runs as sqrt/rsqrt (so (−∞)^0.5 is NaN
 * and (−0)^0.5 is −0, where C's pow gives ∞ and +0), every other e as C's pow; the gradient
 * e·xᵉ⁻¹ uses this same function, so first and higher derivatives match torch's too.
 */
function powScalar(a: Tensor, e: number, dtype: DType): Tensor {
  return tidy(() => {
    const x = cast(a, dtype);
    const out = noGrad(() => (e === 0.5 ? sqrt(x) : e === -0.5 ? rsqrt(x) : binary('pow', x, e)));
    record('pow', powScalarRule, [x], out, { e });
    return out;
  });
}
/** Element-wise larger of `a` and `b` (NaN propagates), with broadcasting. */
export const maximum = (a: Operand, b: Operand) => binary('maximum', a, b);
/** Element-wise smaller of `a` and `b` (NaN propagates), with broadcasting. */
export const minimum = (a: Operand, b: Operand) => binary('minimum', a, b);
/** Element-wise `a == b`, as a bool tensor. */
export const eq = (a: Operand, b: Operand) => compare('eq', a, b);
/** Element-wise `a != b`, as a bool tensor. */
export const ne = (a: Operand, b: Operand) => compare('ne', a, b);
/** Element-wise `a < b`, as a bool tensor. */
export const lt = (a: Operand, b: Operand) => compare('lt', a, b);
/** Element-wise `a <= b`, as a bool tensor. */
export const le = (a: Operand, b: Operand) => compare('le', a, b);
/** Element-wise `a > b`, as a bool tensor. */
export const gt = (a: Operand, b: Operand) => compare('gt', a, b);
/** Element-wise `a >= b`, as a bool tensor. */
export const ge = (a: Operand, b: Operand) => compare('ge', a, b);

function logical(name: 'logicalAnd' | 'logicalOr', a: Operand, b: Operand): Tensor {
  return tidy(() => {
    const [x, y] = align(name, [a, b], promote([a, b])).map((t) =>
      t.dtype === 'bool' ? t : t.ne(0),
    );
    return exec(name, [x!, y!], [], x!.shape, 'bool');
  });
}
/** Element-wise logical AND of truthiness (nonzero is true), as a bool tensor. */
export const logicalAnd = (a: Operand, b: Operand) => logical('logicalAnd', a, b);
/** Element-wise logical OR of truthiness (nonzero is true), as a bool tensor. */
export const logicalOr = (a: Operand, b: Operand) => logical('logicalOr', a, b);
/** Element-wise logical NOT (zero becomes true), as a bool tensor. */
export const logicalNot = (x: Tensor) => eq(x, 0);
/** Bool tensor: true where the element is NaN. */
export const isnan = (x: Tensor) => ne(x, x);
/** Bool tensor: true where the element is neither NaN nor ±∞ (always true for integers). */
export const isfinite = (x: Tensor) =>
  isFloat(x.dtype) ? tidy(() => x.sub(x).eq(0)) : full(x.shape, true, { device: x.device });

const FLOAT_MAX: Record<DType, number> = {
  float32: 3.4028234663852886e38,
  float64: Number.MAX_VALUE,
  int32: 0,
  bool: 0,
};

/**
 * Replace NaN by `nan`, +∞ by `posinf` and −∞ by `neginf` (default: the dtype's largest finite
 * values). Non-float tensors are copied unchanged.
 */
export function nanToNum(x: Tensor, nan = 0, posinf?: number, neginf?: number): Tensor {
  if (!isFloat(x.dtype)) return x.clone();
  const big = FLOAT_MAX[x.dtype];
  return tidy(() => {
    const y = where(x.isnan(), nan, x);
    const z = where(y.eq(Infinity), posinf ?? big, y);
    return where(z.eq(-Infinity), neginf ?? -big, z).to(x.dtype);
  });
}

type Bound = Operand | null | undefined;
const given = (b: Bound): b is Operand => b !== undefined && b !== null;

/** Each given bound: a number, or the index of its (aligned) tensor among the node's inputs. */
interface ClampParams {
  min?: number | { input: number };
  max?: number | { input: number };
}

/** A bound for the gradient masks: the number, or the saved tensor input. */
function boundOf(c: GradCtx<ClampParams>, b: ClampParams['min']): Operand | undefined {
  return b === undefined ? undefined : typeof b === 'number' ? b : c.inputs[b.input]!;
}

/**
 * torch's clamp gradients: x's flows where min ≤ x ≤ max (so none at a NaN x, or with min > max),
 * a tensor min's where x < min < max, a tensor max's where x > max or max < min.
 */
const clampRule = (inputs: number): GradRule<never> => ({
  saves: Array.from({ length: inputs }, (_, i) => i),
  grad: (g, c: GradCtx<ClampParams>) => {
    const x = c.inputs[0]!;
    const lo = boundOf(c, c.params.min);
    const hi = boundOf(c, c.params.max);
    const inRange =
      lo !== undefined && hi !== undefined
        ? ge(x, lo).logicalAnd(le(x, hi))
        : lo !== undefined
          ? ge(x, lo)
          : le(x, hi!);
    const grads: (Tensor | null)[] = [where(inRange, g, 0)];
    const { min, max } = c.params;
    // Only tensor bounds are inputs; with both bounds, min < max decides which one is active.
    if (typeof min === 'object')
      grads[min.input] = where(
        hi === undefined ? lt(x, lo!) : lt(x, lo!).logicalAnd(lt(lo!, hi)),
        g,
        0,
      );
    if (typeof max === 'object')
      grads[max.input] = where(
        lo === undefined ? gt(x, hi!) : gt(x, hi!).logicalOr(lt(hi!, lo)),
        g,
        0,
      );
    return grads;
  },
});

/** The value of clamp (no autograd): see `clamp`. */
function clampValue(x: Tensor, min: Bound, max: Bound): Tensor {
  const numbers = !(min instanceof Tensor) && !(max instanceof Tensor);
  if (
    numbers &&
    given(min) &&
    given(max) &&
    (Number.isNaN(Number(min)) || Number.isNaN(Number(max)))
  )
    return full(x.shape, NaN, { dtype: x.dtype, device: x.device });
  let r = x;
  // Number bounds compare (a NaN one alone is ignored, as torch's clamp_min/clamp_max); tensor
  // bounds go through maximum/minimum, which propagate their NaNs.
  if (given(min)) r = min instanceof Tensor ? maximum(r, min) : where(lt(r, min), min, r);
  if (given(max)) r = max instanceof Tensor ? minimum(r, max) : where(gt(r, max), max, r);
  return r === x ? x.clone() : r;
}

/**
 * Limit to [min, max] as torch.clamp does: min applies first (min > max gives max everywhere), a
 * NaN in x stays NaN, tensor bounds propagate their NaNs, two number bounds of which one is NaN
 * give NaN everywhere and a single NaN number bound is ignored. Gradients as torch (clampRule).
 */
export function clamp(x: Tensor, min?: Bound, max?: Bound): Tensor {
  if (!given(min) && !given(max))
    throw new DTypeError('clamp: at least one of min or max must be given');
  return tidy(() => {
    const bounds = [min, max].filter(given);
    const dtype = promote([x, ...bounds]);
    const tensors = [x, ...bounds.filter((b): b is Tensor => b instanceof Tensor)];
    const aligned = align('clamp', tensors, dtype);
    const params: ClampParams = {};
    let next = 1;
    const bound = (b: Bound) =>
      !given(b) ? undefined : b instanceof Tensor ? { input: next++ } : Number(b);
    params.min = bound(min);
    params.max = bound(max);
    const value = (b: ClampParams['min']) =>
      b === undefined ? undefined : typeof b === 'number' ? b : aligned[b.input]!;
    const out = noGrad(() => clampValue(aligned[0]!, value(params.min), value(params.max)));
    record('clamp', clampRule(aligned.length), aligned, out, params);
    return out;
  });
}
