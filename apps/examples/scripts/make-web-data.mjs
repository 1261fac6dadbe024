/**
 * Build step of the browser training demo (apps/examples/web, the docs' "Train in the browser"
 * page): turns a Fashion-MNIST subset of the Debian data set (`dataset-fashion-mnist`, installed by
 * scripts/bootstrap.sh) into four small gzipped IDX files under web/data/, which the pages fetch
 * and decode with `fl.data.parseIdx`.
 *
 * The selection is deterministic and class-balanced: the first TRAIN_PER_CLASS images of each
 * class in the training file's order (the file is already shuffled) and the first TEST_PER_CLASS
 * of each class in the test file, kept in file order so classes stay interleaved.
 *
 * Run: node scripts/make-web-data.mjs   (part of `pnpm --filter @flint/examples build`; skipped
 * when the output is newer than the inputs). FLINT_DATA overrides the data directory as for the
 * Node examples.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as fl from '@flint/core';

export const TRAIN_PER_CLASS = 600;
export const TEST_PER_CLASS = 100;
const OUT = fileURLToPath(new URL('../web/data/', import.meta.url));
const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};

/** The first directory that holds all four files (raw or .gz), with each file's path. */
function findInputs() {
  const env = process.env.FLINT_DATA;
  const dirs = [...(env ? [env, join(env, 'fashion-mnist')] : []), fl.data.FASHION_MNIST_DIR];
  for (const dir of dirs) {
    const paths = Object.values(FILES).map((f) =>
      [join(dir, f), join(dir, `${f}.gz`)].find((p) => existsSync(p)),
    );
    if (paths.every(Boolean)) return paths;
  }
  throw new Error(
    `make-web-data: Fashion-MNIST not found in ${dirs.join(', ')}: install the Debian package ` +
      'dataset-fashion-mnist (`bash scripts/bootstrap.sh` as root does), or set FLINT_DATA',
  );
}

/** Indices of the first `perClass` rows of each of the 10 classes, in file order. */
function balanced(labels, perClass) {
  const taken = new Array(10).fill(0);
  const rows = [];
  for (let i = 0; i < labels.length && rows.length < perClass * 10; i++) {
    const c = labels[i];
    if (taken[c] < perClass) {
      taken[c]++;
      rows.push(i);
    }
  }
  if (rows.length < perClass * 10)
    throw new Error(`make-web-data: fewer than ${perClass} images of some class (${taken})`);
  return rows;
}

/** An IDX file of uint8 values: 0, 0, type 0x08, rank, then each dim as a big-endian u32. */
function idxBytes(shape, values) {
  const head = Buffer.alloc(4 + 4 * shape.length);
  head.writeUInt8(0x08, 2);
  head.writeUInt8(shape.length, 3);
  shape.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(values.buffer, values.byteOffset, values.byteLength)]);
}

function pick(images, labels, rows) {
  const px = images.shape[1] * images.shape[2];
  const x = new Uint8Array(rows.length * px);
  const y = new Uint8Array(rows.length);
  rows.forEach((r, i) => {
    x.set(images.data.subarray(r * px, (r + 1) * px), i * px);
    y[i] = labels.data[r];
  });
  return {
    images: idxBytes([rows.length, images.shape[1], images.shape[2]], x),
    labels: idxBytes([rows.length], y),
  };
}

/** Write through a temporary file and rename, so a failed run never leaves a half-written asset. */
function writeAtomic(path, bytes) {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, gzipSync(bytes, { level: 9 }));
  renameSync(tmp, path);
}

const outName = (f) => join(OUT, `${f}.gz`);

function upToDate(inputs) {
  const script = statSync(fileURLToPath(import.meta.url)).mtimeMs;
  const newest = Math.max(script, ...inputs.map((p) => statSync(p).mtimeMs));
  return Object.values(FILES).every(
    (f) => existsSync(outName(f)) && statSync(outName(f)).mtimeMs >= newest,
  );
}

async function main() {
  const inputs = findInputs();
  if (upToDate(inputs)) return;
  const [trainX, trainY, testX, testY] = await Promise.all(
    inputs.map(async (p) => fl.data.parseIdx(readFileSync(p))),
  );
  const train = pick(trainX, trainY, balanced(trainY.data, TRAIN_PER_CLASS));
  const test = pick(testX, testY, balanced(testY.data, TEST_PER_CLASS));
  mkdirSync(dirname(outName(FILES.trainImages)), { recursive: true });
  writeAtomic(outName(FILES.trainImages), train.images);
  writeAtomic(outName(FILES.trainLabels), train.labels);
  writeAtomic(outName(FILES.testImages), test.images);
  writeAtomic(outName(FILES.testLabels), test.labels);
  console.log(
    `make-web-data: ${TRAIN_PER_CLASS * 10} training and ${TEST_PER_CLASS * 10} test images → ${OUT}`,
  );
}

try {
  await main();
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
}
