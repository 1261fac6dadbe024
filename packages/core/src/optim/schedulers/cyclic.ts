/**
 * Schedulers that restart: CosineAnnealingWarmRestarts (SGDR, Loshchilov & Hutter) and CyclicLR
 * (Smith's cyclical learning rates), following torch.optim.lr_scheduler, including SGDR's
 * fractional `step(epoch)` and CyclicLR's momentum cycling.
 */
import { OptimizerError, need } from '../errors.js';
import type { GroupBase } from '../optimizer.js';
import { LRScheduler, type SchedulableOptimizer } from './scheduler.js';
import { checkArgs, guardMethods } from '../../check/args.js';
import { OPTIM } from '../../check/specs/optim.js';
import { WARM_RESTARTS_METHODS } from '../../check/specs/methods.js';

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const posInt = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) > 0;

/** Options of `CosineAnnealingWarmRestarts` (torch's keyword arguments, camelCase). */
export interface CosineAnnealingWarmRestartsOptions {
  /** Epochs until the first restart (torch's `T_0`, a positive integer). */
  t0: number;
  /** Factor by which the period grows after each restart (torch's `T_mult`, integer ≥ 1; default 1). */
  tMult?: number;
  /** The lowest lr (default 0). */
  etaMin?: number;
}

/**
 * Cosine annealing with warm restarts (SGDR): the lr follows a half cosine from the initial lr
 * down to `etaMin` over `t0` epochs, then jumps back, each period `tMult` times longer.
 * `step()` advances one epoch; `step(epoch)` jumps to a (possibly fractional) epoch, e.g.
 * `epoch + i / iters` inside an epoch, as in torch.
 * @example
 * const sched = new fl.optim.CosineAnnealingWarmRestarts(opt, { t0: 10, tMult: 2 });
 * for (let epoch = 0; epoch < 30; epoch++) { train(); sched.step(); }
 */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  /** Epochs until the first restart. */
  t0: number;
  /** Length of the current period (torch's `T_i`). */
  tI: number;
  /** Growth factor of the period. */
  tMult: number;
  /** The lowest lr. */
  etaMin: number;
  /** Epochs since the last restart, possibly fractional (torch's `T_cur`). */
  tCur: number;

  constructor(optimizer: SchedulableOptimizer, opts: CosineAnnealingWarmRestartsOptions) {
    checkArgs(OPTIM.CosineAnnealingWarmRestarts, [optimizer, opts], arguments.length);
    const { t0, tMult = 1, etaMin = 0 } = opts;
    const where = 'CosineAnnealingWarmRestarts';
    need(posInt(t0), where, 't0', t0, 'a positive integer');
    need(posInt(tMult), where, 'tMult', tMult, 'an integer ≥ 1');
    need(isNumber(etaMin), where, 'etaMin', etaMin, 'a finite number');
    super(optimizer);
    this.t0 = t0;
    this.tI = t0;
    this.tMult = tMult;
    this.etaMin = etaMin;
    this.tCur = -1;
    this._initialStep();
  }

  /**
   * Advance one epoch, or jump to `epoch` (a non-negative, possibly fractional number): the
   * period and position within it are recomputed from `t0` and `tMult`.
   */
  override step(epoch?: number): void {
    if (epoch === undefined && this.lastEpoch < 0) epoch = 0;
    if (epoch === undefined) {
      epoch = this.lastEpoch + 1;
      this.tCur += 1;
      if (this.tCur >= this.tI) {
        this.tCur -= this.tI;
        this.tI *= this.tMult;
      }
    } else this.jump(epoch);
    this.stepCount++;
    this.lastEpoch = Math.floor(epoch);
    const c = (1 + Math.cos((Math.PI * this.tCur) / this.tI)) / 2;
    const lrs = this.baseLrs.map((b) => this.etaMin + (b - this.etaMin) * c);
    this.groups.forEach((g, i) => (g.lr = lrs[i]!));
    this.lastLr = lrs;
  }

  private jump(epoch: number): void {
    need(
      isNumber(epoch) && epoch >= 0,
      'CosineAnnealingWarmRestarts.step',
      'epoch',
      epoch,
      'a finite number ≥ 0',
    );
    if (epoch < this.t0) {
      this.tI = this.t0;
      this.tCur = epoch;
    } else if (this.tMult === 1) this.tCur = epoch % this.t0;
    else {
      // The restart index n with t0(tMultⁿ − 1)/(tMult − 1) ≤ epoch, as torch computes it.
      const n = Math.floor(
        Math.log((epoch / this.t0) * (this.tMult - 1) + 1) / Math.log(this.tMult),
      );
      this.tCur = epoch - (this.t0 * (this.tMult ** n - 1)) / (this.tMult - 1);
      this.tI = this.t0 * this.tMult ** n;
    }
  }

  protected getLr(): number[] {
    return this.lrs; // unused: step() computes the lrs itself
  }

  /** @internal SequentialLR's jump to an epoch is torch's `step(epoch)` here. */
  override _stepTo(epoch: number): void {
    this.step(epoch);
  }
}

