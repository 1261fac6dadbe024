/**
 * OneCycleLR (Smith & Topin's 1cycle policy), following torch: the lr rises from
 * maxLr/divFactor to maxLr over the first `pctStart` of the run, then anneals to
 * initialLr/finalDivFactor; momentum (or Adam's beta1) cycles the opposite way.
 */
import { OptimizerError, need } from '../errors.js';
import type { GroupBase } from '../optimizer.js';
import { LRScheduler, type SchedulableOptimizer } from './scheduler.js';
import { checkArgs } from '../../check/args.js';
import { OPTIM } from '../../check/specs/optim.js';

/** Options of `OneCycleLR` (torch's keyword arguments, camelCase). */
export interface OneCycleLROptions {
  /** Peak lr, one for all groups or one per group. */
  maxLr: number | number[];
  /** Length of the cycle in steps; or give `epochs` and `stepsPerEpoch`. */
  totalSteps?: number;
  /** Epochs of training; with `stepsPerEpoch`, gives `totalSteps`. */
  epochs?: number;
  /** Optimizer steps per epoch; with `epochs`, gives `totalSteps`. */
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent raising the lr (default 0.3). */
  pctStart?: number;
  /** 'cos' (default) or 'linear'. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum (or beta1) inversely to the lr (default true). */
  cycleMomentum?: boolean;
  /** Momentum at the lr peak (default 0.85), per group or for all. */
  baseMomentum?: number | number[];
  /** Momentum at the ends of the cycle (default 0.95), per group or for all. */
  maxMomentum?: number | number[];
  /** initialLr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** minLr = initialLr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Rise, fall back to initialLr, then anneal to minLr (default false: rise, then anneal). */
  threePhase?: boolean;
}

type Key = 'initialLr' | 'maxLr' | 'minLr' | 'maxMomentum' | 'baseMomentum';
interface Phase {
  endStep: number;
  startLr: Key;
  endLr: Key;
  startMomentum: Key;
  endMomentum: Key;
}
type MomentumGroup = GroupBase & { momentum?: number; betas?: [number, number] };

function perGroup(name: string, v: number | number[], n: number): number[] {
  const list = Array.isArray(v) ? v : Array.from({ length: n }, () => v);
  need(
    list.length === n && list.every((x) => typeof x === 'number'),
    'OneCycleLR',
    name,
    v,
    `a number or ${n} numbers (one per param group)`,
  );
  return list;
}

function totalStepsOf(o: OneCycleLROptions): number {
  const posInt = (v: unknown) => Number.isInteger(v) && (v as number) > 0;
  if (o.totalSteps !== undefined) {
    need(posInt(o.totalSteps), 'OneCycleLR', 'totalSteps', o.totalSteps, 'a positive integer');
    return o.totalSteps;
  }
  if (o.epochs === undefined || o.stepsPerEpoch === undefined)
    throw new OptimizerError('OneCycleLR: give totalSteps, or both epochs and stepsPerEpoch');
  need(posInt(o.epochs), 'OneCycleLR', 'epochs', o.epochs, 'a positive integer');
  need(
    posInt(o.stepsPerEpoch),
    'OneCycleLR',
    'stepsPerEpoch',
    o.stepsPerEpoch,
    'a positive integer',
  );
  return o.epochs * o.stepsPerEpoch;
}

function phasesOf(total: number, pct: number, threePhase: boolean): Phase[] {
  const up: Phase = {
    endStep: pct * total - 1,
    startLr: 'initialLr',
    endLr: 'maxLr',
    startMomentum: 'maxMomentum',
    endMomentum: 'baseMomentum',
  };
  if (!threePhase)
    return [
      up,
      {
        endStep: total - 1,
        startLr: 'maxLr',
        endLr: 'minLr',
        startMomentum: 'baseMomentum',
        endMomentum: 'maxMomentum',
      },
    ];
  return [
    up,
    {
      endStep: 2 * pct * total - 2,
      startLr: 'maxLr',
      endLr: 'initialLr',
      startMomentum: 'baseMomentum',
      endMomentum: 'maxMomentum',
    },
    {
      endStep: total - 1,
      startLr: 'initialLr',
      endLr: 'minLr',
      startMomentum: 'maxMomentum',
      endMomentum: 'maxMomentum',
    },
  ];
}

