/**
 * The optimizer base: parameter groups, per-parameter state, `zeroGrad` and `step`. Each concrete
 * optimizer only validates its options, creates a parameter's state and supplies one
 * `update(p, grad, state, group)`; that single function is what a backend's fused kernel
 * (`sgdStep`, `adamStep`) would replace, so keep all of an optimizer's math inside it.
 */
import { Tensor } from '../tensor.js';
import { tidy } from '../scope.js';
import { enableGrad, noGrad } from '../autograd/mode.js';
import { DisposedTensorError, fmtShape } from '../errors.js';
import { OptimizerError } from './errors.js';
import { describe } from '../check/describe.js';
import {
  disposeState,
  exportState,
  importState,
  type OptimizerStateDict,
  type StateDictOptions,
  type StateSpec,
} from './state-dict.js';
import { guardMethods } from '../check/args.js';
import { OPTIMIZER_METHODS } from '../check/specs/methods.js';

/** Fields every parameter group has, whatever the optimizer. */
export interface GroupBase {
  /** The parameters this group updates. */
  params: Tensor[];
  /** Learning rate; edit it freely between steps (schedulers do). */
  lr: number;
  /** The lr when the first scheduler was attached (torch's `initial_lr`). */
  initialLr?: number;
  /** OneCycleLR bookkeeping (torch's `max_lr`, `min_lr`, `max_momentum`, `base_momentum`). */
  maxLr?: number;
  /** The lowest lr of the OneCycleLR cycle (torch's `min_lr`). */
  minLr?: number;
  /** Momentum at the ends of the OneCycleLR cycle (torch's `max_momentum`). */
  maxMomentum?: number;
  /** Momentum at the OneCycleLR lr peak (torch's `base_momentum`). */
  baseMomentum?: number;
}

/** A parameter group after merging the optimizer's defaults. */
export type ParamGroup<O> = GroupBase & O;
/** A parameter group as given to a constructor: its parameters and any options that differ. */
export type ParamGroupInit<O> = {
  /** The group's parameters (leaf tensors; each in one group only). */
  params: readonly Tensor[];
} & Partial<O>;
/** What optimizers accept: a flat parameter list, or parameter groups with per-group options. */
export type Params<O> = readonly Tensor[] | readonly ParamGroupInit<O>[];

/** Per-parameter state: tensors (kept, owned by the optimizer), step counts, or null. */
export type StateValue = Tensor | number | null;

/** `o` without its undefined entries, so `{ lr: undefined }` keeps the default (spread would not). */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A non-negative number (NaN fails). @internal */
export const nonNegative = (v: unknown): boolean => typeof v === 'number' && v >= 0;
/** A number in [0, 1). @internal */
export const inUnit = (v: unknown): boolean => typeof v === 'number' && v >= 0 && v < 1;
/** A boolean option. @internal */
export const isBool = (v: unknown): boolean => typeof v === 'boolean';

/** The scheduler bookkeeping a group may carry; each a number when present. */
const SCHEDULER_KEYS = ['initialLr', 'maxLr', 'minLr', 'maxMomentum', 'baseMomentum'] as const;

/** Options a group sets itself; validation rules that torch applies only to explicit options use it. */
export type OwnOptions = ReadonlySet<string>;
const NONE: OwnOptions = new Set();

function isGroupList<O>(
  xs: readonly (Tensor | ParamGroupInit<O>)[],
): xs is readonly ParamGroupInit<O>[] {
  return xs.length > 0 && !(xs[0] instanceof Tensor);
}

/**
 * Base class of every optimizer. Subclasses pass their name and defaults and implement
 * `validate`, `initState` and `update`.
 */
export abstract class Optimizer<O extends object, S extends object> {
  /** The options a group gets unless it sets its own. */
  readonly defaults: Readonly<O>;
  /** Parameter groups with their merged options; `lr` and the other options are editable. */
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state, created on a parameter's first update (Adagrad: at construction). */
  readonly state = new Map<Tensor, S>();

