/**
 * Module hooks, as torch.nn.Module's: forward pre-hooks (may replace the inputs), forward hooks
 * (may replace the output) and full backward hooks (see the gradients of the module's tensor
 * inputs and outputs, may replace the inputs' gradients). Kept in a WeakMap, not on the module,
 * so they are no field of it (a module's fields are its parameters and children).
 *
 * A backward hook works as torch's: the tensor inputs that require grad go through an identity
 * Function before forward, the tensor outputs through another after it. Backward reaches the
 * outputs' one first (it records grad_output), then the inputs' one, which calls the hooks with
 * (grad_input, grad_output) and passes on what they return.
 */
import { ArgumentError } from '../errors.js';
import { describe } from '../check/describe.js';
import { isGradEnabled } from '../autograd/mode.js';
import { applyFunction, type FunctionCtx } from '../autograd/function.js';
import type { RemovableHandle } from '../autograd/hooks.js';
import { isTensor, type Tensor } from '../tensor.js';
import type { Module } from './module.js';

/** `hook(module, inputs)`: return nothing, or the new inputs (an array is the argument list). */
export type ForwardPreHook = (module: Module, inputs: unknown[]) => unknown;
/** `hook(module, inputs, output)`: return nothing, or a replacement output. */
export type ForwardHook = (module: Module, inputs: unknown[], output: unknown) => unknown;
/**
 * `hook(module, gradInput, gradOutput)`: gradients of the module's tensor inputs (null where an
 * input needs none) and outputs, in order; return nothing, or replacements for `gradInput`.
 */
export type FullBackwardHook = (
  module: Module,
  gradInput: (Tensor | null)[],
  gradOutput: (Tensor | null)[],
) => (Tensor | null)[] | void | null | undefined;

interface Hooks {
  pre: { fn: ForwardPreHook }[];
  fwd: { fn: ForwardHook }[];
  bwd: { fn: FullBackwardHook }[];
}

const registry = new WeakMap<Module, Hooks>();

/** Register `fn` in `m`'s list `kind`; returns its handle. */
export function addHook<K extends keyof Hooks>(
  m: Module,
  kind: K,
  fn: Hooks[K][number]['fn'],
): RemovableHandle {
  let h = registry.get(m);
  if (!h) registry.set(m, (h = { pre: [], fwd: [], bwd: [] }));
  const list = h[kind] as { fn: unknown }[];
  const e = { fn };
  list.push(e);
  return {
    remove: () => {
      const i = list.indexOf(e);
      if (i >= 0) list.splice(i, 1);
    },
  };
}

/** `run(inputs)` (the module's forward) with `m`'s hooks around it. */
export function callWithHooks(
  m: Module,
  inputs: unknown[],
  run: (args: unknown[]) => unknown,
): unknown {
  const h = registry.get(m);
  if (!h || h.pre.length + h.fwd.length + h.bwd.length === 0) return run(inputs);
  let args = inputs;
  for (const { fn } of [...h.pre]) {
    const r = fn(m, args);
    if (r !== undefined && r !== null) args = Array.isArray(r) ? r : [r];
  }
  const bwd = h.bwd.length > 0 && isGradEnabled() ? new BackwardHooks(m, h) : null;
  if (bwd) args = bwd.wrapInputs(args);
  let out = run(args);
  for (const { fn } of [...h.fwd]) {
    const r = fn(m, args, out);
    if (r !== undefined) out = r;
  }
  return bwd ? bwd.wrapOutputs(out) : out;
}

/** Identity on tensors, with `onBackward` called on the gradients (whose result it returns). */
function identity(
  name: string,
  xs: Tensor[],
  onBackward: (gs: (Tensor | null)[]) => (Tensor | null)[],
): Tensor[] {
  const cls = {
    name,
    forward: (_ctx: FunctionCtx, ...ts: Tensor[]) => ts,
    backward: (_ctx: FunctionCtx, ...gs: (Tensor | null)[]) => onBackward(gs),
  };
  return applyFunction(cls, xs) as Tensor[];
}

class BackwardHooks {
  private gradOutput: (Tensor | null)[] | null = null;
  private inputsWrapped = false;
  private nInputs = 0;

  constructor(
    private readonly m: Module,
    private readonly hooks: Hooks,
  ) {}

  private call(gradInput: (Tensor | null)[]): (Tensor | null)[] {
    let gi = gradInput;
    for (const { fn } of [...this.hooks.bwd]) {
      const r = fn(this.m, gi, this.gradOutput ?? []);
      if (r === undefined || r === null) continue;
      if (!Array.isArray(r) || r.length !== gi.length || !r.every((g) => g === null || isTensor(g)))
        throw new ArgumentError(
          `Module full backward hook: must return nothing or an array of ${gi.length} Tensors or nulls (one per tensor input), got ${describe(r)}`,
        );
      gi = r;
    }
    return gi;
  }

  wrapInputs(args: unknown[]): unknown[] {
    const at = args.flatMap((a, i) => (isTensor(a) ? [i] : []));
    this.nInputs = at.length;
    const need = at.filter((i) => (args[i] as Tensor).requiresGrad);
    if (need.length === 0) return args;
    this.inputsWrapped = true;
    const wrapped = identity(
      'BackwardHookFunction',
      need.map((i) => args[i] as Tensor),
      (gs) => {
        // grad_input over every tensor input, null where none is needed
        const full = at.map((i) => (need.includes(i) ? gs[need.indexOf(i)]! : null));
        const got = this.call(full);
        return need.map((i) => got[at.indexOf(i)]!);
      },
    );
    const out = [...args];
    need.forEach((i, k) => (out[i] = wrapped[k]));
    return out;
  }

  wrapOutputs(out: unknown): unknown {
    const list = isTensor(out) ? [out] : Array.isArray(out) ? out : null;
    if (list === null)
      throw new ArgumentError(
        `Module full backward hook: the forward output must be a Tensor or an array of them, got ${describe(out)}`,
      );
    const at = list.flatMap((t, i) => (isTensor(t) && t.requiresGrad ? [i] : []));
    if (at.length === 0) return out;
    const wrapped = identity(
      'BackwardHookFunction',
      at.map((i) => list[i] as Tensor),
      (gs) => {
        // Views: the pass frees the gradients it hands on once used, and the inputs' hooks
        // (later in the pass) still read these.
        this.gradOutput = list.map((_, i) => {
          const g = at.includes(i) ? gs[at.indexOf(i)] : null;
          return g ? g.reshape(g.shape) : null;
        });
        // No input needs a gradient: the hooks run now, with grad_input all null (as torch).
        if (!this.inputsWrapped) this.call(Array.from({ length: this.nInputs }, () => null));
        return gs;
      },
    );
    if (isTensor(out)) return wrapped[0];
    const res = [...list];
    at.forEach((i, k) => (res[i] = wrapped[k]));
    return res;
  }
}
