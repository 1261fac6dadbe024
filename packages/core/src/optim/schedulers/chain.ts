/**
 * Combining schedulers on one optimizer, as torch does: ChainedScheduler steps them all every
 * epoch (their chainable forms compose), SequentialLR hands over from one to the next at
 * milestone epochs.
 */
import { OptimizerError } from '../errors.js';
import { describe } from '../../check/describe.js';
import {
  LRScheduler,
  checkPlainState,
  plainState,
  type SchedulableOptimizer,
} from './scheduler.js';
import { checkArgs } from '../../check/args.js';
import { OPTIM } from '../../check/specs/optim.js';
import { guardMethods } from '../../check/args.js';
import { CHAIN_METHODS, SEQUENTIAL_LR_METHODS } from '../../check/specs/methods.js';

function checkSameOptimizer(
  where: string,
  schedulers: readonly LRScheduler[],
  optimizer?: SchedulableOptimizer,
): SchedulableOptimizer {
  if (!Array.isArray(schedulers) || schedulers.length === 0)
    throw new OptimizerError(`${where}: expects a non-empty array of schedulers`);
  const opt = optimizer ?? schedulers[0]!.optimizer;
  schedulers.forEach((s, i) => {
    if (!(s instanceof LRScheduler))
      throw new OptimizerError(
        `${where}: scheduler ${i} is not an epoch scheduler (ReduceLROnPlateau cannot be combined)`,
      );
    if (s.optimizer !== opt)
      throw new OptimizerError(
        `${where}: scheduler ${i} belongs to a different optimizer than the others`,
      );
  });
  return opt;
}

function nestedState(self: object, schedulers: readonly LRScheduler[]): Record<string, unknown> {
  return { ...plainState(self), schedulers: schedulers.map((s) => s.stateDict()) };
}

/** Check the outer fields and every inner scheduler's dict before changing any of them. */
function loadNested(
  self: { optimizer: SchedulableOptimizer },
  schedulers: readonly LRScheduler[],
  sd: unknown,
  where: string,
): void {
  if (typeof sd !== 'object' || sd === null || Array.isArray(sd))
    throw new OptimizerError(
      `${where}: expected a state dict object (from stateDict()), got ${describe(sd)}`,
    );
  const { schedulers: inner, ...rest } = sd as Record<string, unknown>;
  if (!Array.isArray(inner) || inner.length !== schedulers.length)
    throw new OptimizerError(`${where}: expected state for ${schedulers.length} schedulers`);
  const own = checkPlainState(self, rest, where, self.optimizer.paramGroups.length);
  const applies = schedulers.map((s, i) => s._prepareLoad(inner[i]));
  Object.assign(self, own);
  for (const apply of applies) apply();
}

/**
 * Step several schedulers together every epoch; their effects multiply (torch's ChainedScheduler).
 * @example
 * const sched = new fl.optim.ChainedScheduler([
 *   new fl.optim.ConstantLR(opt, { factor: 0.1, totalIters: 2 }),
 *   new fl.optim.ExponentialLR(opt, { gamma: 0.9 }),
 * ]);
 */
export class ChainedScheduler {
  /** The optimizer all the schedulers act on. */
  readonly optimizer: SchedulableOptimizer;
  private lastLr: number[];

  constructor(private readonly schedulers: LRScheduler[]) {
    checkArgs(OPTIM.ChainedScheduler, [schedulers], arguments.length);
    this.optimizer = checkSameOptimizer('ChainedScheduler', schedulers);
    this.schedulers = [...schedulers];
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** Step every scheduler once, in order (call after `optimizer.step()`). */
  step(): void {
    for (const s of this.schedulers) s.step();
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }
  /** The groups' lrs after the latest step, one per group. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }
  /** Counters of this scheduler and of each inner one as plain data, for checkpoints. */
  stateDict(): Record<string, unknown> {
    return nestedState(this, this.schedulers);
  }
  /** Restore a `stateDict()`; every inner dict is checked first, so a bad one changes nothing. */
  loadStateDict(sd: Record<string, unknown>): void {
    loadNested(this, this.schedulers, sd, 'ChainedScheduler.loadStateDict');
  }
}

/** Options of `SequentialLR`. */
export interface SequentialLROptions {
  /** The schedulers, in the order they take over. */
  schedulers: LRScheduler[];
  /** Epochs at which the next scheduler takes over (one fewer than schedulers), ascending. */
  milestones: number[];
}

/**
 * Run `schedulers[0]` until `milestones[0]`, then `schedulers[1]` (restarted at its epoch 0), and
 * so on (torch's SequentialLR). Build the inner schedulers on the same optimizer first.
 * @example
 * const warmup = new fl.optim.LinearLR(opt, { startFactor: 0.1, totalIters: 5 });
 * const decay = new fl.optim.CosineAnnealingLR(opt, { tMax: 95 });
 * const sched = new fl.optim.SequentialLR(opt, { schedulers: [warmup, decay], milestones: [5] });
 */
export class SequentialLR {
  /** Epoch of the latest step: 0 right after construction. */
  lastEpoch: number;
  private lastLr: number[];
  private readonly schedulers: LRScheduler[];
  private readonly milestones: number[];

  constructor(
    /** The optimizer the inner schedulers act on. */
    readonly optimizer: SchedulableOptimizer,
    opts: SequentialLROptions,
  ) {
    checkArgs(OPTIM.SequentialLR, [optimizer, opts], arguments.length);
    const { schedulers, milestones } = opts;
    checkSameOptimizer('SequentialLR', schedulers, optimizer);
    if (!Array.isArray(milestones) || milestones.length !== schedulers.length - 1)
      throw new OptimizerError(
        `SequentialLR: expects one milestone fewer than schedulers, got ${schedulers.length} schedulers and ${Array.isArray(milestones) ? milestones.length : 'no'} milestones`,
      );
    this.schedulers = [...schedulers];
    this.milestones = [...milestones];
    this.lastEpoch = 0;
    // Undo the construction steps of all the inner schedulers, then start only the first (as torch).
    for (const g of optimizer.paramGroups) g.lr = g.initialLr!;
    for (const s of this.schedulers) s.lastEpoch -= 1;
    this.schedulers[0]!._initialStep();
    this.lastLr = this.schedulers[0]!.getLastLr();
  }

  /** Advance one epoch: step the current scheduler, restarting the next one at a milestone. */
  step(): void {
    this.lastEpoch += 1;
    const idx = this.milestones.filter((m) => m <= this.lastEpoch).length; // bisect_right
    const s = this.schedulers[idx]!;
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) s._stepTo(0);
    else s.step();
    this.lastLr = s.getLastLr();
  }
  /** The lrs the latest step set, one per group. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }
  /** Counters of this scheduler and of each inner one as plain data, for checkpoints. */
  stateDict(): Record<string, unknown> {
    return nestedState(this, this.schedulers);
  }
  /** Restore a `stateDict()`; every inner dict is checked first, so a bad one changes nothing. */
  loadStateDict(sd: Record<string, unknown>): void {
    loadNested(this, this.schedulers, sd, 'SequentialLR.loadStateDict');
  }
}

// Public methods check their arguments against their specs (check/specs/methods.ts) first.
guardMethods(ChainedScheduler, CHAIN_METHODS);
guardMethods(SequentialLR, SEQUENTIAL_LR_METHODS);
