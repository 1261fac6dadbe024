/**
 * Parameter lists of the advanced-indexing, mask and einsum ops (ops/advanced.ts, nonzero.ts,
 * einsum.ts), shared by the Tensor methods and their `fl.*` functions.
 */
import { arrayOf, bool, operand, optional, options, string, tensor } from '../spec.js';

const indexTensors = arrayOf(tensor, 'an array of index Tensors (int32 or bool)');
export const nonzeroOptions = options({ asTuple: bool });

export const PX = {
  indexPut: { indices: indexTensors, values: tensor, accumulate: optional(bool) },
  maskedFill: { mask: tensor, value: operand },
  maskedSelect: { mask: tensor },
  nonzero: { options: nonzeroOptions },
};

/** fl.einsum(equation, ...operands). */
export const einsumSpec = { equation: string };
