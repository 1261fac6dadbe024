/**
 * `fl.data`: datasets, the DataLoader, IDX readers and character-level text data, in PyTorch's
 * `torch.utils.data` vocabulary. Everything here works on bytes and in-memory values, in every
 * runtime; the Node entry's `fl.data` adds the file and folder loaders of node.ts.
 */
export { Dataset, TensorDataset, Subset, randomSplit, randomPermutation } from './dataset.js';
export { DataLoader, defaultCollate } from './loader.js';
export type { DataLoaderOptions, Collated } from './loader.js';
export { parseIdx, parseIdxSync, idxToTensor, scaleToUnit, gunzip, isGzip } from './idx.js';
export type { IdxArray, IdxDType, IdxData, IdxOptions } from './idx.js';
export { FASHION_MNIST_CLASSES } from './images.js';
export type { ImageSet } from './images.js';
export { CharDataset } from './text.js';
export type { CharDatasetOptions, WordListOptions } from './text.js';
