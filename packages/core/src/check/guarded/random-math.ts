/**
 * The random samplers and small math ops as exported (`fl.multinomial`, `fl.atan2`, `fl.roll` …),
 * each guarded by its signature; the parameter lists are the Tensor methods' (specs/random-math.ts)
 * with the input tensor in front.
 */
import * as rnd from '../../ops/random.js';
import * as tr from '../../ops/trig.js';
import * as cmp from '../../ops/compare.js';
import * as ra from '../../ops/rearrange.js';
import { guard, sig } from '../args.js';
import {
  arrayOf,
  int,
  isTensorValue,
  nonNegative,
  number,
  oneOf,
  operand,
  optional,
  options,
  or,
  shapeArg,
  type Spec,
  tensor,
} from '../spec.js';
import { createOptions } from '../specs/common.js';
import { RANDOM_MATH as R } from '../specs/random-math.js';

const op = <F extends (...a: never[]) => unknown>(
  name: string,
  params: Record<string, Spec>,
  f: F,
): F => guard(sig(`fl.${name}`, { input: tensor, ...params }), f);

// ---- trigonometry ----
export const tan = op('tan', R.none, tr.tan);
export const atan = op('atan', R.none, tr.atan);
export const asin = op('asin', R.none, tr.asin);
export const acos = op('acos', R.none, tr.acos);
export const atan2 = op('atan2', R.other, tr.atan2);

// ---- comparisons ----
export const isclose = op('isclose', R.close, cmp.isclose);
export const allclose = op('allclose', R.close, cmp.allclose);
/** Either operand may be a number, but not both (as the other element-wise binary ops). */
export const logicalXor = guard(
  sig(
    'fl.logicalXor',
    { input: operand, other: operand },
    {
      refine: (a) =>
        isTensorValue(a[0]) || isTensorValue(a[1])
          ? undefined
          : 'at least one of input and other must be a Tensor',
    },
  ),
  cmp.logicalXor,
);

// ---- rearranging ----
export const unbind = op('unbind', R.unbind, ra.unbind);
export const roll = op('roll', R.roll, ra.roll);
export const diag = op('diag', R.diag, ra.diag);
export const cumprod = op('cumprod', R.cumprod, ra.cumprod);
export const meshgrid = guard(
  sig('fl.meshgrid', {
    tensors: arrayOf(tensor, 'an array of Tensors'),
    options: options({ indexing: oneOf('ij', 'xy') }),
  }),
  ra.meshgrid,
);

// ---- random ----
export const bernoulli = op('bernoulli', R.bernoulli, rnd.bernoulli);
export const multinomial = op('multinomial', R.multinomial, rnd.multinomial);
export const normal = guard(
  sig('fl.normal', {
    mean: or(number, tensor),
    std: or(nonNegative, tensor),
    shape: optional(shapeArg),
    options: createOptions,
  }),
  rnd.normal,
);
const like = { input: tensor, options: createOptions };
export const randLike = guard(sig('fl.randLike', like), rnd.randLike);
export const randnLike = guard(sig('fl.randnLike', like), rnd.randnLike);
export const randintLike = guard(
  sig('fl.randintLike', {
    input: tensor,
    low: int,
    high: optional(or(int, createOptions)),
    options: createOptions,
  }),
  rnd.randintLike,
);
