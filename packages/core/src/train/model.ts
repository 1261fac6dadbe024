/**
 * Keras-style training for any Module: `compile({ optimizer, loss, metrics })`, then `fit`,
 * `evaluate`, `predict`. `nn.Sequential` exposes the same methods; `new Model(module)` wraps
 * anything else. Each step runs in a `tidy`, so training leaks nothing.
 */
import type { Tensor } from '../tensor.js';
import { FlintError } from '../errors.js';
import { tidy } from '../scope.js';
import { noGrad } from '../autograd/mode.js';
import { cat } from '../ops/shape.js';
import type { Module } from '../nn/module.js';
import { Optimizer } from '../optim/optimizer.js';
import { crossEntropy, nllLoss } from '../nn/losses/classification.js';
import { l1Loss, mseLoss } from '../nn/losses/regression.js';
import { binaryCrossEntropy, binaryCrossEntropyWithLogits } from '../nn/losses/binary.js';
import type { Callback, Logs, TrainingContext } from './callbacks.js';
import { createProgress } from './progress.js';
import {
  Accumulator,
  batchCount,
  isTensorLike,
  pair,
  releaseBatch,
  splitData,
  toBatches,
} from './batches.js';
import { type OptimizerName, optimizerByName } from './optimizers.js';
import { type SampleInput, type SummaryOptions, summarize } from './summary.js';
import { loadModel, saveModel } from './archive.js';
import type { Sequential } from '../nn/containers.js';
import { checkArgs, guardMethods, guardStatics } from '../check/args.js';
import { MODEL_STATICS, TRAIN, modelMethods } from '../check/specs/train.js';
import { moduleName } from '../nn/names.js';

/** A loss as a function of the predictions and the targets, returning a scalar tensor. */
export type LossFn = (pred: Tensor, target: Tensor) => Tensor;
export type LossName = 'crossEntropy' | 'nll' | 'mse' | 'l1' | 'bce' | 'bceWithLogits';
/** A metric returns the batch mean; epochs average it weighted by batch size. */
export type MetricFn = (pred: Tensor, target: Tensor) => number;

/** Options of `Model.compile` and `Sequential.compile`. */
export interface CompileOptions {
  /**
   * An optimizer, a function from the parameters to one, or a Keras name (`'sgd'` with lr 0.01;
   * `'adam'`, `'adamw'`, `'rmsprop'`, `'adagrad'` with lr 0.001).
   */
  optimizer:
    Optimizer<object, object> | ((params: Tensor[]) => Optimizer<object, object>) | OptimizerName;
  /**
   * A loss name (`'crossEntropy'`, `'nll'`, `'mse'`, `'l1'`, `'bce'`, `'bceWithLogits'`), a
   * function, or a loss module.
   */
  loss: LossName | LossFn | Module;
  /**
   * Metrics logged each epoch: `'accuracy'` or functions returning a batch mean (named by the
   * function's name).
   */
  metrics?: readonly ('accuracy' | MetricFn)[];
}

/** Batches of [input, target] (a DataLoader over a TensorDataset yields exactly these). */
export type Batches = Iterable<readonly Tensor[]>;

/** Options of `fit` (Keras's, camelCase). */
export interface FitOptions {
  /** Number of passes over the data (default 1). */
  epochs?: number;
  /** Batch size when fitting tensors (default 32). */
  batchSize?: number;
  /** Shuffle the samples each epoch when fitting tensors (default true). */
  shuffle?: boolean;
  /** Seed of the shuffling order (reproducible runs). */
  seed?: number;
  /** Hold out the last fraction of (x, y) for validation, as Keras does. */
  validationSplit?: number;
  /**
   * Validation set evaluated after each epoch: `[x, y]` or batches; its results are logged as
   * `valLoss`, `valAccuracy`…
   */
  validationData?: readonly [Tensor, Tensor] | Batches;
  /** Hooks called during training (e.g. `EarlyStopping`, `ModelCheckpoint`). */
  callbacks?: readonly Callback[];
  /** 1 or 'auto': a progress bar per epoch on a TTY; 0: silent. */
  verbose?: 0 | 1 | 'auto';
}

/** What `fit` returns: the epochs run and each logged value per epoch, as Keras's History. */
export interface History {
  /** The epochs run (0-based). */
  epoch: number[];
  /** Each log entry (`loss`, metrics, `valLoss`…) per epoch. */
  history: Record<string, number[]>;
}

const LOSSES: Record<LossName, LossFn> = {
  crossEntropy: (p, t) => crossEntropy(p, t),
  nll: (p, t) => nllLoss(p, t),
  mse: (p, t) => mseLoss(p, t),
  l1: (p, t) => l1Loss(p, t),
  bce: (p, t) => binaryCrossEntropy(p, t),
  bceWithLogits: (p, t) => binaryCrossEntropyWithLogits(p, t),
};

