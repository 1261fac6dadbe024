/**
 * What the Node entry's `fl.data` adds to data/index.ts: loaders that read files and folders
 * (IDX files by path, Fashion-MNIST and MNIST folders, word lists).
 */
export { loadIdx } from './idx.js';
export { fashionMnist, mnist, FASHION_MNIST_DIR } from './vision.js';
export type { ImageDatasetOptions } from './vision.js';
export { loadWords, DICT_WORDS } from './text.js';
