/**
 * Data sets of the examples, from Debian packages that scripts/bootstrap.sh installs:
 * Fashion-MNIST (`dataset-fashion-mnist`) and the English word list (`wamerican`). Missing files
 * become a MissingDataError that says how to install them.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as fl from '@flint/core';
import { MissingDataError } from './cli.js';

const install = (pkg: string) =>
  `install the Debian package ${pkg}: \`bash scripts/bootstrap.sh\` does it when run as root (or: apt-get install ${pkg})`;

/** Directories fl.data.fashionMnist searches, in its order. */
function fashionDirs(): string[] {
  const env = process.env.FLINT_DATA;
  return [...(env ? [env, join(env, 'fashion-mnist')] : []), fl.data.FASHION_MNIST_DIR];
}

/** Whether Fashion-MNIST's files are present, without reading them. */
export function hasFashionMnist(): boolean {
  return fashionDirs().some((d) => {
    try {
      const files = readdirSync(d);
      return ['train-images', 'train-labels', 't10k-images', 't10k-labels'].every((p) =>
        files.some((f) => f.startsWith(p)),
      );
    } catch {
      return false;
    }
  });
}

/** Whether the word list is present. */
export function hasWordList(): boolean {
  return existsSync(fl.data.DICT_WORDS);
}

export function missingFashionMessage(): string {
  return `Fashion-MNIST not found in ${fashionDirs().join(', ')}: ${install('dataset-fashion-mnist')}, or set FLINT_DATA to a directory holding its IDX files`;
}
export function missingWordsMessage(): string {
  return `${fl.data.DICT_WORDS} not found: ${install('wamerican')}`;
}

export interface Split {
  /** float32 [N, 1, 28, 28] in [0, 1]. */
  x: fl.Tensor;
  /** int32 [N]. */
  y: fl.Tensor;
}

/** The first `limit` rows as standalone tensors, freeing the rest. */
function head(set: fl.data.ImageSet, limit: number | undefined): Split {
  const n = set.images.shape[0]!;
  if (limit === undefined || limit >= n) return { x: set.images, y: set.labels };
  const x = fl.keep(fl.tidy(() => set.images.narrow(0, 0, limit).clone()));
  const y = fl.keep(fl.tidy(() => set.labels.narrow(0, 0, limit).clone()));
  set.images.dispose();
  set.labels.dispose();
  return { x, y };
}

/**
 * Fashion-MNIST's train and test splits, optionally only their first `trainLimit` / `testLimit`
 * images (the files are already shuffled, so a prefix is a fair sample of all ten classes).
 */
export async function loadFashionMnist(
  opts: { trainLimit?: number; testLimit?: number } = {},
): Promise<{ train: Split; test: Split }> {
  if (!hasFashionMnist()) throw new MissingDataError(missingFashionMessage());
  const [train, test] = await Promise.all([
    fl.data.fashionMnist({ split: 'train' }),
    fl.data.fashionMnist({ split: 'test' }),
  ]);
  return { train: head(train, opts.trainLimit), test: head(test, opts.testLimit) };
}

/** Lowercase ASCII words from /usr/share/dict/words (no names, no possessives). */
export async function loadWordList(maxWords?: number): Promise<string[]> {
  if (!hasWordList()) throw new MissingDataError(missingWordsMessage());
  return fl.data.loadWords({ maxWords });
}

export interface ExampleData {
  train: Split;
  test: Split;
  /** Seconds spent reading the files (0 for preloaded data). */
  loadSeconds: number;
  /** Free what this call allocated (views of preloaded data; everything it loaded itself). */
  release(): void;
}

const prefix = (s: Split, n: number | undefined): Split =>
  n === undefined || n >= s.x.shape[0]! ? s : { x: s.x.narrow(0, 0, n), y: s.y.narrow(0, 0, n) };

/**
 * The data of an example run: its first `limit` training and `testLimit` test images, taken from
 * `preloaded` (tests load the files once) or read from disk.
 */
export async function exampleData(opts: {
  data?: { train: Split; test: Split };
  limit?: number;
  testLimit?: number;
}): Promise<ExampleData> {
  if (opts.data) {
    const train = prefix(opts.data.train, opts.limit);
    const test = prefix(opts.data.test, opts.testLimit);
    const views = [train, test].filter((s, i) => s !== [opts.data!.train, opts.data!.test][i]);
    return {
      train,
      test,
      loadSeconds: 0,
      release: () => views.forEach((s) => [s.x, s.y].forEach((t) => t.dispose())),
    };
  }
  const t0 = performance.now();
  const { train, test } = await loadFashionMnist({
    trainLimit: opts.limit,
    testLimit: opts.testLimit,
  });
  const all = [train.x, train.y, test.x, test.y];
  return {
    train,
    test,
    loadSeconds: (performance.now() - t0) / 1000,
    release: () => all.forEach((t) => t.dispose()),
  };
}
