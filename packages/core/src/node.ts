/**
 * @flint/core for Node: everything of the portable entry (index.ts), and an `fl.data` that adds
 * the loaders reading files and folders by path (`loadIdx`, `fashionMnist`, `mnist`, `loadWords`).
 * Package.json serves it for `@flint/core` under the `node` export condition and as
 * `@flint/core/node`. Node's file paths for `fl.save`/`fl.load`, zlib and the terminal progress
 * bar of `Model.fit` come through `#platform`, so they work from either entry in Node.
 * @example
 * import * as fl from '@flint/core'; // in Node, this entry
 * const { images, labels } = await fl.data.fashionMnist({ split: 'test' });
 */
export * from './index.js';
export * as data from './check/guarded/data-node.js';
