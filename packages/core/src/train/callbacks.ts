/** Callbacks for `fit`: hooks at epoch and batch boundaries, early stopping and checkpoints. */
import type { Tensor } from '../tensor.js';
import { ShapeError } from '../errors.js';
import { save } from '../io/sources.js';
import { noGrad } from '../autograd/mode.js';
import { keep } from '../scope.js';
import type { Module } from '../nn/module.js';
import { checkArgs } from '../check/args.js';
import { TRAIN } from '../check/specs/train.js';

/** Per-epoch numbers: `loss`, each metric, and `valLoss`/`valAccuracy`… when validating. */
export type Logs = Record<string, number>;

export interface TrainingContext {
  readonly module: Module;
  /** Set to true to stop after the current epoch. */
  stopTraining: boolean;
}

/**
 * Hooks `fit` calls during training (Keras-style); implement any subset. Async hooks are awaited.
 */
export interface Callback {
  /** Called once before the first epoch. */
  onTrainBegin?(ctx: TrainingContext): void | Promise<void>;
  /** Called at the start of each epoch (0-based). */
  onEpochBegin?(epoch: number, ctx: TrainingContext): void | Promise<void>;
  /** Called after each training batch (0-based within the epoch) with that batch's logs. */
  onBatchEnd?(batch: number, logs: Logs, ctx: TrainingContext): void | Promise<void>;
  /**
   * Called after each epoch (and its validation) with the epoch's logs; set `ctx.stopTraining` to
   * stop.
   */
  onEpochEnd?(epoch: number, logs: Logs, ctx: TrainingContext): void | Promise<void>;
  /** Called once after the last epoch. */
  onTrainEnd?(ctx: TrainingContext): void | Promise<void>;
}

type Mode = 'min' | 'max' | 'auto';
function improves(
  mode: Mode,
  monitor: string,
  value: number,
  best: number,
  minDelta: number,
): boolean {
  const m = mode === 'auto' ? (/acc/i.test(monitor) ? 'max' : 'min') : mode;
  return m === 'min' ? value < best - minDelta : value > best + minDelta;
}
function monitored(logs: Logs, monitor: string, who: string): number {
  const v = logs[monitor];
  if (v === undefined)
    throw new ShapeError(
      `${who}: monitored value '${monitor}' is not in the logs (available: ${Object.keys(logs).join(', ')})`,
    );
  return v;
}

export interface EarlyStoppingOptions {
  monitor?: string;
  patience?: number;
  minDelta?: number;
  mode?: Mode;
  /** Put back the best epoch's weights when stopping. */
  restoreBestWeights?: boolean;
}

/**
 * Stop when the monitored value has not improved for `patience` epochs.
 * @example
 * await model.fit(x, y, { epochs: 50, validationSplit: 0.1, callbacks: [new EarlyStopping({ patience: 3 })] });
 */
export class EarlyStopping implements Callback {
  /** The log entry watched for improvement (default `'valLoss'`). */
  readonly monitor: string;
  private best = NaN;
  private wait = 0;
  private bestWeights: Record<string, Tensor> | null = null;
  /** Epoch (0-based) at which training was stopped, or −1. */
  stoppedEpoch = -1;
  constructor(private readonly opts: EarlyStoppingOptions = {}) {
    checkArgs(TRAIN.EarlyStopping, [opts], arguments.length);
    this.monitor = opts.monitor ?? 'valLoss';
  }
  onTrainBegin(): void {
    this.best = NaN;
    this.wait = 0;
    this.stoppedEpoch = -1;
  }
  onEpochEnd(epoch: number, logs: Logs, ctx: TrainingContext): void {
    const v = monitored(logs, this.monitor, 'EarlyStopping');
    if (
      Number.isNaN(this.best) ||
      improves(this.opts.mode ?? 'auto', this.monitor, v, this.best, this.opts.minDelta ?? 0)
    ) {
      this.best = v;
      this.wait = 0;
      if (this.opts.restoreBestWeights) this.snapshot(ctx.module);
      return;
    }
    if (++this.wait >= (this.opts.patience ?? 0)) {
      this.stoppedEpoch = epoch;
      ctx.stopTraining = true;
      if (this.bestWeights) ctx.module.loadStateDict(this.bestWeights);
    }
  }
  onTrainEnd(): void {
    this.release();
  }
  private snapshot(m: Module): void {
    this.release();
    this.bestWeights = noGrad(() =>
      Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, keep(t.clone())])),
    );
  }
  private release(): void {
    for (const t of Object.values(this.bestWeights ?? {})) t.dispose();
    this.bestWeights = null;
  }
}

export interface ModelCheckpointOptions {
  /** File path; `{epoch}` is replaced by the 1-based epoch number. */
  path: string;
  monitor?: string;
  saveBestOnly?: boolean;
  mode?: Mode;
}

/** Save the module's state dict (safetensors) after each epoch, or only when it improves. */
export class ModelCheckpoint implements Callback {
  private best = NaN;
  /** Paths written so far. */
  readonly saved: string[] = [];
  constructor(private readonly opts: ModelCheckpointOptions) {
    checkArgs(TRAIN.ModelCheckpoint, [opts], arguments.length);
  }
  async onEpochEnd(epoch: number, logs: Logs, ctx: TrainingContext): Promise<void> {
    const monitor = this.opts.monitor ?? 'valLoss';
    if (this.opts.saveBestOnly) {
      const v = monitored(logs, monitor, 'ModelCheckpoint');
      if (!Number.isNaN(this.best) && !improves(this.opts.mode ?? 'auto', monitor, v, this.best, 0))
        return;
      this.best = v;
    }
    const path = this.opts.path.replace('{epoch}', String(epoch + 1));
    await save(ctx.module.stateDict(), path, { epoch: String(epoch + 1) });
    this.saved.push(path);
  }
}
