/**
 * The backward pass: topological order over the tape from the outputs, each node's rule run once
 * with the summed gradient of its output, results accumulated into leaves' `.grad` (backward) or
 * returned (grad). Each intermediate gradient is freed as soon as nothing needs it; unless the
 * graph is retained, each node's saved tensors go as soon as its rule has run, and the tape at the
 * end.
 */
import { DisposedTensorError, GradError, ShapeError, fmtShape } from '../errors.js';
import { mayOverlap, shapesEqual } from '../shape.js';
import { keep, tidy, track } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { enableGrad, noGrad } from './mode.js';
import type { Edge, Node } from './node.js';
import { alias } from './record.js';
import { noteBackward } from './leaks.js';
import { hasLeafHooks, runLeafHooks, runNodeHooks } from './hooks.js';
import { onesLike, zerosLike } from '../ops/creation.js';

/** Options of `Tensor.backward`; `fl.grad` takes them too. */
export interface BackwardOptions {
  /** Keep saved tensors so backward can run through the graph again. */
  retainGraph?: boolean;
  /** Record the backward pass itself, for gradients of gradients. */
  createGraph?: boolean;
}
/** Options of `fl.grad`. */
export interface GradOptions extends BackwardOptions {
  /** Gradients of the outputs (defaults to ones for scalar outputs). */
  gradOutputs?: readonly Tensor[];
  /** Return zeros instead of throwing for inputs the outputs do not depend on. */
  allowUnused?: boolean;
}

function topoOrder(roots: readonly Node[]): Node[] {
  const order: Node[] = [];
  const seen = new Set<Node>();
  const stack: [Node, number][] = roots.map((n) => [n, 0]);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const [node, i] = top;
    if (i === 0 && seen.has(node)) {
      stack.pop();
      continue;
    }
    seen.add(node);
    const next = node.edges.slice(i).findIndex((e) => e?.node && !seen.has(e.node));
    if (next < 0) {
      stack.pop();
      order.push(node);
    } else {
      top[1] = i + next + 1;
      stack.push([node.edges[i + next]!.node!, 0]);
    }
  }
  return order.reverse(); // outputs first
}

function seedGrads(
  op: string,
  outputs: readonly Tensor[],
  given: readonly Tensor[] | undefined,
): Tensor[] {
  return outputs.map((o, i) => {
    const g = given?.[i];
    if (g) {
      if (!shapesEqual(g.shape, o.shape))
        throw new ShapeError(
          `${op}: gradient shape ${fmtShape(g.shape)} does not match output shape ${fmtShape(o.shape)}`,
        );
      return g;
    }
    if (o.size !== 1)
      throw new GradError(
        `${op}: grad can be implicitly created only for scalar outputs; output has shape ${fmtShape(o.shape)}, pass a gradient`,
      );
    return onesLike(o);
  });
}

const desc = (t: Tensor) => `${fmtShape(t.shape)} ${t.dtype}`;

/** Outputs (and fl.grad's inputs) must be live: a disposed one has no data and no graph. */
function requireLive(op: string, what: string, ts: readonly Tensor[]): void {
  const i = ts.findIndex((t) => t.disposed);
  if (i >= 0)
    throw new DisposedTensorError(
      `${op}: ${what} ${i} (${desc(ts[i]!)}) was disposed before ${op}()`,
    );
}

/**
 * backward() stores each leaf's gradient in its `.grad`, which a disposed leaf no longer has: it
 * would be lost silently. Checked before any rule runs, so a failing call changes no gradient and
 * leaves the graph intact.
 */
function requireLiveLeaves(order: readonly Node[]): void {
  for (const node of order)
    node.edges.forEach((e, i) => {
      if (e?.leaf?.disposed)
        throw new DisposedTensorError(
          `backward: the leaf tensor ${desc(e.leaf)} used as input ${i} of '${node.name}' was ` +
            `disposed before backward(), so its gradient has nowhere to go; keep the tensors you ` +
            `differentiate alive until backward() has run (parameters are kept by nn.Parameter ` +
            `or fl.keep), or detach() them before use if they need no gradient`,
        );
    });
}

