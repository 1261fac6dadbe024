/**
 * Custom autograd functions, as torch.autograd.Function: a class with static `forward(ctx, …)`
 * and `backward(ctx, …gradOutputs)`, called through `MyFn.apply(…)`. Forward runs without
 * recording (its ops are not on the tape); one tape node then stands for the whole call, and its
 * rule is the user's backward. Tensors saved with `ctx.saveForBackward` are aliases owned by that
 * node, so they are freed with the graph like any op's saved tensors.
 */
import { ArgumentError, FlintError, GradError } from '../errors.js';
import { describe } from '../check/describe.js';
import { checkArgs, sig } from '../check/args.js';
import { tidy } from '../scope.js';
import { isTensor, type Tensor } from '../tensor.js';
import { isGradEnabled, noGrad } from './mode.js';
import { Node, type Edge, type GradCtx, type GradRule } from './node.js';
import { alias } from './record.js';
import { checkGradients } from './function-grads.js';
import { type Pack, packedOutputs } from './function-pack.js';

/** What `backward` may return for one input: its gradient, or null (none / not differentiable). */
export type GradValue = Tensor | null | undefined;

/**
 * The context of one `apply` call: what forward saves for backward, and which inputs need a
 * gradient. Other fields may be set freely (`ctx.scale = 2`) for backward to read, as in torch.
 */
export class FunctionCtx {
  [field: string]: unknown;
  /** For each argument of `apply`: whether it is a tensor whose gradient is needed. */
  readonly needsInputGrad: readonly boolean[];
  /** @internal Tensors passed to saveForBackward (null kept as a hole). */
  _toSave: (Tensor | null)[] = [];
  /** @internal The node's aliases of them, once recorded; null before, [] after release. */
  _saved: (Tensor | null)[] | null = null;
  /** @internal For each saved tensor, the index of the output it is, or −1. */
  _savedOut: number[] = [];
  /** @internal The node, to tell a freed graph from one still live. */
  _node: Node | null = null;

  constructor(needsInputGrad: readonly boolean[]) {
    this.needsInputGrad = needsInputGrad;
  }

  /**
   * Keep tensors (inputs, outputs or intermediates of forward) for backward; call it once in
   * forward. They are freed with the graph.
   */
  saveForBackward(...tensors: (Tensor | null)[]): void {
    tensors.forEach((t, i) => {
      if (t !== null && !isTensor(t))
        throw new ArgumentError(
          `FunctionCtx.saveForBackward: argument ${i} must be a Tensor or null, got ${describe(t)}`,
        );
    });
    this._toSave = tensors;
  }

  /** The tensors saved by forward, in order (readable in backward). */
  get savedTensors(): (Tensor | null)[] {
    if (this._node?.freed)
      throw new GradError(
        'FunctionCtx.savedTensors: the saved tensors were freed after backward; pass { retainGraph: true } to backward through the graph again',
      );
    return this._saved ?? this._toSave;
  }
}

const FUNCTION_SIG = sig('Function', {});

type AnyFn = (ctx: FunctionCtx, ...args: never[]) => unknown;
/** The arguments of `apply`: those of `forward` after `ctx`. */
export type ApplyArgs<F> = F extends (ctx: FunctionCtx, ...args: infer A) => unknown ? A : never;

interface FunctionClass {
  name: string;
  forward: AnyFn;
  backward: AnyFn;
}

/**
 * Base class of custom autograd functions (torch.autograd.Function). Subclass it with static
 * `forward` and `backward`, then call `MyFn.apply(...)`. Forward returns a tensor or an array
 * of tensors; backward gets one gradient per output (zeros for outputs that were not used, null
 * for non-float ones) and returns one gradient (or null) per argument of apply.
 * @example
 * class Exp extends fl.autograd.Function {
 *   static override forward(ctx: fl.autograd.FunctionCtx, x: fl.Tensor): fl.Tensor {
 *     const y = x.exp();
 *     ctx.saveForBackward(y);
 *     return y;
 *   }
 *   static override backward(ctx: fl.autograd.FunctionCtx, g: fl.Tensor): fl.Tensor {
 *     const [y] = ctx.savedTensors;
 *     return g.mul(y!);
 *   }
 * }
 * const x = fl.tensor([0, 1], { requiresGrad: true });
 * Exp.apply(x).sum().backward(); // x.grad = exp(x)
 */
