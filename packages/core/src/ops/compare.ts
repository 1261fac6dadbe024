/**
 * Closeness tests and the logical XOR, as torch.isclose / allclose / logical_xor.
 */
import { isFloat } from '../dtype.js';
import { ArgumentError, DTypeError } from '../errors.js';
import type { Operand, Tensor } from '../tensor.js';
import { tidy } from '../scope.js';
import { exec } from './dispatch.js';
import { cast } from './convert.js';
import { align, promote } from './elementwise.js';

/** Options of `isclose` and `allclose` (torch's keyword arguments). */
export interface CloseOptions {
  /** Relative tolerance (default 1e-5); must be ≥ 0. */
  rtol?: number;
  /** Absolute tolerance (default 1e-8); must be ≥ 0. */
  atol?: number;
  /** Count two NaNs as close (default false). */
  equalNan?: boolean;
}

function tolerances(op: string, a: Tensor, b: Tensor, opts: CloseOptions) {
  const { rtol = 1e-5, atol = 1e-8, equalNan = false } = opts;
  if (a.dtype !== b.dtype)
    throw new DTypeError(
      `${op}: input and other must have the same dtype, got ${a.dtype} and ${b.dtype}; convert one with .to()`,
    );
  if (!(rtol >= 0)) throw new ArgumentError(`${op}: rtol must be ≥ 0, got ${rtol}`);
  if (!(atol >= 0)) throw new ArgumentError(`${op}: atol must be ≥ 0, got ${atol}`);
  return { rtol, atol, equalNan };
}

/**
 * Element-wise |input − other| ≤ atol + rtol·|other| as a bool tensor, as torch.isclose: equal
 * values (±∞ included) are close, NaN is close to NaN only with `equalNan`, and both tensors must
 * have the same dtype. Broadcasts. Integers and bools compare in float32 (torch's default dtype).
 * @example
 * fl.isclose(fl.tensor([1, 2]), fl.tensor([1.000001, 2.1])); // [true, false]
 */
export function isclose(input: Tensor, other: Tensor, opts: CloseOptions = {}): Tensor {
  return closeness('isclose', input, other, opts);
}

function closeness(op: string, input: Tensor, other: Tensor, opts: CloseOptions): Tensor {
  const { rtol, atol, equalNan } = tolerances(op, input, other, opts);
  return tidy(() => {
    const [a, b] = align(op, [input, other], input.dtype) as [Tensor, Tensor];
    let close = a.eq(b);
    if (equalNan && isFloat(a.dtype)) close = close.logicalOr(a.isnan().logicalAnd(b.isnan()));
    if (rtol === 0 && atol === 0) return close;
    const af = isFloat(a.dtype) ? a : cast(a, 'float32');
    const bf = isFloat(b.dtype) ? b : cast(b, 'float32');
    const error = af.sub(bf).abs();
    // Only a finite difference can be within tolerance (∞ − ∞ is NaN, ∞ − x is ∞).
    const within = error.isfinite().logicalAnd(error.le(bf.mul(rtol).abs().add(atol)));
    return close.logicalOr(within);
  });
}

/**
 * Whether every element of `input` is close to `other` (see `isclose`), as a JS boolean, as
 * torch.allclose. Reads the answer back, so it needs a device with synchronous read-back.
 * @example
 * fl.allclose(fl.tensor([1, 2]), fl.tensor([1, 2.000001])); // true
 */
export function allclose(input: Tensor, other: Tensor, opts: CloseOptions = {}): boolean {
  return tidy(() => closeness('allclose', input, other, opts).logicalNot().any().item() === 0);
}

/**
 * Element-wise logical XOR of truthiness (nonzero is true), as a bool tensor, as
 * torch.logical_xor. Broadcasts; either side may be a number.
 * @example
 * fl.logicalXor(fl.tensor([true, false]), fl.tensor([true, true])); // [false, true]
 */
export function logicalXor(a: Operand, b: Operand): Tensor {
  return tidy(() => {
    const [x, y] = align('logicalXor', [a, b], promote([a, b])).map((t) =>
      t.dtype === 'bool' ? t : t.ne(0),
    );
    return exec('ne', [x!, y!], [], x!.shape, 'bool');
  });
}
