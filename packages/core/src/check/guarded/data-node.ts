/**
 * The Node entry's `fl.data`: the portable `fl.data` (data.ts) plus the guarded loaders that read
 * files and folders by path. Only src/node.ts imports this module.
 */
import * as D from '../../data/node.js';
import { guard, sig } from '../args.js';
import { device, nonNegInt, oneOf, options, required, string, type Spec } from '../spec.js';
import { wordListOptions } from '../specs/data.js';

export * from './data.js';
export { FASHION_MNIST_DIR, DICT_WORDS } from '../../data/node.js';
export type { ImageDatasetOptions } from '../../data/node.js';

const maxBytes = { maxBytes: nonNegInt };
const imageFields = { ...maxBytes, dir: string, split: oneOf('train', 'test'), device };
const fn = <F extends (...a: never[]) => unknown>(
  name: string,
  params: Record<string, Spec>,
  f: F,
): F => guard(sig(`data.${name}`, params, { async: true }), f);

export const loadIdx = fn(
  'loadIdx',
  { path: string, options: options({ ...maxBytes, device }) },
  D.loadIdx,
);
export const fashionMnist = fn('fashionMnist', { options: options(imageFields) }, D.fashionMnist);
export const mnist = fn(
  'mnist',
  { options: options({ ...imageFields, dir: required(string) }) },
  D.mnist,
);
export const loadWords = fn('loadWords', { options: wordListOptions }, D.loadWords);