guardMethods(CosineAnnealingWarmRestarts, WARM_RESTARTS_METHODS);

/** A CyclicLR scaling policy: the amplitude multiplier at cycle (or iteration) `x`. */
export type CyclicScaleFn = (x: number) => number;

/** Options of `CyclicLR` (torch's keyword arguments, camelCase). */
export interface CyclicLROptions {
  /** Lower lr bound of the cycle, one for all groups or one per group. */
  baseLr: number | number[];
  /** Upper lr bound of the cycle, one for all groups or one per group. */
  maxLr: number | number[];
  /** Steps of the rising half of a cycle (default 2000). */
  stepSizeUp?: number;
  /** Steps of the falling half (default: `stepSizeUp`). */
  stepSizeDown?: number;
  /** 'triangular' (default), 'triangular2' (amplitude halves each cycle) or 'exp_range' (×γ^step). */
  mode?: 'triangular' | 'triangular2' | 'exp_range';
  /** Decay of 'exp_range' per step (default 1). */
  gamma?: number;
  /** A custom amplitude policy (replaces `mode`). */
  scaleFn?: CyclicScaleFn;
  /** What `scaleFn` is evaluated at: 'cycle' (default) or 'iterations'. */
  scaleMode?: 'cycle' | 'iterations';
  /** Cycle momentum (or Adam's beta1) inversely to the lr (default true). */
  cycleMomentum?: boolean;
  /** Momentum at the lr peak (default 0.8), per group or for all. */
  baseMomentum?: number | number[];
  /** Momentum at the lr trough (default 0.9), per group or for all. */
  maxMomentum?: number | number[];
}

type MomentumGroup = GroupBase & { momentum?: number; betas?: [number, number] };

function perGroup(name: string, v: number | number[], n: number): number[] {
  const list = Array.isArray(v) ? v : Array.from({ length: n }, () => v);
  need(
    list.length === n && list.every(isNumber),
    'CyclicLR',
    name,
    v,
    `a finite number or ${n} of them (one per param group)`,
  );
  return [...list];
}

const MODES = ['triangular', 'triangular2', 'exp_range'];

/**
 * Cyclical learning rates: call `step()` after every batch; the lr moves linearly between
 * `baseLr` and `maxLr` over `stepSizeUp + stepSizeDown` steps, with the amplitude scaled by the
 * mode (or `scaleFn`). With `cycleMomentum` the optimizer's momentum (or beta1) moves the
 * opposite way between `maxMomentum` and `baseMomentum`.
 * @example
 * const opt = new fl.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
 * const sched = new fl.optim.CyclicLR(opt, { baseLr: 0.001, maxLr: 0.1, stepSizeUp: 100 });
 */
export class CyclicLR extends LRScheduler {
  /** Upper lr bounds, one per group. */
  maxLrs: number[];
  /** Steps of a whole cycle. */
  totalSize: number;
  /** Fraction of a cycle spent rising. */
  stepRatio: number;
  /** The amplitude policy. */
  mode: string;
  /** Decay of 'exp_range'. */
  gamma: number;
  /** Whether the policy is evaluated at the cycle number or the step number. */
  scaleMode: string;
  /** Whether momentum (or beta1) is cycled. */
  cycleMomentum: boolean;
  /** Whether momentum lives in `betas[0]` (Adam-style optimizers) rather than `momentum`. */
  useBeta1: boolean;
  /** Momentum at the lr peak, one per group (empty without cycleMomentum). */
  baseMomentums: number[];
  /** Momentum at the lr trough, one per group (empty without cycleMomentum). */
  maxMomentums: number[];
  private readonly scaleFnCustom: CyclicScaleFn | undefined;