export class Function {
  /** Function subclasses are used through their static `apply`; an instance holds nothing. */
  constructor() {
    checkArgs(FUNCTION_SIG, [], arguments.length);
  }
  /** The computation; `ctx` carries what backward needs. Override in a subclass. */
  static forward(ctx: FunctionCtx, ...args: unknown[]): unknown {
    void ctx;
    void args;
    throw new FlintError(`${this.name}.forward: a Function subclass must define static forward`);
  }
  /** Gradients of the inputs from those of the outputs. Override in a subclass. */
  static backward(ctx: FunctionCtx, ...gradOutputs: unknown[]): unknown {
    void ctx;
    void gradOutputs;
    throw new FlintError(`${this.name}.backward: a Function subclass must define static backward`);
  }
  /** Run forward on `args` and record one tape node whose gradient rule is backward. */
  static apply<C extends FunctionClass>(
    this: C,
    ...args: ApplyArgs<C['forward']>
  ): ReturnType<C['forward']> {
    return applyFunction(this, args as unknown[]) as ReturnType<C['forward']>;
  }
}

/** Outputs as a list; throws unless forward returned a tensor or an array of tensors. */
function outputsOf(name: string, out: unknown): { list: Tensor[]; single: boolean } {
  if (isTensor(out)) return { list: [out], single: true };
  if (Array.isArray(out) && out.length > 0 && out.every(isTensor))
    return { list: out as Tensor[], single: false };
  throw new ArgumentError(
    `${name}.forward must return a Tensor or a non-empty array of Tensors, got ${describe(out)}`,
  );
}

/**
 * An output that is an input, or that already belongs to a graph, gets a fresh alias: the
 * function's node must not replace the gradFn of a tensor the caller holds.
 */
function ownOutput(t: Tensor, inputs: readonly Tensor[]): Tensor {
  if (!inputs.includes(t) && !t.requiresGrad && t.gradFn === null) return t;
  return noGrad(() => t.detach());
}

/** @internal `Cls.apply(...args)`. */
export function applyFunction(cls: FunctionClass, given: readonly unknown[]): unknown {
  const name = cls.name || 'Function';
  // Trailing undefined arguments are ones not given (a wrapper passing optional parameters on).
  let n = given.length;
  while (n > 0 && given[n - 1] === undefined) n--;
  const args = given.slice(0, n);
  const tensorAt = args.flatMap((a, i) => (isTensor(a) ? [i] : []));
  const inputs = tensorAt.map((i) => args[i] as Tensor);
  const grad = isGradEnabled() && inputs.some((t) => t.requiresGrad);
  const ctx = new FunctionCtx(args.map((a) => grad && isTensor(a) && a.requiresGrad));
  const { list, single } = tidy(() => {
    const out = outputsOf(
      name,
      noGrad(() => cls.forward(ctx, ...(args as never[]))),
    );
    // Aliases are taken before the scope ends, so intermediates saved by forward outlive it;
    // a saved output is saved without its graph (it has none yet), as torch saves outputs.
    ctx._savedOut = ctx._toSave.map((t) => (t === null ? -1 : out.list.indexOf(t)));
    ctx._saved = ctx._toSave.map((t, k) => (t === null ? null : alias(t, ctx._savedOut[k]! < 0)));
    return { list: out.list.map((t) => ownOutput(t, inputs)), single: out.single };
  });
  ctx._toSave = [];
  const pack = grad ? packedOutputs(list) : null;
  if (pack === null) {
    // Nothing to differentiate (no input needs a gradient, or no output is float): no node.
    for (const t of ctx._saved!) t?.dispose();
    ctx._saved = [];
  } else recordFunction(name, cls, ctx, args, tensorAt, inputs, pack);
  return single ? list[0] : list;
}

