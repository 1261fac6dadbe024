/**
 * Epoch-indexed schedules with torch's chainable and closed forms: StepLR, MultiStepLR,
 * ConstantLR, LinearLR, ExponentialLR, CosineAnnealingLR and LambdaLR.
 */
import { need } from '../errors.js';
import { LRScheduler, type SchedulableOptimizer } from './scheduler.js';
import { checkArgs } from '../../check/args.js';
import { OPTIM } from '../../check/specs/optim.js';

const positiveInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;
const isNumber = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);

/** Options of `StepLR`. */
export interface StepLROptions {
  /** Epochs between decays. */
  stepSize: number;
  /** Multiplicative decay (default 0.1). */
  gamma?: number;
}

/**
 * Multiply the lr by `gamma` every `stepSize` epochs.
 * @example
 * const sched = new fl.optim.StepLR(opt, { stepSize: 30, gamma: 0.1 });
 * for (let epoch = 0; epoch < 100; epoch++) { train(); sched.step(); }
 */
export class StepLR extends LRScheduler {
  /** Epochs between decays. */
  stepSize: number;
  /** Multiplicative decay. */
  gamma: number;
  constructor(optimizer: SchedulableOptimizer, opts: StepLROptions) {
    checkArgs(OPTIM.StepLR, [optimizer, opts], arguments.length);
    const { stepSize, gamma = 0.1 } = opts;
    super(optimizer);
    need(positiveInt(stepSize), 'StepLR', 'stepSize', stepSize, 'a positive integer');
    need(isNumber(gamma), 'StepLR', 'gamma', gamma, 'a finite number');
    this.stepSize = stepSize;
    this.gamma = gamma;
    this._initialStep();
  }
  protected getLr(): number[] {
    const e = this.lastEpoch;
    if (e === 0 || e % this.stepSize !== 0) return this.lrs;
    return this.lrs.map((lr) => lr * this.gamma);
  }
  protected override closedForm(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}

/** Options of `MultiStepLR`. */
export interface MultiStepLROptions {
  /** Epochs at which to decay; a milestone listed twice decays by gamma² there. */
  milestones: number[];
  /** Multiplicative decay (default 0.1). */
  gamma?: number;
}

/**
 * Multiply the lr by `gamma` at each milestone epoch.
 * @example
 * const sched = new fl.optim.MultiStepLR(opt, { milestones: [30, 80], gamma: 0.1 });
 */
export class MultiStepLR extends LRScheduler {
  /** Epochs at which the lr decays. */
  milestones: number[];
  /** Multiplicative decay. */
  gamma: number;
  constructor(optimizer: SchedulableOptimizer, opts: MultiStepLROptions) {
    checkArgs(OPTIM.MultiStepLR, [optimizer, opts], arguments.length);
    const { milestones, gamma = 0.1 } = opts;
    super(optimizer);
    need(
      Array.isArray(milestones) && milestones.every(Number.isInteger),
      'MultiStepLR',
      'milestones',
      milestones,
      'an array of integers',
    );
    need(isNumber(gamma), 'MultiStepLR', 'gamma', gamma, 'a finite number');
    this.milestones = [...milestones].sort((a, b) => a - b);
    this.gamma = gamma;
    this._initialStep();
  }
  protected getLr(): number[] {
    const hits = this.milestones.filter((m) => m === this.lastEpoch).length;
    if (hits === 0) return this.lrs;
    return this.lrs.map((lr) => lr * this.gamma ** hits);
  }
  protected override closedForm(): number[] {
    const passed = this.milestones.filter((m) => m <= this.lastEpoch).length;
    return this.baseLrs.map((b) => b * this.gamma ** passed);
  }
}

/** Options of `ConstantLR`. */
export interface ConstantLROptions {
  /** Multiplier for the first `totalIters` epochs, in [0, 1] (default 1/3). */
  factor?: number;
  /** Epochs at the reduced lr (default 5). */
  totalIters?: number;
}

/**
 * Multiply the lr by a constant `factor` until epoch `totalIters`, then restore it.
 * @example
 * const sched = new fl.optim.ConstantLR(opt, { factor: 0.5, totalIters: 4 });
 */
export class ConstantLR extends LRScheduler {
  /** Multiplier applied until `totalIters`. */
  factor: number;
  /** Epochs at the reduced lr. */
  totalIters: number;
  constructor(optimizer: SchedulableOptimizer, opts: ConstantLROptions = {}) {
    checkArgs(OPTIM.ConstantLR, [optimizer, opts], arguments.length);
    const { factor = 1 / 3, totalIters = 5 } = opts;
    super(optimizer);
    need(
      isNumber(factor) && factor >= 0 && factor <= 1,
      'ConstantLR',
      'factor',
      factor,
      'in [0, 1]',
    );
    need(
      Number.isInteger(totalIters) && totalIters >= 0,
      'ConstantLR',
      'totalIters',
      totalIters,
      'an integer ≥ 0',
    );
    this.factor = factor;
    this.totalIters = totalIters;
    this._initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.lrs.map((lr) => lr * this.factor);
    if (this.lastEpoch !== this.totalIters) return this.lrs;
    return this.lrs.map((lr) => lr * (1 / this.factor));
  }
  protected override closedForm(): number[] {
    const done = this.lastEpoch >= this.totalIters ? 1 : 0;
    return this.baseLrs.map((b) => b * (this.factor + done * (1 - this.factor)));
  }
}

/** Options of `LinearLR`. */
export interface LinearLROptions {
  /** Multiplier at epoch 0, in (0, 1] (default 1/3). */
  startFactor?: number;
  /** Multiplier from epoch `totalIters` on, in [0, 1] (default 1). */
  endFactor?: number;
  /** Epochs of the linear ramp (default 5). */
  totalIters?: number;
}

/**
 * Scale the lr by a factor moving linearly from `startFactor` to `endFactor` over `totalIters`
 * epochs (a warm-up with the defaults).
 * @example
 * const warmup = new fl.optim.LinearLR(opt, { startFactor: 0.1, totalIters: 5 });
 */
export class LinearLR extends LRScheduler {
  /** Multiplier at epoch 0. */
  startFactor: number;
  /** Multiplier from epoch `totalIters` on. */
  endFactor: number;
  /** Epochs of the linear ramp. */
  totalIters: number;
  constructor(optimizer: SchedulableOptimizer, opts: LinearLROptions = {}) {
    checkArgs(OPTIM.LinearLR, [optimizer, opts], arguments.length);
    const { startFactor = 1 / 3, endFactor = 1, totalIters = 5 } = opts;
    super(optimizer);
    need(
      isNumber(startFactor) && startFactor > 0 && startFactor <= 1,
      'LinearLR',
      'startFactor',
      startFactor,
      'in (0, 1]',
    );
    need(
      isNumber(endFactor) && endFactor >= 0 && endFactor <= 1,
      'LinearLR',
      'endFactor',
      endFactor,
      'in [0, 1]',
    );
    need(positiveInt(totalIters), 'LinearLR', 'totalIters', totalIters, 'a positive integer');
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = totalIters;
    this._initialStep();
  }
  protected getLr(): number[] {
    const { startFactor: s, endFactor: e, totalIters: n, lastEpoch: t } = this;
    if (t === 0) return this.lrs.map((lr) => lr * s);
    if (t > n) return this.lrs;
    return this.lrs.map((lr) => lr * (1 + (e - s) / (n * s + (t - 1) * (e - s))));
  }
  protected override closedForm(): number[] {
    const { startFactor: s, endFactor: e, totalIters: n } = this;
    return this.baseLrs.map((b) => b * (s + ((e - s) * Math.min(n, this.lastEpoch)) / n));
  }
}

/**
 * Multiply the lr by `gamma` every epoch.
 * @example
 * const sched = new fl.optim.ExponentialLR(opt, { gamma: 0.95 });
 */
export class ExponentialLR extends LRScheduler {
  /** Multiplicative decay per epoch. */
  gamma: number;
  constructor(optimizer: SchedulableOptimizer, opts: { gamma: number }) {
    checkArgs(OPTIM.ExponentialLR, [optimizer, opts], arguments.length);
    const { gamma } = opts;
    super(optimizer);
    need(isNumber(gamma), 'ExponentialLR', 'gamma', gamma, 'a finite number');
    this.gamma = gamma;
    this._initialStep();
  }
  protected getLr(): number[] {
    return this.lastEpoch === 0 ? this.lrs : this.lrs.map((lr) => lr * this.gamma);
  }
  protected override closedForm(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** this.lastEpoch);
  }
}

