/**
 * Parameter lists of the sorting and selection ops (ops/sort.ts), shared by each Tensor method
 * and its `fl.*` function (which takes the input tensor in front).
 */
import { bool, dim, int, nonNegInt, optional, options, or } from '../spec.js';

const keepdim = optional(bool);
export const SORTING = {
  sort: {
    dim: or(dim, options({ dim, descending: bool, stable: bool })),
    descending: optional(bool),
  },
  topk: {
    k: nonNegInt,
    dim: or(dim, options({ dim, largest: bool, sorted: bool })),
    largest: optional(bool),
    sorted: optional(bool),
  },
  kthvalue: { k: int, dim: or(dim, options({ dim, keepdim: bool })), keepdim },
  median: { dim: or(dim, options({ dim, keepdim: bool })), keepdim },
  none: {},
};
