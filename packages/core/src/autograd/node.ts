/**
 * Tape nodes. A node is created for each differentiable op whose inputs require grad. It keeps
 * edges to the nodes (or leaf tensors) of its inputs and aliases of only the tensors its rule reads.
 *
 * Nodes are reference counted (by the tensors whose `gradFn` they are and by child nodes), so a
 * graph that is never backpropagated is freed as soon as its outputs are disposed.
 */
import type { DType } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { GradError, fmtShape } from '../errors.js';

const NONE: number[] = [];

function staleMessage(op: string, t: Tensor, now: number, then: number, by: string): string {
  return (
    `backward: a ${t.dtype} tensor of shape ${fmtShape(t.shape)} that '${op}' saved for its ` +
    `gradient was modified by an in-place operation${by ? ` (${by})` : ''}: it is at version ` +
    `${now}, expected version ${then}. Write in place before using the tensor, or write into ` +
    `a clone() of it`
  );
}

export interface GradCtx<P = unknown> {
  /** Inputs the rule declared in `saves` (others are undefined). */
  readonly inputs: readonly (Tensor | undefined)[];
  /** The op's output, if the rule declared `'out'` in `saves`. */
  readonly out: Tensor | undefined;
  readonly params: P;
  readonly shapes: readonly (readonly number[])[];
  readonly dtypes: readonly DType[];
  /** Which inputs need a gradient (torch's needs_input_grad): rules may skip the others. */
  readonly needs: readonly boolean[];
  /**
   * The other outputs of a multi-output kernel (max-pool indices, layer-norm statistics), saved
   * without their graph for the rule of the first output; empty for single-output ops.
   */
  readonly aux: readonly Tensor[];
}

export interface GradRule<P = unknown> {
  /** Input indices and/or 'out' that `grad` reads; nothing else is kept alive. */
  readonly saves?: readonly (number | 'out')[];
  /**
   * Narrows `saves` by which inputs need a gradient (torch saves `self` of `a * b` only when `b`
   * needs one): a tensor not saved cannot make a later in-place write an error, nor hold memory.
   */
  readonly savesFor?: (needs: readonly boolean[]) => readonly (number | 'out')[];
  /**
   * The rule runs a user's backward (`fl.autograd.Function`), which may hand tensors it makes to
   * later rules of the same pass outside its result (Module full backward hooks do): its
   * temporaries then live until the pass ends instead of going when the rule returns.
   */
  readonly userCode?: boolean;
  /** Gradients for each input (null = zero / not differentiable), each with its input's shape. */
  grad(g: Tensor, ctx: GradCtx<P>): readonly (Tensor | null | undefined)[];
}

export type Edge =
  | { readonly node: Node; readonly leaf?: undefined }
  | { readonly leaf: Tensor; readonly node?: undefined };

/** The context of a released node: nothing a rule could read. */
const RELEASED: GradCtx<unknown> = Object.freeze({
  inputs: [],
  out: undefined,
  params: undefined,
  shapes: [],
  dtypes: [],
  needs: [],
  aux: [],
});

export class Node {
  private refs = 0;
  /** Saved tensors were released (after a backward without retainGraph). */
  freed = false;
  /** Why this node can no longer run (a saved tensor was overwritten in place), or null. */
  stale: string | null = null;
  /** The storage version of each saved tensor when it was saved (torch's version counters). */
  private readonly versions: number[];
  constructor(
    readonly name: string,
    public edges: readonly (Edge | null)[],
    readonly rule: GradRule<never>,
    public ctx: GradCtx<unknown>,
    private saved: readonly Tensor[],
  ) {
    for (const e of edges) e?.node?.incRef();
    this.versions = saved.length === 0 ? NONE : saved.map((t) => t.storage.version);
  }
  /** Live references (tensors whose gradFn this is, child nodes, storages). */
  get refCount(): number {
    return this.refs;
  }
  /**
   * Throws GradError when a saved tensor was written in place after it was saved: its values
   * are no longer the ones the rule needs, and running it would give a wrong gradient.
   */
  checkSaved(): void {
    if (this.stale) throw new GradError(this.stale);
    this.saved.forEach((t, i) => {
      const s = t.storage;
      if (s.version !== this.versions[i])
        throw new GradError(staleMessage(this.name, t, s.version, this.versions[i]!, s.lastWrite));
    });
  }
  /**
   * After an in-place write to `storage` recorded under autograd: a tensor this node saved from
   * it is out of date, so the node is marked stale (backward through it throws) and lets go of
   * what it saved — which also breaks the cycle storage → graph → node → saved → storage.
   */
  invalidateSavedOf(storage: object): void {
    const i = this.saved.findIndex((t) => !t.disposed && t.storage === storage);
    if (i < 0 || this.freed) return;
    const t = this.saved[i]!;
    const s = t.storage;
    this.stale = staleMessage(this.name, t, s.version, this.versions[i]!, s.lastWrite);
    for (const x of this.saved) x.dispose();
    this.saved = [];
  }
  incRef(): void {
    this.refs++;
  }
  decRef(): void {
    if (--this.refs === 0) {
      this.freeSaved();
      for (const e of this.edges) e?.node?.decRef();
    }
  }
  freeSaved(): void {
    if (this.freed) return;
    this.freed = true;
    for (const t of this.saved) t.dispose();
    this.saved = [];
  }
  /**
   * After a backward pass without retainGraph, for every node the pass reached (so all of them
   * are freed together and no reference count outside the pass changes): drop the edges and the
   * context too. A tensor the caller still holds (the loss, the logits) then keeps only its own
   * small node alive, not the whole tape behind it, until it is disposed or collected.
   */
  release(): void {
    this.freeSaved();
    this.edges = [];
    this.ctx = RELEASED;
  }
}
