/**
 * `fl.data` as exported: everything of data/index.ts (classes and types too), with each function
 * replaced by its guarded form (a module's own export wins over one it re-exports with `export *`).
 * The Node entry's `fl.data` is data-node.ts: this plus the file and folder loaders.
 */
import * as D from '../../data/index.js';
import { guard, sig } from '../args.js';
import {
  any,
  arrayOf,
  device,
  instanceOf,
  named,
  nonNegInt,
  number,
  object,
  oneOf,
  optional,
  options,
  or,
  positive,
  type Spec,
  tensor,
} from '../spec.js';
import { dataset } from '../specs/data.js';

export * from '../../data/index.js';

const bytes = named(
  instanceOf(() => Uint8Array, 'a Uint8Array'),
  'a Uint8Array',
);
const maxBytes = { maxBytes: nonNegInt };
const fn = <F extends (...a: never[]) => unknown>(
  name: string,
  params: Record<string, Spec>,
  f: F,
  async = false,
): F => guard(sig(`data.${name}`, params, { async }), f);

export const randomSplit = fn(
  'randomSplit',
  {
    dataset,
    lengths: arrayOf(number, 'an array of lengths or fractions'),
    seed: optional(nonNegInt),
  },
  D.randomSplit,
);
export const randomPermutation = fn(
  'randomPermutation',
  { n: nonNegInt, seed: nonNegInt, stream: optional(nonNegInt) },
  D.randomPermutation,
);
export const defaultCollate = fn(
  'defaultCollate',
  { items: arrayOf(any, 'an array of items') },
  D.defaultCollate,
);
export const isGzip = fn('isGzip', { bytes }, D.isGzip);
export const parseIdxSync = fn('parseIdxSync', { bytes }, D.parseIdxSync);
export const parseIdx = fn(
  'parseIdx',
  {
    bytes: or(
      bytes,
      instanceOf(() => ArrayBuffer, 'an ArrayBuffer'),
    ),
    options: options(maxBytes),
  },
  D.parseIdx,
  true,
);
export const gunzip = fn(
  'gunzip',
  { bytes, options: options({ ...maxBytes, impl: oneOf('node', 'web') }) },
  D.gunzip,
  true,
);
export const idxToTensor = fn(
  'idxToTensor',
  {
    idx: named(object, 'an IDX array { shape, dtype, data } (from parseIdx)'),
    options: options({ device }),
  },
  D.idxToTensor,
);
export const scaleToUnit = fn(
  'scaleToUnit',
  { input: tensor, max: optional(positive) },
  D.scaleToUnit,
);
