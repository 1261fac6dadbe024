/**
 * Map-style datasets (PyTorch's `torch.utils.data` vocabulary): `Dataset`, `TensorDataset`,
 * `Subset`, `randomSplit`, and the seeded permutations the loader shuffles with. Permutations come
 * from Threefry keyed by the seed, so they are reproducible and never touch the global generator.
 */
import { ShapeError, fmtShape } from '../errors.js';
import { threefry2x32 } from '../random.js';
import type { Tensor } from '../tensor.js';
import { tidy } from '../scope.js';
import { noGrad } from '../autograd/mode.js';
import { rand, tensor } from '../ops/creation.js';
import { checkArgs } from '../check/args.js';
import { DATA } from '../check/specs/data.js';
import { guardMethods } from '../check/args.js';
import { DATASET_METHODS } from '../check/specs/methods.js';

/**
 * A map-style dataset: `length` items, read by index. Subclasses may add `getBatch` to build a
 * whole batch at once, which `DataLoader` uses when no custom `collate` is given.
 * @example
 * class Squares extends fl.data.Dataset<[number, number]> {
 *   get length() { return 100; }
 *   get(i: number): [number, number] { return [i, i * i]; }
 * }
 */
export abstract class Dataset<T> implements Iterable<T> {
  constructor() {
    // A subclass without a constructor hands its arguments on to here, where nothing reads them.
    checkArgs(DATA.Dataset, [], arguments.length);
  }
  /** Number of items. */
  abstract get length(): number;
  /** The item at `index` (0 ≤ index < length). */
  abstract get(index: number): T;
  /** Optional fast path: the collated batch for these indices. */
  getBatch?(indices: readonly number[]): unknown;

  /** Iterate over the items in order. */
  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.length; i++) yield this.get(i);
  }
}

/** @internal Validate an item index. */
export function checkIndex(what: string, i: number, length: number): number {
  if (!Number.isInteger(i) || i < 0 || i >= length)
    throw new ShapeError(
      `${what}: index ${i} is out of range for a dataset of length ${length} (valid: 0 to ${length - 1})`,
    );
  return i;
}

/** @internal Seeds are non-negative safe integers, as for fl.manualSeed. */
export function checkSeed(what: string, seed: number): number {
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new ShapeError(`${what}: seed must be a non-negative safe integer, got ${seed}`);
  return seed;
}

/** @internal A 48-bit seed drawn from the global generator, so fl.manualSeed makes unseeded shuffles reproducible. */
export function drawSeed(): number {
  const [a, b] = noGrad(() => tidy(() => Array.from(rand([2]).dataSync())));
  return Math.floor(a! * 2 ** 24) * 2 ** 24 + Math.floor(b! * 2 ** 24);
}

/**
 * A uniformly random permutation of 0..n-1 (Fisher–Yates), a pure function of (seed, stream):
 * Threefry-2x32 keyed by the seed, counter (i, stream), 53 random bits per swap.
 * @example
 * fl.data.randomPermutation(5, 42); // the same 5 numbers on every machine
 */
