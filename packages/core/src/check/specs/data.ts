/**
 * Signatures of the data classes: the DataLoader, the datasets, CharDataset's factories. The
 * functions of `fl.data` are guarded in guarded/data.ts.
 */
import { sig, type Sig } from '../args.js';
import {
  arrayOf,
  bool,
  device,
  func,
  int,
  instanceOf,
  intList,
  named,
  nonNegInt,
  nullable,
  options,
  posInt,
  string,
  type Spec,
  tensor,
} from '../spec.js';

/** A dataset: anything with a numeric `length` and a `get(i)` (fl.data.Dataset, or your own). */
export const dataset: Spec = {
  kind: 'dataset',
  what: 'a dataset (an object with length and get(i), e.g. a TensorDataset)',
  test: (v) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { length?: unknown }).length === 'number' &&
    // `in`, not a read: reading `get` would look like a per-item access to a Proxy or a spy.
    'get' in v,
};

const charOptions = options({ seqLen: posInt, targetPad: int, device });
export const wordListOptions = options({
  path: string,
  filter: nullable(instanceOf(() => RegExp, 'a RegExp')),
  maxWords: nonNegInt,
});

export const DATA = {
  DataLoader: sig('data.DataLoader', {
    dataset,
    options: options(
      { batchSize: posInt, shuffle: bool, seed: int, dropLast: bool, collate: func },
      { positional: ['batchSize', 'shuffle'] },
    ),
  }),
  TensorDataset: sig('data.TensorDataset', {}, { rest: tensor }),
  Subset: sig('data.Subset', { dataset, indices: intList }),
  Dataset: sig('data.Dataset', {}),
} satisfies Record<string, Sig>;

export const CHAR_DATASET = {
  fromWords: sig('data.CharDataset.fromWords', {
    words: named(arrayOf(string), 'an array of strings'),
    options: charOptions,
  }),
  fromWordList: sig(
    'data.CharDataset.fromWordList',
    { list: wordListOptions, options: charOptions },
    { async: true },
  ),
} satisfies Record<string, Sig>;