  protected constructor(
    /** The optimizer's name, used in error messages. */
    readonly name: string,
    params: Params<O>,
    defaults: O,
    options: Partial<O>,
  ) {
    this.defaults = { ...defaults, ...definedOnly(options) };
    // torch checks the constructor's options as given, so all of them count as set explicitly.
    this.validate(this.defaults as ParamGroup<O>, name, new Set(Object.keys(this.defaults)));
    const list = [...(params as readonly (Tensor | ParamGroupInit<O>)[])];
    if (list.length === 0) throw new OptimizerError(`${name}: got an empty parameter list`);
    if (isGroupList(list)) for (const g of list) this.addParamGroup(g);
    else this.addParamGroup({ params: list as Tensor[] } as unknown as ParamGroupInit<O>);
  }

  /**
   * Check one group's options; throw via `need` naming `where`. `own` lists the options this
   * group set itself (empty for a group loaded from a state dict), for rules that torch checks
   * only where an option is given (SGD's nesterov).
   */
  protected abstract validate(group: ParamGroup<O>, where: string, own: OwnOptions): void;
  /**
   * What each per-parameter state key holds, checked by loadStateDict. Without one (a custom
   * optimizer), `step` must be a count and every other value a tensor of the parameter's shape.
   */
  protected stateSpec(): StateSpec | null {
    return null;
  }
  /** Fresh state of `p` (tensors must be `keep`-ed: they outlive the step's tidy). */
  protected abstract initState(p: Tensor, group: ParamGroup<O>): S;
  /** Update `p` in place from `grad`; runs under noGrad inside a tidy. */
  protected abstract update(p: Tensor, grad: Tensor, state: S, group: ParamGroup<O>): void;

  /**
   * Add a group of parameters with its own options (e.g. unfreezing layers while training).
   * @example
   * opt.addParamGroup({ params: head.parameters(), lr: 1e-3 });
   */
  addParamGroup(group: ParamGroupInit<O>): void {
    const at = `${this.name} (param group ${this.paramGroups.length})`;
    if (!Array.isArray(group.params) || group.params.length === 0)
      throw new OptimizerError(`${at}: params must be a non-empty array of tensors`);
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    for (const p of group.params) {
      if (!(p instanceof Tensor))
        throw new OptimizerError(`${at}: params must be tensors, got ${typeof p}`);
      if (!p.isLeaf)
        throw new OptimizerError(
          `${at}: can't optimize a non-leaf tensor; pass a leaf (e.g. x.detach().requiresGrad_())`,
        );
      if (seen.has(p))
        throw new OptimizerError(`${at}: some parameters appear in more than one parameter group`);
      seen.add(p);
    }
    const { params, ...own } = group;
    const options = { ...this.defaults, ...definedOnly(own) } as Record<string, unknown>;
    // Own copies of array options (betas), so editing one group never changes another.
    for (const [k, v] of Object.entries(options)) if (Array.isArray(v)) options[k] = [...v];
    const merged = { ...options, params: [...params] } as ParamGroup<O>;
    this.validate(merged, at, new Set(Object.keys(definedOnly(own))));
    this.paramGroups.push(merged);
  }

  /**
   * Reset gradients: dispose each `.grad` and set it to null (the default), or fill it with zeros.
   * @example
   * opt.zeroGrad();
   */
  zeroGrad(setToNone = true): void {
    for (const g of this.paramGroups)
      for (const p of g.params) {
        if (!p.grad) continue;
        if (setToNone) {
          p.grad.dispose();
          p.grad = null;
        } else noGrad(() => p.grad!.zero_());
      }
  }

  /**
   * One update of every parameter that has a gradient (parameters whose `.grad` is null are
   * skipped). Parameters change in place, so modules keep their references. `closure`, if given,
   * re-evaluates the model and returns the loss, which `step` returns.
   * @example
   * const loss = model.forward(x).sub(y).square().mean();
   * loss.backward();
   * opt.step();
   * opt.zeroGrad();
   */
  step<T = undefined>(closure?: () => T): T | undefined {
    const loss = closure ? enableGrad(closure) : undefined;
    this.checkLive('step');
    // One scope per parameter: a composite update's temporaries go before the next parameter's
    // are made, so the step's peak holds one parameter's worth of them, not every parameter's.
    noGrad(() => {
      for (const group of this.paramGroups)
        for (const p of group.params)
          if (p.grad) tidy(() => this.update(p, p.grad!, this.stateOf(p, group), group));
    });
    return loss;
  }

