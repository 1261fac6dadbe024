/** `DataLoader`: batches of a dataset, optionally shuffled by a seeded permutation, and the default collate. */
import { ShapeError } from '../errors.js';
import { type Tensor, isTensor } from '../tensor.js';
import { created, tidy } from '../scope.js';
import { tensor } from '../ops/creation.js';
import { stack } from '../ops/shape.js';
import { type Dataset, checkSeed, drawSeed, randomPermutation } from './dataset.js';
import { checkArgs } from '../check/args.js';
import { DATA } from '../check/specs/data.js';
import { guardMethods } from '../check/args.js';
import { DATASET_METHODS } from '../check/specs/methods.js';

/** What the default collate makes of a batch of `T`: tensors and numbers stack into tensors, containers recurse. */
export type Collated<T> = T extends Tensor | number | boolean
  ? Tensor
  : T extends readonly unknown[]
    ? { -readonly [K in keyof T]: Collated<T[K]> }
    : T extends Record<string, unknown>
      ? { -readonly [K in keyof T]: Collated<T[K]> }
      : T[];

/** Options of `DataLoader` (torch's keyword arguments, camelCase). */
export interface DataLoaderOptions<T, B> {
  /** Items per batch (default 1). */
  batchSize?: number;
  /** Visit items in a new random order each epoch (default false). */
  shuffle?: boolean;
  /**
   * Seed of the shuffle: epoch e uses permutation (seed, e), independent of the global generator.
   * Without it each epoch draws a seed from the global generator (reproducible under fl.manualSeed).
   */
  seed?: number;
  /** Drop the last batch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Turn a list of items into a batch (default: `defaultCollate`, or the dataset's `getBatch`). */
  collate?: (items: T[]) => B;
}

function collateAny(items: readonly unknown[]): unknown {
  const first = items[0];
  if (isTensor(first)) {
    if (!items.every(isTensor))
      throw new ShapeError('collate: a batch mixes tensors and non-tensors');
    return stack(items as Tensor[]);
  }
  if (typeof first === 'number') {
    if (!items.every((v) => typeof v === 'number'))
      throw new ShapeError('collate: a batch mixes numbers and other values');
    const nums = items as number[];
    return tensor(nums, { dtype: nums.every(Number.isInteger) ? 'int32' : 'float32' });
  }
  if (typeof first === 'boolean') return tensor(items as boolean[]);
  if (Array.isArray(first)) {
    if (!items.every((v) => Array.isArray(v) && v.length === first.length))
      throw new ShapeError(`collate: every item must be an array of length ${first.length}`);
    return first.map((_, j) => collateAny(items.map((v) => (v as unknown[])[j])));
  }
  if (
    first !== null &&
    typeof first === 'object' &&
    Object.getPrototypeOf(first) === Object.prototype
  ) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(first))
      out[k] = collateAny(items.map((v) => (v as Record<string, unknown>)[k]));
    return out;
  }
  return items.slice();
}

/**
 * PyTorch's default_collate for Flint: tensors are stacked along a new first dim, numbers become an
 * int32 (all integers) or float32 tensor, booleans a bool tensor; arrays and plain objects are
 * collated field by field; anything else (strings…) is returned as a list.
 * @example
 * fl.data.defaultCollate([[fl.ones([2]), 0], [fl.zeros([2]), 1]]); // [Tensor [2, 2], Tensor [2] int32]
 */
export function defaultCollate<T>(items: readonly T[]): Collated<T> {
  if (items.length === 0) throw new ShapeError('collate: cannot collate an empty batch');
  // Inside tidy so a failure halfway (say, the second field) frees the fields already stacked.
  return tidy(() => collateAny(items)) as Collated<T>;
}

/**
 * Iterates over a dataset in batches. For a `TensorDataset` (or a `Subset` of one) each batch is one
 * `indexSelect` per tensor. The loader frees each batch when the next one is drawn (see the
 * iterator): `fl.keep` a batch tensor to keep it longer.
 * @example
 * const loader = new fl.data.DataLoader(new fl.data.TensorDataset(x, y), { batchSize: 32, shuffle: true, seed: 0 });
 * for (const [xb, yb] of loader) fl.tidy(() => trainStep(xb, yb));
 */