export function randomPermutation(n: number, seed: number, stream = 0): number[] {
  checkSeed('randomPermutation', seed);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new ShapeError(`randomPermutation: n must be a non-negative integer, got ${n}`);
  const k0 = seed % 4294967296;
  const k1 = Math.floor(seed / 4294967296);
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const [w0, w1] = threefry2x32(k0, k1, i, stream);
    const u = (w0 * 2 ** 21 + (w1 >>> 11)) / 2 ** 53;
    const j = Math.floor(u * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

/** Whether indices are consecutive and ascending (a batch that is a plain slice). */
function isRange(idx: readonly number[]): boolean {
  for (let k = 1; k < idx.length; k++) if (idx[k] !== idx[0]! + k) return false;
  return idx.length > 0;
}

/**
 * Rows of equally long tensors: item i is `[t0[i], t1[i], …]` (views, no copy). The loader builds
 * batches with one `indexSelect` per tensor (a view for in-order batches), never per-row stacking.
 * The dataset borrows its tensors: dispose them yourself when done.
 * @example
 * const ds = new fl.data.TensorDataset(x, y); // x: [N, 4], y: [N]
 * const [xi, yi] = ds.get(0);                  // shapes [4] and []
 */
export class TensorDataset extends Dataset<Tensor[]> {
  /** The tensors whose rows are the items (borrowed, not owned). */
  readonly tensors: readonly Tensor[];

  constructor(...tensors: Tensor[]) {
    checkArgs(DATA.TensorDataset, tensors);
    super();
    if (tensors.length === 0) throw new ShapeError('TensorDataset: expected at least one tensor');
    const n = tensors[0]!.shape[0];
    if (tensors.some((t) => t.ndim === 0 || t.shape[0] !== n))
      throw new ShapeError(
        `TensorDataset: tensors must have the same size in dimension 0, got shapes ${tensors.map((t) => fmtShape(t.shape)).join(', ')}`,
      );
    this.tensors = tensors;
  }
  /** Number of rows (dim 0 of the tensors). */
  get length(): number {
    return this.tensors[0]!.shape[0]!;
  }
  /** Row `index` of every tensor, as views. */
  get(index: number): Tensor[] {
    checkIndex('TensorDataset.get', index, this.length);
    return this.tensors.map((t) => t.index(index));
  }
  override getBatch(indices: readonly number[]): Tensor[] {
    for (const i of indices) checkIndex('TensorDataset.getBatch', i, this.length);
    if (isRange(indices)) return this.tensors.map((t) => t.narrow(0, indices[0]!, indices.length));
    return tidy(() => {
      const idx = tensor(Int32Array.from(indices), { device: this.tensors[0]!.device });
      return this.tensors.map((t) =>
        t.device === idx.device ? t.indexSelect(0, idx) : t.indexSelect(0, indices),
      );
    });
  }
}

/**
 * The items of `dataset` at `indices`, in that order.
 * @example
 * const firstHundred = new fl.data.Subset(ds, [...Array(100).keys()]);
 */
export class Subset<T> extends Dataset<T> {
  constructor(
    /** The dataset the items come from. */
    readonly dataset: Dataset<T>,
    /** Indices into `dataset`, in the order of this subset. */
    readonly indices: readonly number[],
  ) {
    checkArgs(DATA.Subset, [dataset, indices], arguments.length);
    super();
    for (const i of indices) checkIndex('Subset', i, dataset.length);
    // Offer the batch fast path only when the underlying dataset has one.
    if (dataset.getBatch) {
      const batch = dataset.getBatch.bind(dataset);
      this.getBatch = (idx) =>
        batch(idx.map((i) => this.indices[checkIndex('Subset.getBatch', i, this.length)]!));
    }
  }
  /** Number of indices. */
  get length(): number {
    return this.indices.length;
  }
  /** Item `indices[index]` of the underlying dataset. */
  get(index: number): T {
    return this.dataset.get(this.indices[checkIndex('Subset.get', index, this.length)]!);
  }
}

/** Split sizes from lengths (summing to n) or fractions (summing to 1, remainders spread round-robin as PyTorch does). */
function splitSizes(n: number, lengths: readonly number[]): number[] {
  const sum = lengths.reduce((a, b) => a + b, 0);
  const fractions = lengths.every((f) => f >= 0 && f <= 1) && Math.abs(sum - 1) < 1e-9;
  if (fractions) {
    const sizes = lengths.map((f) => Math.floor(n * f));
    const rest = n - sizes.reduce((a, b) => a + b, 0);
    for (let k = 0; k < rest; k++) sizes[k % sizes.length]!++;
    return sizes;
  }
  if (lengths.some((l) => !Number.isInteger(l) || l < 0) || sum !== n)
    throw new ShapeError(
      `randomSplit: lengths ${fmtShape(lengths)} must be non-negative integers summing to the dataset length ${n}, or fractions summing to 1`,
    );
  return lengths.slice();
}

/**
 * Split a dataset into non-overlapping random subsets of the given lengths or fractions.
 * Without a seed the split is drawn from the global generator (reproducible under fl.manualSeed).
 * @example
 * const [train, val] = fl.data.randomSplit(ds, [0.8, 0.2], 42);
 */
export function randomSplit<T>(
  dataset: Dataset<T>,
  lengths: readonly number[],
  seed?: number,
): Subset<T>[] {
  const sizes = splitSizes(dataset.length, lengths);
  const perm = randomPermutation(
    dataset.length,
    seed === undefined ? drawSeed() : checkSeed('randomSplit', seed),
  );
  let start = 0;
  return sizes.map((s) => new Subset(dataset, perm.slice(start, (start += s))));
}

// Public methods check their arguments against their specs (check/specs/methods.ts) first.
guardMethods(TensorDataset, DATASET_METHODS.TensorDataset);
guardMethods(Subset, DATASET_METHODS.Subset);