function recordFunction(
  name: string,
  cls: FunctionClass,
  ctx: FunctionCtx,
  args: readonly unknown[],
  tensorAt: readonly number[],
  inputs: readonly Tensor[],
  pack: Pack,
): void {
  const edges: (Edge | null)[] = inputs.map((t) =>
    !t.requiresGrad ? null : t.gradFn ? { node: t.gradFn } : { leaf: t._leaf ?? t },
  );
  // Only metadata: the backward pass must not keep (or need) the inputs themselves alive.
  const argInfo = args.map((a) => (isTensor(a) ? null : describe(a)));
  const metas = inputs.map((t, k) => ({
    shape: t.shape,
    dtype: t.dtype,
    device: t.device,
    needsGrad: edges[k] !== null,
  }));
  const rule: GradRule<never> = {
    userCode: true,
    grad: (g) => {
      const grads = pack.split(g);
      const result = withSavedOutputGraph(ctx, pack, () =>
        cls.backward(ctx, ...(grads as never[])),
      );
      return checkGradients(name, result, argInfo, tensorAt, metas);
    },
  };
  const gctx: GradCtx<unknown> = {
    inputs: [],
    out: undefined,
    params: undefined,
    shapes: inputs.map((t) => t.shape),
    dtypes: inputs.map((t) => t.dtype),
    needs: edges.map((e) => e !== null),
    aux: [],
  };
  const saved = ctx._saved!.filter((t): t is Tensor => t !== null);
  const node = new Node(`${name}Backward`, edges, rule, gctx, saved);
  ctx._node = node;
  pack.attach(node, name);
}

/**
 * Under createGraph, a saved output stands for the output again while backward runs (its
 * gradFn is the output's node), so a backward written with differentiable ops is differentiable
 * in the output too; torch re-attaches saved outputs the same way.
 */
function withSavedOutputGraph<T>(ctx: FunctionCtx, pack: Pack, fn: () => T): T {
  const linked: Tensor[] = [];
  if (isGradEnabled())
    ctx._savedOut.forEach((i, k) => {
      const a = ctx._saved?.[k];
      const node = i >= 0 ? pack.nodeOf(i) : null;
      if (a && node && !a.disposed) {
        a._setGradFn(node);
        linked.push(a);
      }
    });
  try {
    return fn();
  } finally {
    for (const a of linked) {
      a._setGradFn(null);
      a.requiresGrad = false;
    }
  }
}

/** Saves tensors for the gradient function of `customGrad` (tfjs's `save`). */
export type SaveFunc = (tensors: Tensor[]) => void;

/** What the function given to `customGrad` returns. */
export interface CustomGradResult<T extends Tensor | Tensor[]> {
  /** The output(s). */
  value: T;
  /**
   * Gradients of the inputs (one per input, or a tensor for one input) from the gradient `dy`
   * of the output (an array for several outputs) and the tensors passed to `save`.
   */
  gradFunc: (dy: T, saved: Tensor[]) => Tensor | (Tensor | null)[];
}

/**
 * tfjs-style custom gradient: `f(...inputs, save)` returns `{ value, gradFunc }`; the result is
 * a function of the inputs whose gradient is `gradFunc` (a `Function` underneath).
 * @example
 * const square = fl.customGrad((x: fl.Tensor, save: fl.autograd.SaveFunc) => {
 *   save([x]);
 *   return { value: x.square(), gradFunc: (dy, [s]) => dy.mul(s!).mul(2) };
 * });
 * const x = fl.tensor([3], { requiresGrad: true });
 * square(x).sum().backward(); // x.grad = [6]
 */
export function customGrad<T extends Tensor | Tensor[]>(
  f: (...args: never[]) => CustomGradResult<T>,
): (...inputs: Tensor[]) => T {
  const name = f.name ? `customGrad(${f.name.slice(0, 40)})` : 'customGrad';
  const cls: FunctionClass = {
    name,
    forward: ((ctx: FunctionCtx, ...xs: Tensor[]) => {
      const r = (f as (...a: unknown[]) => unknown)(...xs, (ts: Tensor[]) =>
        ctx.saveForBackward(...ts),
      ) as Partial<CustomGradResult<T>> | null;
      if (typeof r !== 'object' || r === null || typeof r.gradFunc !== 'function')
        throw new ArgumentError(
          `${name}: the function must return { value, gradFunc }, got ${describe(r)}`,
        );
      ctx.gradFunc = r.gradFunc;
      ctx.several = Array.isArray(r.value);
      return r.value;
    }) as AnyFn,
    backward: ((ctx: FunctionCtx, ...gs: Tensor[]) => {
      const fn = ctx.gradFunc as CustomGradResult<T>['gradFunc'];
      return fn((ctx.several ? gs : gs[0]) as T, ctx.savedTensors as Tensor[]);
    }) as AnyFn,
  };
  return (...inputs: Tensor[]) => applyFunction(cls, inputs) as T;
}