/** Options of `CosineAnnealingLR`. */
export interface CosineAnnealingLROptions {
  /** Epochs of a half cosine period (torch's `T_max`). */
  tMax: number;
  /** The lowest lr (default 0). */
  etaMin?: number;
}

/**
 * Anneal the lr along a cosine from its initial value to `etaMin` over `tMax` epochs (and back up
 * over the next `tMax`, as torch's recursive form does when stepped past `tMax`).
 * @example
 * const sched = new fl.optim.CosineAnnealingLR(opt, { tMax: 100, etaMin: 1e-5 });
 */
export class CosineAnnealingLR extends LRScheduler {
  /** Epochs of a half cosine period (torch's `T_max`). */
  tMax: number;
  /** The lowest lr. */
  etaMin: number;
  constructor(optimizer: SchedulableOptimizer, opts: CosineAnnealingLROptions) {
    checkArgs(OPTIM.CosineAnnealingLR, [optimizer, opts], arguments.length);
    const { tMax, etaMin = 0 } = opts;
    super(optimizer);
    need(isNumber(tMax) && tMax > 0, 'CosineAnnealingLR', 'tMax', tMax, '> 0');
    need(isNumber(etaMin), 'CosineAnnealingLR', 'etaMin', etaMin, 'a finite number');
    this.tMax = tMax;
    this.etaMin = etaMin;
    this._initialStep();
  }
  protected getLr(): number[] {
    const { tMax: T, etaMin: m, lastEpoch: t } = this;
    if (t === 0) return this.lrs;
    if (this.stepCount === 1 && t > 0) return this.closedForm();
    // One step past a minimum: the recursive ratio below would divide by 1 + cos(π) = 0.
    if ((t - 1 - T) % (2 * T) === 0)
      return this.groups.map(
        (g, i) => g.lr + ((this.baseLrs[i]! - m) * (1 - Math.cos(Math.PI / T))) / 2,
      );
    const ratio = (1 + Math.cos((Math.PI * t) / T)) / (1 + Math.cos((Math.PI * (t - 1)) / T));
    return this.lrs.map((lr) => ratio * (lr - m) + m);
  }
  protected override closedForm(): number[] {
    const c = (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax)) / 2;
    return this.baseLrs.map((b) => this.etaMin + (b - this.etaMin) * c);
  }
}

