/**
 * The indexing fixture `op`s (scripts/fixtures/indexing.py) — the mirror of
 * scripts/fixtures/torch_ops_ix.py; both read the same args object. In `args.indices` (of `set`,
 * and of the basic `index` op of invoke.ts), an entry `{ input: k }` is the k-th input tensor;
 * lists stay arrays (integers or booleans, as Python's).
 */
import * as fl from '@flint/core';
import { num } from './fixtures.js';
import type { Invoke } from './invoke.js';

type Tensor = fl.Tensor;

/** The index list of an `index`/`set` case (`args.indices`), with `{ input: k }` resolved. */
export function indexSpecs(indices: unknown, xs: readonly Tensor[]): fl.IndexSpec[] {
  return (indices as unknown[]).map((s) =>
    s !== null && typeof s === 'object' && !Array.isArray(s)
      ? xs[(s as { input: number }).input]!
      : (s as fl.IndexSpec),
  );
}

export const IX_INVOKE: Record<string, Invoke> = {
  set: (x, a) =>
    x[0]!
      .clone()
      .set(
        indexSpecs(a.indices, x),
        a.valueInput === undefined ? num(a.value) : x[a.valueInput as number]!,
      ),
  indexPut: ([x, v, ...idx], a) => fl.indexPut(x!, idx, v!, a.accumulate === true),
  maskedSelect: ([x, m]) => fl.maskedSelect(x!, m!),
  maskedFill_: ([x, m, v], a) => x!.clone().maskedFill_(m!, v ?? num(a.value)),
  nonzero: ([x], a) => (a.asTuple === true ? x!.nonzero({ asTuple: true }) : fl.nonzero(x!)),
  argwhere: ([x]) => x!.argwhere(),
  einsum: (x, a) => fl.einsum(a.equation as string, ...x),
};