  /**
   * Throw before anything is updated if a parameter or its gradient was disposed: a disposed
   * parameter has no `.grad`, so the loop would otherwise skip it silently and train the rest.
   */
  private checkLive(op: string): void {
    this.paramGroups.forEach((g, gi) =>
      g.params.forEach((p, i) => {
        const what = `parameter ${i} of param group ${gi} (shape ${fmtShape(p.shape)})`;
        if (p.disposed)
          throw new DisposedTensorError(
            `${this.name}.${op}: ${what} was disposed; an optimizer cannot update a disposed tensor (build a new optimizer over the live parameters)`,
          );
        if (p.grad?.disposed)
          throw new DisposedTensorError(
            `${this.name}.${op}: the gradient of ${what} was disposed; reset gradients with zeroGrad() instead of disposing them`,
          );
      }),
    );
  }

  /** The state of `p`, created on first use. */
  protected stateOf(p: Tensor, group: ParamGroup<O>): S {
    let s = this.state.get(p);
    if (!s) {
      s = noGrad(() => this.initState(p, group));
      this.state.set(p, s);
    }
    return s;
  }

  /**
   * A snapshot of the state, shaped like torch's `optimizer.state_dict()`:
   * `{ state: { [paramIndex]: { step, expAvg, … } }, param_groups: [{ lr, …, params: [indices] }] }`.
   * Keys are camelCase, or torch's snake_case with `{ keys: 'torch' }`. The tensors are copies the
   * caller owns (dispose them, or take the snapshot inside `fl.tidy`).
   * @example
   * const sd = opt.stateDict({ keys: 'torch' }); // { state: { 0: { exp_avg, … } }, param_groups: [...] }
   */
  stateDict(opts: StateDictOptions = {}): OptimizerStateDict {
    return exportState(
      this.paramGroups,
      this.state as Map<Tensor, Record<string, StateValue>>,
      opts,
    );
  }

  /**
   * Replace the state and group options with a state dict from `stateDict()` (either key style),
   * or torch's `state_dict()` converted to plain values; tensors (or nested arrays, or numbers for
   * a one-element parameter) are copied onto each parameter's device and dtype. The group layout
   * (count and sizes) must match. All or nothing: the whole dict is checked first, and a failure
   * leaves the optimizer exactly as it was.
   * @example
   * opt.loadStateDict(saved);
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const where = `${this.name}.loadStateDict`;
    const next = importState(where, this.paramGroups, sd, this.stateSpec());
    try {
      // Options missing from the saved groups (e.g. from an older torch) keep this optimizer's defaults.
      next.groups = next.groups.map((g) => {
        const merged: Record<string, unknown> = { ...this.defaults, ...g };
        for (const [k, v] of Object.entries(merged)) if (Array.isArray(v)) merged[k] = [...v];
        return merged as unknown as GroupBase;
      });
      next.groups.forEach((g, i) => {
        const at = `${where} (param group ${i})`;
        this.validate(g as ParamGroup<O>, at, NONE);
        for (const k of SCHEDULER_KEYS)
          if (g[k] !== undefined && !(typeof g[k] === 'number' && Number.isFinite(g[k])))
            throw new OptimizerError(`${at}: ${k} must be a finite number, got ${describe(g[k])}`);
      });
    } catch (e) {
      disposeState(next.state);
      throw e;
    }
    this.dispose();
    for (const [p, s] of next.state) this.state.set(p, s as S);
    this.paramGroups.splice(0, this.paramGroups.length, ...(next.groups as ParamGroup<O>[]));
  }

  /** Free every state tensor; the optimizer can still step (state is recreated from zero). */
  dispose(): void {
    disposeState(this.state as Map<Tensor, Record<string, StateValue>>);
    this.state.clear();
  }
}

// Public methods check their arguments against their specs (check/specs/methods.ts) first.
guardMethods(Optimizer, OPTIMIZER_METHODS);
