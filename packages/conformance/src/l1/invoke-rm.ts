/**
 * The random-math fixture `op`s (scripts/fixtures/random_math.py) — the mirror of
 * scripts/fixtures/torch_ops_rm.py; both read the same args object. Random samplers appear in
 * forms whose answer does not depend on the generator (probabilities 0 and 1, one-hot weights,
 * std 0, one-value ranges, `* 0` for shape and dtype).
 */
import * as fl from '@flint/core';
import { num } from './fixtures.js';
import type { Args, Invoke } from './invoke.js';

const opt = <T>(a: Args, k: string, d: T): T => (a[k] === undefined ? d : (a[k] as T));
const closeOpts = (a: Args): fl.CloseOptions => {
  const o: fl.CloseOptions = {};
  if (a.rtol !== undefined) o.rtol = a.rtol as number;
  if (a.atol !== undefined) o.atol = a.atol as number;
  if (a.equalNan !== undefined) o.equalNan = a.equalNan as boolean;
  return o;
};

export const RM_INVOKE: Record<string, Invoke> = {
  tan: ([x]) => x!.tan(),
  atan: ([x]) => fl.atan(x!),
  asin: ([x]) => x!.asin(),
  acos: ([x]) => fl.acos(x!),
  atan2: ([y, x]) => fl.atan2(y!, x!),
  logicalXor: (x, a) => fl.logicalXor(x[0]!, x[1] ?? num(a.other)),
  isclose: ([x, y], a) => fl.isclose(x!, y!, closeOpts(a)),
  allclose: ([x, y], a) => fl.tensor(x!.allclose(y!, closeOpts(a))),
  unbind: ([x], a) => x!.unbind(opt(a, 'dim', 0)),
  roll: ([x], a) =>
    fl.roll(x!, a.shifts as number | number[], a.dims as number | number[] | undefined),
  diag: ([x], a) => x!.diag(opt(a, 'diagonal', 0)),
  meshgrid: (x, a) => fl.meshgrid(x, { indexing: a.indexing as 'ij' | 'xy' }),
  cumprod: ([x], a) => fl.cumprod(x!, a.dim as number),
  bernoulli: ([x], a) => (a.p === undefined ? fl.bernoulli(x!) : x!.bernoulli(a.p as number)),
  bernoulli_: ([x, p], a) => x!.clone().bernoulli_(p ?? (a.p as number)),
  multinomial: ([x], a) => fl.multinomial(x!, a.numSamples as number, opt(a, 'replacement', false)),
  normal: (x, a) =>
    fl.normal(
      opt(a, 'meanTensor', true) ? x[0]! : num(a.mean),
      opt(a, 'stdTensor', true) ? x.at(-1)! : num(a.std),
    ),
  randint: (_, a) =>
    a.low === undefined
      ? fl.randint(a.high as number, a.shape as number[])
      : fl.randint(a.low as number, a.high as number, a.shape as number[]),
  randintLike: ([x], a) => fl.randintLike(x!, a.low as number, a.high as number),
  randLike: ([x]) => fl.randLike(x!).mul(0),
  randnLike: ([x]) => fl.randnLike(x!).mul(0),
};