/**
 * The gradients in flight: one per node not yet run. A gradient is freed as soon as nothing needs
 * it (its node has run, it was summed into another, a leaf took its value), unless it is pinned:
 * a seed the caller passed, one fl.grad returns, or a tensor kept outside scopes (saved ones).
 * Rules may pass a gradient through unchanged (add's is [g, g]), so tensors are counted by uses.
 */
class InFlight {
  private readonly byNode = new Map<Node, Tensor>();
  private readonly uses = new Map<Tensor, number>();
  readonly pinned = new Set<Tensor>();

  get(n: Node): Tensor | undefined {
    return this.byNode.get(n);
  }
  add(n: Node, g: Tensor): void {
    const prev = this.byNode.get(n);
    const next = prev ? prev.add(g) : g;
    this.byNode.set(n, next);
    this.use(next, 1);
    if (prev) {
      this.use(prev, -1);
      this.use(g, 0); // summed: nothing here holds it any more
    }
  }
  /** The node has run: its gradient goes, unless the rule passed it on. */
  done(n: Node): void {
    const g = this.byNode.get(n);
    if (!g) return;
    this.byNode.delete(n);
    this.use(g, -1);
  }
  /** Count `delta` more (or fewer) uses of `t`; free it at zero. */
  use(t: Tensor, delta: number): void {
    const n = (this.uses.get(t) ?? 0) + delta;
    if (n > 0) {
      this.uses.set(t, n);
      return;
    }
    this.uses.delete(t);
    if (!this.pinned.has(t) && !t._kept) t.dispose();
  }
}

/** Returns whether the sink kept `g` (fl.grad does; backward stores a copy or a sum). */
type Sink = (leaf: Tensor, g: Tensor) => boolean;

function run(
  outputs: readonly Tensor[],
  seeds: Tensor[],
  opts: BackwardOptions,
  sink: Sink,
  capture?: Map<Node, Tensor | null>,
  leavesMustLive = false,
): void {
  if (outputs.some((o) => !o.requiresGrad))
    throw new GradError('backward: tensor does not require grad and has no gradFn');
  const order = topoOrder(outputs.flatMap((o) => (o.gradFn ? [o.gradFn] : [])));
  if (leavesMustLive) requireLiveLeaves(order);
  const flight = new InFlight();
  for (const s of seeds) flight.pinned.add(s);
  // backward() sums the gradient of a leaf with hooks first: its hooks see the total, once.
  const pending = new Map<Tensor, Tensor>();
  const give = (e: Edge, g: Tensor) => {
    if (e.node) flight.add(e.node, g);
    else if (leavesMustLive && hasLeafHooks(e.leaf)) {
      const prev = pending.get(e.leaf);
      const total = prev ? prev.add(g) : g;
      flight.pinned.add(total);
      pending.set(e.leaf, total);
    } else if (sink(e.leaf, g)) flight.pinned.add(g);
    else flight.use(g, 0);
  };
  outputs.forEach((o, i) => give(o.gradFn ? { node: o.gradFn } : { leaf: o }, seeds[i]!));
  // As in torch, createGraph implies retainGraph unless told otherwise.
  const release = !(opts.retainGraph ?? opts.createGraph);
  for (const node of order) {
    const g = flight.get(node);
    if (!g) continue;
    if (capture?.has(node)) {
      capture.set(node, g);
      flight.pinned.add(g);
    }
    // Hooks see the gradient after capture, as in torch 1.13 (fl.grad returns it unhooked).
    const hooked = runNodeHooks(node, g);
    if (hooked !== g) flight.pinned.add(hooked);
    const inGrads = runRule(node, hooked, !!opts.createGraph);
    node.edges.forEach((e, i) => {
      const gi = inGrads[i];
      if (e && gi) give(e, checked(node, i, gi));
    });
    flight.done(node);
    // The rule has run: its saved tensors go now, not at the end, so the pass's peak memory is
    // the activations not yet reached plus the gradients in flight.
    if (release) node.freeSaved();
  }
  // (backward's sink keeps an alias or a sum: the scope frees the totals themselves)
  for (const [leaf, total] of pending) sink(leaf, runLeafHooks(leaf, total));
  // Every node of the pass, also those no gradient reached, lets go of the whole tape.
  if (release) for (const n of order) n.release();
}

