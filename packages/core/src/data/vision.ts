/**
 * MNIST-format image datasets from IDX files on disk (Node only: reached from the Node entry's
 * `fl.data`, never from the browser entry): Fashion-MNIST from the Debian package
 * `dataset-fashion-mnist` or `$FLINT_DATA`, and MNIST from any directory.
 */
import { ArgumentError, FormatError, IOError } from '../errors.js';
import { describe } from '../check/describe.js';
import { type IdxArray, type IdxOptions, parseIdx } from './idx.js';
import { type ImageSet, toImageSet } from './images.js';

/** Where the Debian package `dataset-fashion-mnist` installs its files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export interface ImageDatasetOptions extends IdxOptions {
  /** Directory holding the IDX files (raw or .gz). */
  dir?: string;
  /** Which files: train-* (60,000 images) or t10k-* (10,000). Default 'train'. */
  split?: 'train' | 'test';
  /** Device for the tensors (default: the default device). */
  device?: string;
}

function fileNames(split: 'train' | 'test', kind: 'images' | 'labels'): string[] {
  const prefix = split === 'train' ? 'train' : 't10k';
  const idx = kind === 'images' ? 'idx3' : 'idx1';
  const bases = [`${prefix}-${kind}-${idx}-ubyte`, `${prefix}-${kind}.${idx}-ubyte`];
  return bases.flatMap((b) => [b, `${b}.gz`]);
}

async function findFile(dirs: readonly string[], names: readonly string[]): Promise<string | null> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  for (const d of dirs)
    for (const n of names) {
      const p = path.join(d, n);
      const st = await fs.stat(p).catch(() => null);
      if (st?.isFile()) return p;
    }
  return null;
}

async function readIdx(file: string, opts: IdxOptions): Promise<IdxArray> {
  const fs = await import('node:fs/promises');
  const buf = await fs.readFile(file);
  try {
    return await parseIdx(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), opts);
  } catch (e) {
    // name the file in the message, keeping the error's class and stack
    if (e instanceof FormatError) e.message = `${file}: ${e.message}`;
    throw e;
  }
}

async function loadSet(
  dirs: readonly string[],
  opts: ImageDatasetOptions,
  missing: (split: string, dirs: readonly string[]) => string,
): Promise<ImageSet> {
  const split = opts.split ?? 'train';
  if (split !== 'train' && split !== 'test')
    throw new ArgumentError(`split must be 'train' or 'test', got ${describe(split)}`);
  const imagesFile = await findFile(dirs, fileNames(split, 'images'));
  const labelsFile = await findFile(dirs, fileNames(split, 'labels'));
  if (!imagesFile || !labelsFile) throw new IOError(missing(split, dirs), dirs[0], 'ENOENT');
  const [images, labels] = await Promise.all([
    readIdx(imagesFile, opts),
    readIdx(labelsFile, opts),
  ]);
  return toImageSet(images, labels, imagesFile, opts.device);
}

function lookedFor(split: string, dirs: readonly string[]): string {
  const [img, lbl] = [
    fileNames(split as 'train', 'images')[0],
    fileNames(split as 'train', 'labels')[0],
  ];
  return `looked for ${img}[.gz] and ${lbl}[.gz] in ${dirs.map((d) => JSON.stringify(d)).join(', ')}`;
}

/**
 * Fashion-MNIST (Zalando's 28×28 clothing images, 10 classes): images float32 [N, 1, 28, 28] in
 * [0, 1], labels int32 [N]. Looks in `dir`, else `$FLINT_DATA` (and its `fashion-mnist/`), else
 * where Debian's `dataset-fashion-mnist` package puts the files.
 * @example
 * const { images, labels } = await fl.data.fashionMnist({ split: 'test' }); // [10000, 1, 28, 28], [10000]
 */
export async function fashionMnist(opts: ImageDatasetOptions = {}): Promise<ImageSet> {
  const env = typeof process !== 'undefined' ? process.env.FLINT_DATA : undefined;
  const dirs =
    opts.dir !== undefined
      ? [opts.dir]
      : [...(env ? [env, `${env}/fashion-mnist`] : []), FASHION_MNIST_DIR];
  return loadSet(
    dirs,
    opts,
    (split, ds) =>
      `Fashion-MNIST ${split} files not found (${lookedFor(split, ds)}). Install the Debian package ` +
      `dataset-fashion-mnist (apt-get install dataset-fashion-mnist puts them in ${FASHION_MNIST_DIR}), ` +
      'set the FLINT_DATA environment variable to a directory holding the IDX files, or pass { dir }.',
  );
}

/**
 * MNIST (or any dataset in MNIST's file layout) from a directory of IDX files, raw or .gz:
 * images float32 [N, 1, H, W] in [0, 1], labels int32 [N].
 * @example
 * const { images, labels } = await fl.data.mnist({ dir: '/data/mnist', split: 'train' });
 */
export async function mnist(opts: ImageDatasetOptions & { dir: string }): Promise<ImageSet> {
  return loadSet(
    [opts.dir],
    opts,
    (split, ds) =>
      `MNIST ${split} files not found (${lookedFor(split, ds)}); pass the directory holding them as { dir }.`,
  );
}
