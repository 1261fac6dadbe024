/**
 * ReduceLROnPlateau, following torch: watch a metric and multiply every group's lr by `factor`
 * once the metric has not improved for more than `patience` epochs.
 */
import { Tensor } from '../../tensor.js';
import { need } from '../errors.js';
import { loadPlainState, plainState, type SchedulableOptimizer } from './scheduler.js';
import { checkArgs } from '../../check/args.js';
import { OPTIM } from '../../check/specs/optim.js';
import { guardMethods } from '../../check/args.js';
import { PLATEAU_METHODS } from '../../check/specs/methods.js';

/** Options of `ReduceLROnPlateau` (torch's keyword arguments, camelCase). */
export interface ReduceLROnPlateauOptions {
  /** 'min' (default): lower is better; 'max': higher is better. */
  mode?: 'min' | 'max';
  /** Multiplier applied on a plateau, < 1 (default 0.1). */
  factor?: number;
  /** Epochs without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** How much better counts as an improvement (default 1e-4). */
  threshold?: number;
  /** 'rel' (default): relative to the best value; 'abs': absolute difference. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting bad epochs again (default 0). */
  cooldown?: number;
  /** Lower bound of the lr, for all groups or one per group (default 0). */
  minLr?: number | number[];
  /** Reductions smaller than this are skipped (default 1e-8). */
  eps?: number;
}

/**
 * Reduce the lr when a metric stops improving; `step(metric)` once per epoch.
 * @example
 * const sched = new fl.optim.ReduceLROnPlateau(opt, { mode: 'min', patience: 5 });
 * for (let epoch = 0; epoch < 50; epoch++) { train(); sched.step(validationLoss()); }
 */
export class ReduceLROnPlateau {
  /** `'min'`: lower metrics are better; `'max'`: higher are. */
  mode: 'min' | 'max';
  /** Multiplier applied to the lr on a plateau. */
  factor: number;
  /** Epochs without improvement tolerated before reducing. */
  patience: number;
  /** How much better counts as an improvement. */
  threshold: number;
  /** Whether `threshold` is relative to the best value or absolute. */
  thresholdMode: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting bad epochs again. */
  cooldown: number;
  /** Lower bound of the lr, one per group. */
  minLrs: number[];
  /** Reductions smaller than this are skipped. */
  eps: number;
  /** Best metric so far (±Infinity before the first step). */
  best: number;
  /** Epochs since the last improvement. */
  numBadEpochs = 0;
  /** Epochs of cooldown left. */
  cooldownCounter = 0;
  /** Number of `step()` calls so far. */
  lastEpoch = 0;
  /** The groups' lrs after the latest step. */
  protected lastLr: number[];

  constructor(
    /** The optimizer whose groups' lrs are reduced. */
    readonly optimizer: SchedulableOptimizer,
    opts: ReduceLROnPlateauOptions = {},
  ) {
    checkArgs(OPTIM.ReduceLROnPlateau, [optimizer, opts], arguments.length);
    const {
      mode = 'min',
      factor = 0.1,
      patience = 10,
      threshold = 1e-4,
      thresholdMode = 'rel',
      cooldown = 0,
      minLr = 0,
      eps = 1e-8,
    } = opts;
    const n = optimizer.paramGroups.length;
    const where = 'ReduceLROnPlateau';
    need(mode === 'min' || mode === 'max', where, 'mode', mode, "'min' or 'max'");
    need(
      thresholdMode === 'rel' || thresholdMode === 'abs',
      where,
      'thresholdMode',
      thresholdMode,
      "'rel' or 'abs'",
    );
    need(typeof factor === 'number' && factor < 1, where, 'factor', factor, '< 1');
    need(
      Number.isInteger(patience) && patience >= 0,
      where,
      'patience',
      patience,
      'an integer ≥ 0',
    );
    need(
      Number.isInteger(cooldown) && cooldown >= 0,
      where,
      'cooldown',
      cooldown,
      'an integer ≥ 0',
    );
    const minLrs = Array.isArray(minLr) ? [...minLr] : Array.from({ length: n }, () => minLr);
    need(
      minLrs.length === n,
      where,
      'minLr',
      minLr,
      `a number or ${n} numbers (one per param group)`,
    );
    this.minLrs = minLrs;
    this.mode = mode;
    this.factor = factor;
    this.patience = patience;
    this.threshold = threshold;
    this.thresholdMode = thresholdMode;
    this.cooldown = cooldown;
    this.eps = eps;
    this.best = mode === 'min' ? Infinity : -Infinity;
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  private isBetter(a: number): boolean {
    const { best, threshold: th } = this;
    if (this.mode === 'min')
      return this.thresholdMode === 'rel' ? a < best * (1 - th) : a < best - th;
    return this.thresholdMode === 'rel' ? a > best * (th + 1) : a > best + th;
  }

  /** Record this epoch's metric (a number or a one-element tensor) and reduce the lr on a plateau. */
  step(metric: number | Tensor): void {
    const current = metric instanceof Tensor ? metric.item() : Number(metric);
    this.lastEpoch += 1;
    if (this.isBetter(current)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else this.numBadEpochs += 1;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // bad epochs during cooldown do not count
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  private reduceLr(): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      const next = Math.max(g.lr * this.factor, this.minLrs[i]!);
      if (g.lr - next > this.eps) g.lr = next;
    });
  }

  /** The groups' lrs after the latest step. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** Counters, best value and options as plain data (camelCase keys). */
  stateDict(): Record<string, unknown> {
    return plainState(this);
  }
  /** Restore a `stateDict()`; the whole dict is checked first, so a bad one changes nothing. */
  loadStateDict(sd: Record<string, unknown>): void {
    const groups = this.optimizer.paramGroups.length;
    loadPlainState(this, sd, 'ReduceLROnPlateau.loadStateDict', groups);
    // JSON writes the initial ±Infinity as null.
    if (this.best === null) this.best = this.mode === 'min' ? Infinity : -Infinity;
  }
}

// Public methods check their arguments against their specs (check/specs/methods.ts) first.
guardMethods(ReduceLROnPlateau, PLATEAU_METHODS);