export class DataLoader<T, B = Collated<T>> implements Iterable<B> {
  /** Items per batch. */
  readonly batchSize: number;
  /** Whether each epoch visits the items in a new random order. */
  readonly shuffle: boolean;
  /** Whether a last batch smaller than `batchSize` is dropped. */
  readonly dropLast: boolean;
  /** Seed of the shuffling order, if given. */
  readonly seed: number | undefined;
  private readonly collate: ((items: T[]) => B) | undefined;
  private epoch = 0;

  constructor(
    /** The dataset batched. */
    readonly dataset: Dataset<T>,
    opts: DataLoaderOptions<T, B> = {},
  ) {
    checkArgs(DATA.DataLoader, [dataset, opts], arguments.length);
    const { batchSize = 1, shuffle = false, dropLast = false, seed, collate } = opts;
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new ShapeError(`DataLoader: batchSize must be a positive integer, got ${batchSize}`);
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.seed = seed === undefined ? undefined : checkSeed('DataLoader', seed);
    this.collate = collate;
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The index lists of the next epoch (advances the epoch, as iterating does). */
  nextEpochIndices(): number[][] {
    const n = this.dataset.length;
    const epoch = this.epoch++;
    let order: number[];
    if (!this.shuffle) order = Array.from({ length: n }, (_, i) => i);
    else if (this.seed !== undefined) order = randomPermutation(n, this.seed, epoch);
    else order = randomPermutation(n, drawSeed());
    const batches: number[][] = [];
    for (let s = 0; s < n; s += this.batchSize) {
      const b = order.slice(s, s + this.batchSize);
      if (b.length < this.batchSize && this.dropLast) break;
      batches.push(b);
    }
    return batches;
  }

  private batch(indices: number[]): B {
    if (this.collate) return this.collate(indices.map((i) => this.dataset.get(i)));
    if (this.dataset.getBatch) return this.dataset.getBatch(indices) as B;
    // Items made by get() (row views, say) are freed once stacked.
    return tidy(() => defaultCollate(indices.map((i) => this.dataset.get(i)))) as B;
  }

  /**
   * Yields the batches of one epoch. The loader owns the tensors it makes for a batch and frees
   * them when the next batch is drawn, and the last one when the loop ends (or breaks), so the
   * guide's `for (const [xb, yb] of loader) fl.tidy(...)` loop stays flat. To keep a batch past
   * that, `fl.keep(t)` it (it is then yours to dispose) or take a `clone()`. Tensors a custom
   * collate or `getBatch` passes on without making them (a dataset's own) are never freed.
   */
  *[Symbol.iterator](): Iterator<B> {
    let owned: Tensor[] = [];
    try {
      for (const indices of this.nextEpochIndices()) {
        release(owned);
        owned = [];
        const [batch, made] = created(() => this.batch(indices));
        owned = tensorsIn(batch, made);
        yield batch;
      }
    } finally {
      release(owned);
    }
  }
}

/** Free the batch tensors the caller has not kept (fl.keep) or freed already. */
function release(ts: readonly Tensor[]): void {
  for (const t of ts) if (!t._kept) t.dispose();
}

/** The tensors of `made` that `batch` holds (in arrays and plain objects, a few levels deep). */
function tensorsIn(batch: unknown, made: ReadonlySet<Tensor>): Tensor[] {
  const out: Tensor[] = [];
  const visit = (v: unknown, depth: number): void => {
    if (isTensor(v)) {
      if (made.has(v) && !out.includes(v)) out.push(v);
    } else if (Array.isArray(v) && depth < 8) for (const x of v) visit(x, depth + 1);
    else if (typeof v === 'object' && v !== null && depth < 8) {
      const proto: unknown = Object.getPrototypeOf(v);
      if (proto === Object.prototype || proto === null)
        for (const x of Object.values(v)) visit(x, depth + 1);
    }
  };
  visit(batch, 0);
  return out;
}

// Public methods check their arguments against their specs (check/specs/methods.ts) first.
guardMethods(DataLoader, DATASET_METHODS.DataLoader);