  constructor(optimizer: SchedulableOptimizer, opts: CyclicLROptions) {
    checkArgs(OPTIM.CyclicLR, [optimizer, opts], arguments.length);
    const groups = optimizer.paramGroups as MomentumGroup[];
    const { stepSizeUp = 2000, mode = 'triangular', gamma = 1, cycleMomentum = true } = opts;
    const stepSizeDown = opts.stepSizeDown ?? stepSizeUp;
    need(isNumber(stepSizeUp) && stepSizeUp > 0, 'CyclicLR', 'stepSizeUp', stepSizeUp, '> 0');
    need(
      isNumber(stepSizeDown) && stepSizeDown > 0,
      'CyclicLR',
      'stepSizeDown',
      stepSizeDown,
      '> 0',
    );
    need(
      MODES.includes(mode),
      'CyclicLR',
      'mode',
      mode,
      "'triangular', 'triangular2' or 'exp_range'",
    );
    need(isNumber(gamma), 'CyclicLR', 'gamma', gamma, 'a finite number');
    const baseLrs = perGroup('baseLr', opts.baseLr, groups.length);
    const maxLrs = perGroup('maxLr', opts.maxLr, groups.length);
    const useBeta1 = 'betas' in optimizer.defaults;
    if (cycleMomentum && !useBeta1 && !('momentum' in optimizer.defaults))
      throw new OptimizerError(
        `CyclicLR: ${optimizer.name} has no momentum or betas to cycle; pass { cycleMomentum: false }`,
      );
    const baseM = cycleMomentum
      ? perGroup('baseMomentum', opts.baseMomentum ?? 0.8, groups.length)
      : [];
    const maxM = cycleMomentum
      ? perGroup('maxMomentum', opts.maxMomentum ?? 0.9, groups.length)
      : [];
    // As torch: the groups start at baseLr (recorded as their initialLr by the base class).
    groups.forEach((g, i) => (g.lr = baseLrs[i]!));
    super(optimizer);
    this.baseLrs = baseLrs;
    this.maxLrs = maxLrs;
    this.totalSize = stepSizeUp + stepSizeDown;
    this.stepRatio = stepSizeUp / this.totalSize;
    this.mode = mode;
    this.gamma = gamma;
    this.scaleFnCustom = opts.scaleFn;
    this.scaleMode = opts.scaleFn
      ? (opts.scaleMode ?? 'cycle')
      : mode === 'exp_range'
        ? 'iterations'
        : 'cycle';
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    this.baseMomentums = baseM;
    this.maxMomentums = maxM;
    if (cycleMomentum) groups.forEach((g, i) => this.setMomentum(g, baseM[i]!));
    this._initialStep();
  }

  private scale(x: number): number {
    if (this.scaleFnCustom) return this.scaleFnCustom(x);
    if (this.mode === 'triangular2') return 1 / 2 ** (x - 1);
    if (this.mode === 'exp_range') return this.gamma ** x;
    return 1;
  }

  private setMomentum(g: MomentumGroup, m: number): void {
    if (this.useBeta1) g.betas = [m, g.betas![1]];
    else g.momentum = m;
  }

  protected getLr(): number[] {
    const t = this.lastEpoch;
    const cycle = Math.floor(1 + t / this.totalSize);
    const x = 1 + t / this.totalSize - cycle;
    const height = x <= this.stepRatio ? x / this.stepRatio : (x - 1) / (this.stepRatio - 1);
    const s = this.scale(this.scaleMode === 'cycle' ? cycle : t);
    if (this.cycleMomentum)
      (this.groups as MomentumGroup[]).forEach((g, i) => {
        const [lo, hi] = [this.baseMomentums[i]!, this.maxMomentums[i]!];
        this.setMomentum(g, hi - (hi - lo) * height * s);
      });
    return this.baseLrs.map((b, i) => b + (this.maxLrs[i]! - b) * height * s);
  }
}
