/** The sorting and selection ops as exported (`fl.sort` …), each guarded by its signature. */
import * as so from '../../ops/sort.js';
import { guard, sig } from '../args.js';
import { nonNegInt, tensor } from '../spec.js';
import { createOptions } from '../specs/common.js';
import { SORTING } from '../specs/sort.js';

export const sort = guard(sig('fl.sort', { input: tensor, ...SORTING.sort }), so.sort);
export const argsort = guard(sig('fl.argsort', { input: tensor, ...SORTING.sort }), so.argsort);
export const msort = guard(sig('fl.msort', { input: tensor }), so.msort);
export const topk = guard(sig('fl.topk', { input: tensor, ...SORTING.topk }), so.topk);
export const kthvalue = guard(
  sig('fl.kthvalue', { input: tensor, ...SORTING.kthvalue }),
  so.kthvalue,
);
export const median = guard(sig('fl.median', { input: tensor, ...SORTING.median }), so.median);
export const randperm = guard(
  sig('fl.randperm', { n: nonNegInt, options: createOptions }),
  so.randperm,
);
