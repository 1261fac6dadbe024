/**
 * Parameter lists of the random samplers and small math ops (ops/random.ts, trig.ts,
 * compare.ts, rearrange.ts), shared by each Tensor method and its `fl.*` function (which takes
 * the input tensor in front).
 */
import {
  bool,
  dim,
  int,
  intList,
  nonNegative,
  optional,
  options,
  or,
  posInt,
  probability,
  tensor,
  operand,
} from '../spec.js';

export const closeOptions = options({ rtol: nonNegative, atol: nonNegative, equalNan: bool });

export const RANDOM_MATH = {
  none: {},
  other: { other: tensor },
  logicalXor: { other: operand },
  close: { other: tensor, options: closeOptions },
  unbind: { dim: optional(dim) },
  roll: { shifts: or(int, intList), dims: optional(or(dim, intList)) },
  cumprod: { dim },
  diag: { diagonal: optional(int) },
  bernoulli: { p: optional(probability) },
  bernoulliInPlace: { p: optional(or(probability, tensor)) },
  multinomial: { numSamples: posInt, replacement: optional(bool) },
};
