/**
 * The data side of `Model.fit`/`evaluate`: batches from tensors or an iterable, the validation
 * split, and the running mean of the logs.
 */
import type { Tensor } from '../tensor.js';
import { ShapeError, fmtShape } from '../errors.js';
import { DataLoader } from '../data/loader.js';
import { TensorDataset } from '../data/dataset.js';
import type { Logs } from './callbacks.js';
import type { Batches, FitOptions } from './model.js';

export function pair(batch: readonly Tensor[]): [Tensor, Tensor] {
  if (batch.length !== 2)
    throw new ShapeError(`fit: each batch must be [input, target], got ${batch.length} tensors`);
  return [batch[0]!, batch[1]!];
}

/** A DataLoader's batches are fresh tensors owned by whoever iterates it: free them after use. */
export function releaseBatch(data: Batches, x: Tensor, y: Tensor): void {
  if (data instanceof DataLoader) {
    x.dispose();
    y.dispose();
  }
}

export class Accumulator {
  count = 0;
  private sums: Logs = {};
  add(logs: Logs, n: number): void {
    this.count += n;
    for (const [k, v] of Object.entries(logs)) this.sums[k] = (this.sums[k] ?? 0) + v * n;
  }
  mean(): Logs {
    return Object.fromEntries(
      Object.entries(this.sums).map(([k, v]) => [k, v / Math.max(1, this.count)]),
    );
  }
}

export function isTensorLike(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && (x as { _isTensor?: boolean })._isTensor === true;
}

export function batchCount(data: Batches): number {
  const n = (data as { length?: number }).length;
  return typeof n === 'number' ? n : 0;
}

/** Batches over tensors that dispose each batch after the step that used it. */
export function toBatches(
  x: Tensor | Batches | readonly [Tensor, Tensor],
  y: Tensor | undefined,
  batchSize: number,
  shuffle = false,
  seed?: number,
): Batches {
  if (Array.isArray(x) && x.length === 2 && isTensorLike(x[0]))
    return toBatches(x[0], x[1] as Tensor, batchSize);
  if (!isTensorLike(x)) return x as Batches;
  if (!y) throw new ShapeError('fit: targets y are required when x is a tensor');
  if (x.shape[0] !== y.shape[0])
    throw new ShapeError(
      `fit: x ${fmtShape(x.shape)} and y ${fmtShape(y.shape)} have different numbers of samples`,
    );
  return disposing(new DataLoader(new TensorDataset(x, y), { batchSize, shuffle, seed }));
}

function disposing(loader: DataLoader<Tensor[], Tensor[]>): Batches {
  return {
    get length() {
      return loader.length;
    },
    *[Symbol.iterator]() {
      for (const batch of loader) {
        try {
          yield [batch[0]!, batch[1]!] as const;
        } finally {
          for (const t of batch) t.dispose();
        }
      }
    },
  } as Batches;
}

interface Split {
  train: Batches;
  val?: Batches | readonly [Tensor, Tensor];
  /** Views made here, disposed when fit ends. */
  owned: Tensor[];
}

export function splitData(x: Tensor | Batches, y: Tensor | undefined, opts: FitOptions): Split {
  const bs = opts.batchSize ?? 32;
  if (opts.validationSplit && isTensorLike(x) && y) {
    const f = opts.validationSplit;
    if (!(f > 0 && f < 1)) throw new ShapeError(`fit: validationSplit must be in (0, 1), got ${f}`);
    const n = x.shape[0]!;
    const nTrain = Math.floor(n * (1 - f));
    const val: [Tensor, Tensor] = [
      x.narrow(0, nTrain, n - nTrain),
      y.narrow(0, nTrain, n - nTrain),
    ];
    const tx = x.narrow(0, 0, nTrain);
    const ty = y.narrow(0, 0, nTrain);
    return {
      train: toBatches(tx, ty, bs, opts.shuffle ?? true, opts.seed),
      val,
      owned: [...val, tx, ty],
    };
  }
  return {
    train: toBatches(x, y, bs, opts.shuffle ?? true, opts.seed),
    val: opts.validationData as Batches | undefined,
    owned: [],
  };
}