function runRule(
  node: Node,
  g: Tensor,
  createGraph: boolean,
): readonly (Tensor | null | undefined)[] {
  if (node.freed)
    throw new GradError(
      `backward: trying to backward through the graph a second time (at '${node.name}'); pass { retainGraph: true } the first time`,
    );
  node.checkSaved(); // a saved tensor written in place since would give a wrong gradient
  const savedOut = node.ctx.out;
  if (createGraph && savedOut) savedOut._setGradFn(node);
  try {
    // A scope per rule: its temporaries (masks, fills, partial products) go as soon as it
    // returns, not when the whole pass ends, so they never add up across the graph.
    if (node.rule.userCode) return node.rule.grad(g, node.ctx as never);
    return tidy(() => node.rule.grad(g, node.ctx as never));
  } finally {
    if (savedOut) savedOut._setGradFn(null);
  }
}

function checked(node: Node, i: number, gi: Tensor): Tensor {
  if (!shapesEqual(gi.shape, node.ctx.shapes[i]!))
    throw new GradError(
      `internal: gradient of '${node.name}' input ${i} has shape ${fmtShape(gi.shape)}, expected ${fmtShape(node.ctx.shapes[i]!)}`,
    );
  return gi;
}

function withMode(createGraph: boolean | undefined, fn: () => void): void {
  tidy(() => (createGraph ? enableGrad(fn) : noGrad(fn)));
}

/** Accumulate d(outputs)/d(leaf) into every leaf's `.grad`. */
export function backward(
  outputs: readonly Tensor[],
  gradOutputs?: readonly Tensor[],
  opts: BackwardOptions = {},
): void {
  requireLive('backward', 'output', outputs);
  noteBackward();
  withMode(opts.createGraph, () => {
    const seeds = seedGrads('backward', outputs, gradOutputs);
    const sink = (leaf: Tensor, g: Tensor) => {
      const prev = leaf.grad;
      // A first gradient that is an expanded view (the grad of sum(), say) is materialised, as
      // torch's AccumulateGrad does: `.grad` is written in place (clipGradNorm_, mul_), and a
      // write through a zero stride is undefined — or would land in a buffer g shares.
      const own = !prev && mayOverlap(g.shape, g.strides) ? g.contiguous() : g;
      const next = keep(prev ? prev.add(g) : alias(own, true));
      if (!opts.createGraph) next.requiresGrad = false;
      leaf.grad = next;
      prev?.dispose();
      return false;
    };
    run(outputs, seeds, opts, sink, undefined, true);
  });
}

/**
 * Gradients of `outputs` with respect to `inputs`, returned instead of accumulated.
 * @example
 * const [dx] = fl.grad([x.mul(x).sum()], [x]); // 2x
 */
export function grad(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  opts: GradOptions = {},
): Tensor[] {
  const outs = Array.isArray(outputs) ? (outputs as Tensor[]) : [outputs as Tensor];
  const ins = Array.isArray(inputs) ? (inputs as Tensor[]) : [inputs as Tensor];
  requireLive('grad', 'output', outs);
  requireLive('grad', 'input', ins);
  const leafGrads = new Map<Tensor, Tensor>();
  const capture = new Map<Node, Tensor | null>();
  for (const t of ins) if (t.gradFn) capture.set(t.gradFn, null);
  let results: Tensor[] = [];
  withMode(opts.createGraph, () => {
    const seeds = seedGrads('grad', outs, opts.gradOutputs);
    run(
      outs,
      seeds,
      opts,
      (leaf, g) => {
        const prev = leafGrads.get(leaf);
        leafGrads.set(leaf, prev ? prev.add(g) : g);
        return true;
      },
      capture,
    );
    const found = ins.map((t) => (t.gradFn ? capture.get(t.gradFn) : leafGrads.get(t)));
    const unused = found.findIndex((g) => !g);
    if (unused >= 0 && !opts.allowUnused)
      throw new GradError(
        `grad: input ${unused} (${fmtShape(ins[unused]!.shape)}) was not used to compute the outputs; pass { allowUnused: true } to get zeros`,
      );
    results = found.map((g, i) => keep(g ? alias(g, !!opts.createGraph) : zerosLike(ins[i]!)));
  });
  for (const r of results) {
    r._kept = false;
    track(r);
  }
  return results;
}