function lossFn(loss: CompileOptions['loss']): LossFn {
  if (typeof loss === 'string') {
    const f = LOSSES[loss];
    if (!f)
      throw new FlintError(
        `compile: unknown loss '${loss}' (valid: ${Object.keys(LOSSES).join(', ')})`,
      );
    return f;
  }
  if (typeof loss === 'function') return loss;
  return (p, t) => loss.forward(p, t) as Tensor;
}

/** Class accuracy for logits [N, C] (argmax) or a single probability/logit column (threshold). */
function accuracyMetric(logitThreshold: number): MetricFn {
  return (pred, target) =>
    tidy(() => {
      const cls =
        pred.ndim > 1 && pred.shape[pred.ndim - 1]! > 1
          ? pred.argmax(-1)
          : pred.reshape(target.shape).gt(logitThreshold);
      return cls.eq(target.reshape(cls.shape).to(cls.dtype)).double().mean().item();
    });
}

interface Compiled {
  optimizer: Optimizer<object, object>;
  loss: LossFn;
  metrics: [string, MetricFn][];
}

/** Keras-style training for any Module: `compile`, then `fit`, `evaluate` and `predict`. */
export class Model {
  private compiled: Compiled | null = null;
  /** One sample's shape and dtype of the last batch seen, for summary(). */
  private lastInput: SampleInput | null = null;
  /**
   * @param module - The module trained and evaluated; `forward` maps a batch's input to
   * predictions.
   */
  constructor(readonly module: Module) {
    checkArgs(TRAIN.Model, [module], arguments.length);
  }

  /** Set the optimizer, loss and metrics used by `fit` and `evaluate`. Returns `this`. */
  compile(opts: CompileOptions): this {
    const o = opts.optimizer;
    const optimizer =
      o instanceof Optimizer
        ? o
        : typeof o === 'string'
          ? optimizerByName(o, this.module.parameters())
          : o(this.module.parameters());
    const threshold = opts.loss === 'bce' ? 0.5 : 0;
    const metrics = (opts.metrics ?? []).map((m, i): [string, MetricFn] =>
      m === 'accuracy' ? ['accuracy', accuracyMetric(threshold)] : [m.name || `metric${i}`, m],
    );
    this.compiled = { optimizer, loss: lossFn(opts.loss), metrics };
    return this;
  }

  /**
   * Print (and return) the layers, their output shapes and parameter counts, as Keras does.
   * Output shapes come from one forward pass on `inputShape` (one sample, without the batch
   * dim), or from the last batch seen by fit/evaluate/predict; before either they show '?'.
   * @example
   * model.summary({ inputShape: [784] });
   */
  summary(opts: SummaryOptions = {}): string {
    const input = opts.inputShape
      ? { shape: opts.inputShape, dtype: opts.dtype ?? 'float32' }
      : this.lastInput;
    return summarize(moduleName(this.module), this.module, input, opts.printFn);
  }

  /**
   * Save the architecture and the weights to one safetensors file (an `nn.Sequential` of
   * built-in layers); `fl.Model.load(path)` rebuilds it. The optimizer is not saved.
   * @example
   * await model.save('mlp.safetensors');
   */
  async save(path: string | URL): Promise<void> {
    return this._save('Model.save', path);
  }

  /** @internal `save` under the name it was called by (Sequential.save). */
  _save(op: string, path: string | URL): Promise<void> {
    return saveModel(op, this.module, path);
  }

  /**
   * Rebuild an `nn.Sequential` saved by `model.save(path)`, with its weights. Call `compile`
   * on it before `fit`.
   * @example
   * const model = await fl.Model.load('mlp.safetensors');
   */
  static async load(path: string | URL): Promise<Sequential> {
    return loadModel(path);
  }

  /**
   * Free the module's parameters and buffers and the compiled optimizer's state (as
   * `fl.dispose(model)`). The model cannot be used afterwards.
   * @example
   * model.dispose();
   */
  dispose(): void {
    this._disposeOptimizer();
    this.module.dispose();
  }

  /** @internal Free the compiled optimizer's state (Sequential.dispose). */
  _disposeOptimizer(): void {
    this.compiled?.optimizer.dispose();
  }

  /** @internal Remember one sample's shape and dtype of a batch (summary). */
  _saw(x: Tensor): void {
    this.lastInput = { shape: x.shape.slice(1), dtype: x.dtype };
  }

  private need(op: string): Compiled {
    if (!this.compiled) throw new FlintError(`${op}: call compile({ optimizer, loss }) first`);
    return this.compiled;
  }

  /**
   * Train for `epochs` over tensors (x, y) or an iterable of batches (e.g. a DataLoader).
   * @example
   * const history = await model.fit(x, y, { epochs: 5, batchSize: 32, validationSplit: 0.1 });
   */
  async fit(x: Tensor | Batches, y?: Tensor | FitOptions, options?: FitOptions): Promise<History> {
    this.need('fit'); // fail before touching the data
    const opts = (isTensorLike(x) ? options : (y as FitOptions | undefined)) ?? {};
    const { train, val, owned } = splitData(x, isTensorLike(x) ? (y as Tensor) : undefined, opts);
    try {
      return await this.fitLoop(train, val, opts);
    } finally {
      for (const t of owned) t.dispose();
    }
  }

