/**
 * The learning-rate scheduler base, following torch.optim.lr_scheduler: a scheduler records each
 * group's starting lr (`initialLr`), takes one step at construction (epoch 0) and then rewrites
 * every group's `lr` on each `step()`. Subclasses give the chainable (recursive) form, which reads
 * the current lr so that several schedulers can act on one optimizer, and where torch has one the
 * closed form, used when SequentialLR jumps a scheduler to epoch 0.
 */
import { OptimizerError } from '../errors.js';
import { describe, quote } from '../../check/describe.js';
import type { GroupBase } from '../optimizer.js';
import { checkArgs } from '../../check/args.js';
import { OPTIM } from '../../check/specs/optim.js';
import { guardMethods } from '../../check/args.js';
import { SCHEDULER_METHODS } from '../../check/specs/methods.js';

/** What a scheduler needs of an optimizer (every `fl.optim` optimizer has it). */
export interface SchedulableOptimizer {
  /** The optimizer's class name, for messages. */
  readonly name: string;
  /** The parameter groups whose `lr` the scheduler rewrites. */
  readonly paramGroups: GroupBase[];
  /** The optimizer's default hyperparameters. */
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

/** String fields with a fixed set of values (per field, the set that holds the current value). */
const ENUMS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  mode: [
    ['min', 'max'],
    ['triangular', 'triangular2', 'exp_range'],
  ],
  thresholdMode: [['rel', 'abs']],
  annealStrategy: [['cos', 'linear']],
  scaleMode: [['cycle', 'iterations']],
};
/** Counters and integer options (lastEpoch is −1 before a scheduler's first step). */
const INTEGERS = new Set([
  'lastEpoch',
  'stepCount',
  'numBadEpochs',
  'cooldownCounter',
  'totalSteps',
  'totalIters',
  'stepSize',
  'patience',
  'cooldown',
  't0',
  'tI',
  'tMult',
]);
/** Arrays with one entry per param group. */
const PER_GROUP = new Set(['baseLrs', 'lastLr', 'minLrs']);
/** Numbers JSON may have written as null (±Infinity): ReduceLROnPlateau's initial `best`. */
const NULLABLE = new Set(['best']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Why `v` cannot replace the field `key` whose current value is `cur`, or null if it can. */
function mismatch(key: string, cur: unknown, v: unknown, groups: number): string | null {
  if (cur === null) return isPlain(v) ? null : 'plain data';
  if (typeof cur === 'number') {
    if (v === null && NULLABLE.has(key)) return null;
    if (typeof v !== 'number') return 'a number';
    return INTEGERS.has(key) && !(Number.isSafeInteger(v) && v >= -1) ? 'an integer ≥ −1' : null;
  }
  if (typeof cur === 'string') {
    const allowed = ENUMS[key]?.find((set) => set.includes(cur));
    if (allowed)
      return allowed.includes(v as string) ? null : allowed.map((a) => `'${a}'`).join(' or ');
    return typeof v === 'string' ? null : 'a string';
  }
  if (typeof cur === 'boolean') return typeof v === 'boolean' ? null : 'true or false';
  // Arrays: every scheduler array holds numbers (lrs, milestones).
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) return 'an array of numbers';
  if (PER_GROUP.has(key) && v.length !== groups)
    return `${groups} numbers (one per param group), not ${v.length}`;
  return null;
}

/**
 * @internal Check `sd` against the plain-data fields of `obj` (every key known, every value of
 * the field's kind) and return copies of its values; `obj` is not touched, so a caller can check
 * several schedulers before assigning any.
 */
export function checkPlainState(
  obj: object,
  sd: unknown,
  where: string,
  groups: number,
): Record<string, unknown> {
  if (!isRecord(sd))
    throw new OptimizerError(
      `${where}: expected a state dict object (from stateDict()), got ${describe(sd)}`,
    );
  const own = plainState(obj);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(sd)) {
    if (!(k in own))
      throw new OptimizerError(
        `${where}: unknown state key ${quote(k)} (expected ${Object.keys(own).join(', ')})`,
      );
    const want = mismatch(k, own[k], v, groups);
    if (want !== null)
      throw new OptimizerError(`${where}: ${k} must be ${want}, got ${describe(v)}`);
    out[k] = plainCopy(v);
  }
  return out;
}

/** @internal Check `sd` fully, then assign it to the keys of `obj` that hold plain data. */
export function loadPlainState(obj: object, sd: unknown, where: string, groups: number): void {
  Object.assign(obj, checkPlainState(obj, sd, where, groups));
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
  /** Number of steps taken since construction (or the last jump), torch's `_step_count`. */
  protected stepCount = 0;
  /** The lrs set by the latest step, one per group. */
  protected lastLr: number[] = [];

  /** @param optimizer - The optimizer whose groups' learning rates this scheduler sets. */
  protected constructor(readonly optimizer: SchedulableOptimizer) {
    checkArgs(OPTIM.LRScheduler, [optimizer], arguments.length);
    for (const g of optimizer.paramGroups) g.initialLr ??= g.lr;
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr!);
  }

  /** The chainable form: next lrs from the groups' current lrs and `lastEpoch`. */
  protected abstract getLr(): number[];
  /** The closed form at `lastEpoch` from `baseLrs`, where torch has one. */
  protected closedForm(): number[] | null {
    return null;
  }

  /** The optimizer's parameter groups. */
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
  /** Restore a `stateDict()`; the whole dict is checked first, so a bad one changes nothing. */
  loadStateDict(sd: Record<string, unknown>): void {
    this._prepareLoad(sd)();
  }

  /** @internal Check `sd` without changing anything; the returned function applies it. */
  _prepareLoad(sd: unknown): () => void {
    const where = `${this.constructor.name}.loadStateDict`;
    const values = checkPlainState(this, sd, where, this.groups.length);
    return () => Object.assign(this, values);
  }
}

// Public methods check their arguments against their specs (check/specs/methods.ts) first.
guardMethods(LRScheduler, SCHEDULER_METHODS);
