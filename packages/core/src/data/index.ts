/**
 * `fl.data`: datasets, the DataLoader, IDX/MNIST readers and character-level text data,
 * in PyTorch's `torch.utils.data` vocabulary.
 */
export { Dataset, TensorDataset, Subset, randomSplit, randomPermutation } from './dataset.js';
export { DataLoader, defaultCollate } from './loader.js';
export type { DataLoaderOptions, Collated } from './loader.js';
export {
  parseIdx,
  parseIdxSync,
  loadIdx,
  idxToTensor,
  scaleToUnit,
  gunzip,
  isGzip,
} from './idx.js';
export type { IdxArray, IdxDType, IdxData, IdxOptions } from './idx.js';
export { fashionMnist, mnist, FASHION_MNIST_DIR, FASHION_MNIST_CLASSES } from './vision.js';
export type { ImageDatasetOptions, ImageSet } from './vision.js';
export { CharDataset, loadWords, DICT_WORDS } from './text.js';
export type { CharDatasetOptions, WordListOptions } from './text.js';