/**
 * The 1cycle learning-rate policy; call `step()` after every batch, `totalSteps` times at most.
 * @example
 * const sched = new fl.optim.OneCycleLR(opt, { maxLr: 0.1, epochs: 10, stepsPerEpoch: batches });
 */
export class OneCycleLR extends LRScheduler {
  /** Length of the cycle in steps. */
  totalSteps: number;
  /** How the lr moves between phase ends: along a cosine or linearly. */
  annealStrategy: 'cos' | 'linear';
  /** Whether momentum (or beta1) is cycled inversely to the lr. */
  cycleMomentum: boolean;
  /** Whether momentum lives in `betas[0]` (Adam-style optimizers) rather than `momentum`. */
  useBeta1: boolean;
  private readonly phases: Phase[];

  constructor(optimizer: SchedulableOptimizer, opts: OneCycleLROptions) {
    checkArgs(OPTIM.OneCycleLR, [optimizer, opts], arguments.length);
    super(optimizer);
    const {
      pctStart = 0.3,
      annealStrategy = 'cos',
      cycleMomentum = true,
      divFactor = 25,
      finalDivFactor = 1e4,
    } = opts;
    this.totalSteps = totalStepsOf(opts);
    need(
      typeof pctStart === 'number' && pctStart >= 0 && pctStart <= 1,
      'OneCycleLR',
      'pctStart',
      pctStart,
      'in [0, 1]',
    );
    need(
      annealStrategy === 'cos' || annealStrategy === 'linear',
      'OneCycleLR',
      'annealStrategy',
      annealStrategy,
      "'cos' or 'linear'",
    );
    this.phases = phasesOf(this.totalSteps, pctStart, opts.threePhase ?? false);
    this.annealStrategy = annealStrategy;
    const groups = optimizer.paramGroups as MomentumGroup[];
    const maxLrs = perGroup('maxLr', opts.maxLr, groups.length);
    groups.forEach((g, i) => {
      g.initialLr = maxLrs[i]! / divFactor;
      g.maxLr = maxLrs[i]!;
      g.minLr = g.initialLr / finalDivFactor;
    });
    this.baseLrs = groups.map((g) => g.initialLr!);
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = 'betas' in optimizer.defaults;
    if (cycleMomentum) this.initMomentum(groups, opts);
    this._initialStep();
  }

  private initMomentum(groups: MomentumGroup[], opts: OneCycleLROptions): void {
    if (!this.useBeta1 && !('momentum' in this.optimizer.defaults))
      throw new OptimizerError(
        `OneCycleLR: ${this.optimizer.name} has no momentum or betas to cycle; pass { cycleMomentum: false }`,
      );
    const maxM = perGroup('maxMomentum', opts.maxMomentum ?? 0.95, groups.length);
    const baseM = perGroup('baseMomentum', opts.baseMomentum ?? 0.85, groups.length);
    groups.forEach((g, i) => {
      this.setMomentum(g, maxM[i]!);
      g.maxMomentum = maxM[i]!;
      g.baseMomentum = baseM[i]!;
    });
  }

  private setMomentum(g: MomentumGroup, m: number): void {
    if (this.useBeta1) g.betas = [m, g.betas![1]];
    else g.momentum = m;
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'linear') return (end - start) * pct + start;
    return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
  }

  protected getLr(): number[] {
    const step = this.lastEpoch;
    if (step > this.totalSteps)
      throw new OptimizerError(
        `OneCycleLR: tried to step ${step + 1} times; the specified number of total steps is ${this.totalSteps}`,
      );
    return (this.groups as MomentumGroup[]).map((g) => {
      let start = 0;
      for (const [i, ph] of this.phases.entries()) {
        if (step <= ph.endStep || i === this.phases.length - 1) {
          const pct = (step - start) / (ph.endStep - start);
          if (this.cycleMomentum)
            this.setMomentum(g, this.anneal(g[ph.startMomentum]!, g[ph.endMomentum]!, pct));
          return this.anneal(g[ph.startLr]!, g[ph.endLr]!, pct);
        }
        start = ph.endStep;
      }
      return g.lr; // unreachable: the last phase always matches
    });
  }
}