  private async fitLoop(
    train: Batches,
    val: Batches | readonly [Tensor, Tensor] | undefined,
    opts: FitOptions,
  ): Promise<History> {
    const c = this.need('fit');
    const ctx: TrainingContext = { module: this.module, stopTraining: false };
    const callbacks = opts.callbacks ?? [];
    const history: History = { epoch: [], history: {} };
    const progress = await createProgress(opts.verbose ?? 'auto');
    for (const cb of callbacks) await cb.onTrainBegin?.(ctx);
    for (let epoch = 0; epoch < (opts.epochs ?? 1) && !ctx.stopTraining; epoch++) {
      for (const cb of callbacks) await cb.onEpochBegin?.(epoch, ctx);
      const logs = await this.trainEpoch(c, train, epoch, opts, progress, callbacks, ctx);
      if (val)
        for (const [k, v] of Object.entries(this.evaluate(val)))
          logs[`val${k[0]!.toUpperCase()}${k.slice(1)}`] = v;
      history.epoch.push(epoch);
      for (const [k, v] of Object.entries(logs)) (history.history[k] ??= []).push(v);
      for (const cb of callbacks) await cb.onEpochEnd?.(epoch, logs, ctx);
    }
    for (const cb of callbacks) await cb.onTrainEnd?.(ctx);
    return history;
  }

  private async trainEpoch(
    c: Compiled,
    data: Batches,
    epoch: number,
    opts: FitOptions,
    progress: Awaited<ReturnType<typeof createProgress>>,
    callbacks: readonly Callback[],
    ctx: TrainingContext,
  ): Promise<Logs> {
    this.module.train();
    const acc = new Accumulator();
    const total = batchCount(data);
    progress.start(epoch, opts.epochs ?? 1, total);
    const t0 = performance.now();
    let b = 0;
    for (const batch of data) {
      const [xb, yb] = pair(batch);
      this._saw(xb);
      const logs = tidy(() => {
        c.optimizer.zeroGrad();
        const pred = this.module.forward(xb) as Tensor;
        const loss = c.loss(pred, yb);
        loss.backward();
        c.optimizer.step();
        return this.batchLogs(
          c,
          loss,
          noGrad(() => pred.detach()),
          yb,
        );
      });
      acc.add(logs, xb.shape[0] ?? 1);
      releaseBatch(data, xb, yb);
      for (const cb of callbacks) await cb.onBatchEnd?.(b, logs, ctx);
      progress.update(++b, acc.mean(), acc.count / ((performance.now() - t0) / 1000));
    }
    progress.stop(acc.mean());
    return acc.mean();
  }

  private batchLogs(c: Compiled, loss: Tensor, pred: Tensor, target: Tensor): Logs {
    const logs: Logs = { loss: loss.item() };
    for (const [name, m] of c.metrics) logs[name] = m(pred, target);
    return logs;
  }

  /** Mean loss and metrics over (x, y) or batches, in eval mode without gradients. */
  evaluate(
    x: Tensor | Batches | readonly [Tensor, Tensor],
    y?: Tensor,
    opts: { batchSize?: number } = {},
  ): Logs {
    const c = this.need('evaluate');
    const data = toBatches(x, y, opts.batchSize ?? 32);
    this.module.eval();
    const acc = new Accumulator();
    noGrad(() => {
      for (const batch of data) {
        const [xb, yb] = pair(batch);
        this._saw(xb);
        acc.add(
          tidy(() => {
            const pred = this.module.forward(xb) as Tensor;
            return this.batchLogs(c, c.loss(pred, yb), pred, yb);
          }),
          xb.shape[0] ?? 1,
        );
        releaseBatch(data, xb, yb);
      }
    });
    return acc.mean();
  }

  /** Outputs for `x` in eval mode, computed in batches and concatenated. */
  predict(x: Tensor, opts: { batchSize?: number } = {}): Tensor {
    this.module.eval();
    this._saw(x);
    const bs = opts.batchSize ?? 256;
    return noGrad(() =>
      tidy(() => {
        const outs: Tensor[] = [];
        for (let s = 0; s < x.shape[0]!; s += bs)
          outs.push(this.module.forward(x.narrow(0, s, Math.min(bs, x.shape[0]! - s))) as Tensor);
        return outs.length === 1 ? outs[0]! : cat(outs, 0);
      }),
    );
  }
}

// Every public method checks its arguments against its spec (check/specs/train.ts) first.
guardMethods(Model, modelMethods('Model'));
guardStatics(Model, MODEL_STATICS);
