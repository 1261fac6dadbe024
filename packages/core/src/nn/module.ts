/**
 * `Module`: the base of every layer and model, shaped like torch.nn.Module.
 *
 * JS has no __setattr__ hook, so a module finds its parameters and children by scanning its own
 * fields in insertion order (a field holding a `Parameter` is a parameter, a field holding a
 * Module is a child). Names that are not valid or idiomatic TS field names (`weight_ih_l0`,
 * `running_mean`) are registered explicitly. State-dict keys are PyTorch's: `fc1.weight`,
 * `0.bias`, `bn.running_mean`.
 */
import { Tensor } from '../tensor.js';
import { forwardScope, keep, tidy } from '../scope.js';
import { noGrad } from '../autograd/mode.js';
import { toDevice } from '../ops/convert.js';
import { checkArgs, sig, takeLayerArgs } from '../check/args.js';
import { planLoad, prepareSources } from './state-dict.js';
import { guardMethods } from '../check/args.js';
import { MODULE_METHODS } from '../check/specs/methods.js';
import { moduleName } from './names.js';
import {
  type ForwardHook,
  type ForwardPreHook,
  type FullBackwardHook,
  addHook,
  callWithHooks,
} from './hooks.js';
import type { RemovableHandle } from '../autograd/hooks.js';

const PARAM = Symbol('flint.parameter');

/**
 * Mark a float tensor as a trainable parameter: it requires grad and is exempt from tidy scopes.
 * @example
 * this.weight = nn.Parameter(fl.zeros([out, inp]));
 */
export function Parameter(t: Tensor, requiresGrad = true): Tensor {
  const p = t.gradFn ? t.detach() : t;
  if (requiresGrad) p.requiresGrad_(true);
  (p as unknown as Record<symbol, boolean>)[PARAM] = true;
  return keep(p);
}

/** Whether `x` is a tensor marked as a parameter by `Parameter()`. */
export function isParameter(x: unknown): x is Tensor {
  return x instanceof Tensor && (x as unknown as Record<symbol, boolean>)[PARAM] === true;
}

/**
 * `m`'s class `forward` in an implicit scope (scope.ts, forwardScope). Bound to `m`, so a detached
 * `layer.forward` still works; the method is looked up on each call, so prototype patches apply.
 */
function scopedForward(m: Module): (...inputs: unknown[]) => unknown {
  return (...inputs) => {
    const proto = Object.getPrototypeOf(m) as { forward: (...a: unknown[]) => unknown };
    return forwardScope(m, () => callWithHooks(m, inputs, (args) => proto.forward.apply(m, args)));
  };
}

const MODULE = sig('nn.Module', {});

/** Options of `Module.loadStateDict`. */
export interface LoadOptions {
  /** Require exactly the module's keys (default true). */
  strict?: boolean;
}
/**
 * What `Module.loadStateDict` did not match (both empty under `strict`), as PyTorch's return value.
 */
export interface LoadResult {
  /** The module's keys absent from the state dict. */
  missingKeys: string[];
  /** The state dict's keys the module does not have. */
  unexpectedKeys: string[];
}

export abstract class Module {
  /** Training mode (dropout active, batch norm uses batch statistics). */
  training = true;
  private readonly _registered = {
    params: new Map<string, Tensor | null>(),
    buffers: new Map<string, Tensor | null>(),
    modules: new Map<string, Module>(),
  };

  /**
   * The layer's computation, called as `m.forward(x)`; runs in an implicit scope that frees its
   * intermediates. Subclasses implement it.
   */
  abstract forward(...inputs: unknown[]): unknown;

