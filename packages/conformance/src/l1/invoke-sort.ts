/**
 * The sort fixture `op`s (scripts/fixtures/sorting.py) — the mirror of
 * scripts/fixtures/torch_ops_sort.py; both read the same args object. Methods and `fl.*`
 * functions, positional arguments and options objects are mixed so that each form is exercised.
 */
import * as fl from '@flint/core';
import type { DType } from '@flint/core/backend';
import type { Args, Invoke } from './invoke.js';

const opt = <T>(a: Args, k: string, d: T): T => (a[k] === undefined ? d : (a[k] as T));

export const SORT_INVOKE: Record<string, Invoke> = {
  sort: ([x], a) => x!.sort(opt(a, 'dim', -1), opt(a, 'descending', false)),
  argsort: ([x], a) =>
    fl.argsort(x!, { dim: opt(a, 'dim', -1), descending: opt(a, 'descending', false) }),
  msort: ([x]) => fl.msort(x!),
  topk: ([x], a) =>
    a.largest === undefined
      ? x!.topk(a.k as number, opt(a, 'dim', -1))
      : fl.topk(x!, a.k as number, { dim: opt(a, 'dim', -1), largest: a.largest as boolean }),
  kthvalue: ([x], a) => x!.kthvalue(a.k as number, opt(a, 'dim', -1), opt(a, 'keepdim', false)),
  median: ([x], a) =>
    a.dim === undefined
      ? x!.median()
      : fl.median(x!, { dim: a.dim as number, keepdim: opt(a, 'keepdim', false) }),
  randperm: (_, a) =>
    fl.randperm(a.n as number, { dtype: opt<DType>(a, 'dtype', 'int32') }).sort().values,
};
