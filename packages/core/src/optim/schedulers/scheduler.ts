/**
 * The learning-rate scheduler base, following torch.optim.lr_scheduler: a scheduler records each
 * group's starting lr (`initialLr`), takes one step at construction (epoch 0) and then rewrites
 * every group's `lr` on each `step()`. Subclasses give the chainable (recursive) form, which reads
 * the current lr so that several schedulers can act on one optimizer, and where torch has one the
 * closed form, used when SequentialLR jumps a scheduler to epoch 0.
 */
import { OptimizerError } from '../errors.js';
import type { GroupBase } from '../optimizer.js';

/** What a scheduler needs of an optimizer (every `fl.optim` optimizer has it). */
export interface SchedulableOptimizer {
  readonly name: string;
  readonly paramGroups: GroupBase[];
  readonly defaults: object;
}

/** Plain-data copy for state dicts: numbers, strings, booleans, null and arrays of them. */
export function plainCopy(v: unknown): unknown {
  return Array.isArray(v) ? v.map(plainCopy) : v;
}

function isPlain(v: unknown): boolean {
  if (Array.isArray(v)) return v.every(isPlain);
  return v === null || ['number', 'string', 'boolean'].includes(typeof v);
}

/**
 * A scheduler's own plain-data fields (its options and counters); functions (LambdaLR's lambdas),
 * the optimizer and other schedulers are left out, as in torch.
 * @internal
 */
export function plainState(obj: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(obj)
      .filter(([, v]) => isPlain(v))
      .map(([k, v]) => [k, plainCopy(v)]),
  );
}

/** @internal Assign the keys of `sd` that `obj` already has as plain data. */
export function loadPlainState(obj: object, sd: Record<string, unknown>, where: string): void {
  const own = plainState(obj);
  for (const [k, v] of Object.entries(sd)) {
    if (!(k in own))
      throw new OptimizerError(
        `${where}: unknown state key '${k}' (expected ${Object.keys(own).join(', ')})`,
      );
    (obj as Record<string, unknown>)[k] = plainCopy(v);
  }
}

/**
 * Base of the epoch-indexed schedulers. A subclass sets its fields, then calls
 * `this._initialStep()` as the last line of its constructor (JS runs subclass field setup after
 * `super()`, so the base cannot take torch's initial step itself).
 */
export abstract class LRScheduler {
  /** Each group's `initialLr`: the lr before any scheduler touched it. */
  baseLrs: number[];
  /** Epoch of the latest step: 0 right after construction. */
  lastEpoch = -1;
  protected stepCount = 0;
  protected lastLr: number[] = [];

  protected constructor(readonly optimizer: SchedulableOptimizer) {
    for (const g of optimizer.paramGroups) g.initialLr ??= g.lr;
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr!);
  }

  /** The chainable form: next lrs from the groups' current lrs and `lastEpoch`. */
  protected abstract getLr(): number[];
  /** The closed form at `lastEpoch` from `baseLrs`, where torch has one. */
  protected closedForm(): number[] | null {
    return null;
  }

  protected get groups(): GroupBase[] {
    return this.optimizer.paramGroups;
  }
  /** The groups' current lrs (the chainable forms start from these). */
  protected get lrs(): number[] {
    return this.groups.map((g) => g.lr);
  }

  /** Advance one epoch (call after `optimizer.step()`). */
  step(): void {
    this.stepCount++;
    this.lastEpoch++;
    this.apply(this.getLr());
  }

  /** The lrs this scheduler set last, one per group. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** @internal torch's `_initial_step`: counters reset, then one step to epoch 0. */
  _initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** @internal torch's `step(epoch)`: jump to `epoch`, by the closed form where there is one. */
  _stepTo(epoch: number): void {
    this.stepCount++;
    this.lastEpoch = epoch;
    this.apply(this.closedForm() ?? this.getLr());
  }

  private apply(lrs: readonly number[]): void {
    this.groups.forEach((g, i) => (g.lr = lrs[i]!));
    this.lastLr = this.lrs;
  }

  /**
   * The scheduler's counters and options as plain data (camelCase keys), for checkpoints.
   * @example
   * const saved = sched.stateDict();
   * sched2.loadStateDict(saved); // continues where `sched` was
   */
  stateDict(): Record<string, unknown> {
    return plainState(this);
  }
  loadStateDict(sd: Record<string, unknown>): void {
    loadPlainState(this, sd, `${this.constructor.name}.loadStateDict`);
  }
}