  constructor() {
    // A built-in layer's constructor arguments, for Model.save (train/archive.ts); null for
    // other classes. Taken before this constructor's own check, which would replace them.
    // Non-enumerable: not a field of the module (ownFields, stateDict).
    Object.defineProperty(this, '_layerArgs', { value: takeLayerArgs(new.target.name) });
    // A subclass without a constructor hands its arguments on to here, where nothing reads them.
    checkArgs(MODULE, [], arguments.length);
    // Every forward runs in an implicit scope that frees its intermediates (scope.ts, forwardScope),
    // so a training loop written without fl.tidy stays flat. An own, non-enumerable property: it
    // is not a field (ownFields, stateDict), and a subclass's own `forward` field still replaces it.
    Object.defineProperty(this, 'forward', {
      value: scopedForward(this),
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }

  /** Register a parameter under a name that is not a field (e.g. `weight_ih_l0`). */
  registerParameter(name: string, t: Tensor | null): Tensor | null {
    const p = t === null ? null : isParameter(t) ? t : Parameter(t);
    this._registered.params.set(name, p);
    return p;
  }
  /** Register non-trainable state saved in the state dict (e.g. `running_mean`). */
  registerBuffer(name: string, t: Tensor | null): Tensor | null {
    if (t) keep(t);
    this._registered.buffers.set(name, t);
    return t;
  }
  /** Register a child module under a name that is not a field (as `ModuleList` does); returns it. */
  addModule(name: string, m: Module): Module {
    this._registered.modules.set(name, m);
    return m;
  }
  /** @internal Replace a registered buffer (BatchNorm's running statistics). */
  protected setBuffer(name: string, t: Tensor): void {
    const old = this._registered.buffers.get(name);
    this._registered.buffers.set(name, keep(t));
    old?.dispose();
  }
  /** The buffer registered under `name`, or null. */
  protected buffer(name: string): Tensor | null {
    return this._registered.buffers.get(name) ?? null;
  }

  private ownFields(): [string, unknown][] {
    return Object.entries(this).filter(([k]) => k !== 'training' && k !== '_registered');
  }
  private ownParams(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [k, v] of this.ownFields()) if (isParameter(v)) out.push([k, v]);
    for (const [k, v] of this._registered.params) if (v) out.push([k, v]);
    return out;
  }
  private ownBuffers(): [string, Tensor][] {
    return [...this._registered.buffers].filter((e): e is [string, Tensor] => e[1] !== null);
  }

  /** Direct children with their names. */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [k, v] of this.ownFields()) if (v instanceof Module) out.push([k, v]);
    for (const e of this._registered.modules) out.push(e);
    return out;
  }
  /** Direct children (fields and registered modules). */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }
  /** This module and all descendants, depth first. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [k, m] of this.namedChildren())
      out.push(...m.namedModules(prefix ? `${prefix}.${k}` : k));
    return out;
  }
  /** This module and all descendants, depth first. */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }
  /** Every parameter with its state-dict key (`fc1.weight`); a shared one is listed once. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const seen = new Set<Tensor>();
    const out: [string, Tensor][] = [];
    for (const [path, m] of this.namedModules(prefix))
      for (const [k, p] of m.ownParams()) {
        if (seen.has(p)) continue; // shared parameters are listed once, as torch does
        seen.add(p);
        out.push([path ? `${path}.${k}` : k, p]);
      }
    return out;
  }
  /** Every parameter of this module and its descendants (what an optimizer takes). */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }
  /** Every buffer (e.g. `bn.running_mean`) with its state-dict key. */
  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [path, m] of this.namedModules(prefix))
      for (const [k, b] of m.ownBuffers()) out.push([path ? `${path}.${k}` : k, b]);
    return out;
  }
  /** Every buffer of this module and its descendants. */
  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b);
  }
  /** Number of trainable scalars. */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  /** Set training mode (`false`: eval mode) on this module and its descendants. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }
  /** Eval mode: dropout off, batch norm on its running statistics. Same as `train(false)`. */
  eval(): this {
    return this.train(false);
  }
  /** Call `fn` on every module (children first), e.g. for custom initialisation. */
  apply(fn: (m: Module) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }
  /** Reset the gradients of all parameters. */
  zeroGrad(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.grad = null;
    }
  }
  /**
   * Free every parameter and buffer (with their gradients), children included: the module is
   * unusable afterwards (its forward throws DisposedTensorError). Idempotent. An optimizer over
   * these parameters keeps its own state tensors until it is dropped.
   * @example
   * model.dispose(); // or fl.dispose(model)
   */
  dispose(): void {
    for (const t of [...this.parameters(), ...this.buffers()]) t.dispose();
  }
  /** Move every parameter and buffer to `device` (in place, like torch). */
  to(device: string): this {
    noGrad(() => {
      for (const t of [...this.parameters(), ...this.buffers()]) {
        if (t.device === device) continue;
        const moved = toDevice(t, device);
        t._moveTo(moved);
        moved.dispose();
      }
    });
    return this;
  }

  /**
   * Every parameter and buffer by key in torch's state_dict order: each module's parameters, then
   * its buffers, then its children's; a shared tensor appears under each of its names, as in torch.
   */
  private stateEntries(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [path, m] of this.namedModules())
      for (const [k, t] of [...m.ownParams(), ...m.ownBuffers()])
        out.push([path ? `${path}.${k}` : k, t]);
    return out;
  }

  /** Parameters and buffers by PyTorch key (detached views; they share data with the module). */
  stateDict(): Record<string, Tensor> {
    return Object.fromEntries(this.stateEntries());
  }

  /**
   * Copy values from a state dict (PyTorch keys; shapes must match exactly; values are cast to
   * the layer's dtype and copied to its device). All or nothing: every key, value, shape and dtype
   * is checked before the first write, so a failed load leaves the module as it was.
   * @example
   * model.loadStateDict(await fl.load('model.safetensors'));
   * const { missingKeys } = model.loadStateDict(partial, { strict: false });
   */
  loadStateDict(sd: Record<string, Tensor>, opts: LoadOptions = {}): LoadResult {
    const where = `${moduleName(this)}.loadStateDict`;
    const plan = planLoad(where, new Map(this.stateEntries()), sd, opts);
    noGrad(() =>
      tidy(() => {
        const sources = prepareSources(plan);
        plan.copies.forEach((c, i) => void c.dst.copy_(sources[i]!));
      }),
    );
    return { missingKeys: plan.missingKeys, unexpectedKeys: plan.unexpectedKeys };
  }

  /**
   * Call `hook(module, inputs)` before each forward; it may return new inputs (an array is the
   * argument list). Returns a handle whose `remove()` unregisters it (torch's
   * `register_forward_pre_hook`).
   */
  registerForwardPreHook(hook: ForwardPreHook): RemovableHandle {
    return addHook(this, 'pre', hook);
  }
  /**
   * Call `hook(module, inputs, output)` after each forward; it may return a replacement output
   * (torch's `register_forward_hook`).
   * @example
   * const h = layer.registerForwardHook((_m, _inputs, out) => console.log((out as Tensor).shape));
   * h.remove();
   */
  registerForwardHook(hook: ForwardHook): RemovableHandle {
    return addHook(this, 'fwd', hook);
  }
  /**
   * Call `hook(module, gradInput, gradOutput)` when the gradients of the module's tensor inputs
   * are computed; it may return replacements for `gradInput` (torch's
   * `register_full_backward_hook`). Outputs must be a tensor or an array of tensors.
   */
  registerFullBackwardHook(hook: FullBackwardHook): RemovableHandle {
    return addHook(this, 'bwd', hook);
  }

  /** The class name and constructor arguments shown by toString (override in layers). */
  extraRepr(): string {
    return '';
  }
  /** A PyTorch-style tree of the module and its children. */
  toString(): string {
    const children = this.namedChildren();
    const head = `${moduleName(this)}(${this.extraRepr()}`;
    if (children.length === 0) return `${head})`;
    const lines = children.map(([k, m]) => `  (${k}): ${m.toString().split('\n').join('\n  ')}`);
    return `${head}\n${lines.join('\n')}\n)`;
  }
}

// Public methods check their arguments against their specs (check/specs/methods.ts) first.
guardMethods(Module, MODULE_METHODS);