/** A multiplier of the initial lr as a function of the epoch. */
export type LrLambda = (epoch: number) => number;

/**
 * Set each group's lr to its initial lr times `lrLambda(epoch)` (one function, or one per group).
 * @example
 * const warmup = new fl.optim.LambdaLR(opt, { lrLambda: (e) => Math.min(1, (e + 1) / 5) });
 */
export class LambdaLR extends LRScheduler {
  private readonly lrLambdas: LrLambda[];
  constructor(optimizer: SchedulableOptimizer, opts: { lrLambda: LrLambda | LrLambda[] }) {
    checkArgs(OPTIM.LambdaLR, [optimizer, opts], arguments.length);
    const { lrLambda } = opts;
    super(optimizer);
    const n = optimizer.paramGroups.length;
    const fns = Array.isArray(lrLambda) ? lrLambda : Array.from({ length: n }, () => lrLambda);
    need(
      fns.length === n && fns.every((f) => typeof f === 'function'),
      'LambdaLR',
      'lrLambda',
      `${fns.length} values`,
      `a function or an array of ${n} functions (one per param group)`,
    );
    this.lrLambdas = fns;
    this._initialStep();
  }
  protected getLr(): number[] {
    return this.baseLrs.map((b, i) => b * this.lrLambdas[i]!(this.lastEpoch));
  }
}
