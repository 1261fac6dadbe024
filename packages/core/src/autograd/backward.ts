/**
 * The backward pass: topological order over the tape from the outputs, each node's rule run once
 * with the summed gradient of its output, results accumulated into leaves' `.grad` (backward) or
 * returned (grad). Intermediate gradients live in a scope and are freed when the pass ends.
 */
import { GradError, ShapeError, fmtShape } from '../errors.js';
import { shapesEqual } from '../shape.js';
import { keep, tidy, track } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { enableGrad, noGrad } from './mode.js';
import type { Node } from './node.js';
import { alias } from './record.js';
import { onesLike, zerosLike } from '../ops/creation.js';

export interface BackwardOptions {
  /** Keep saved tensors so backward can run through the graph again. */
  retainGraph?: boolean;
  /** Record the backward pass itself, for gradients of gradients. */
  createGraph?: boolean;
}
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

type Sink = (leaf: Tensor, g: Tensor) => void;

function run(
  outputs: readonly Tensor[],
  seeds: Tensor[],
  opts: BackwardOptions,
  sink: Sink,
  capture?: Map<Node, Tensor | null>,
): void {
  const grads = new Map<Node, Tensor>();
  const add = (n: Node, g: Tensor) => {
    const prev = grads.get(n);
    grads.set(n, prev ? prev.add(g) : g);
  };
  outputs.forEach((o, i) => {
    if (!o.requiresGrad)
      throw new GradError('backward: tensor does not require grad and has no gradFn');
    if (o.gradFn) add(o.gradFn, seeds[i]!);
    else sink(o, seeds[i]!);
  });
  const order = topoOrder(outputs.flatMap((o) => (o.gradFn ? [o.gradFn] : [])));
  for (const node of order) {
    const g = grads.get(node);
    if (!g) continue;
    if (capture?.has(node)) capture.set(node, g);
    if (node.freed)
      throw new GradError(
        `backward: trying to backward through the graph a second time (at '${node.name}'); pass { retainGraph: true } the first time`,
      );
    const savedOut = node.ctx.out;
    if (opts.createGraph && savedOut) savedOut._setGradFn(node);
    const inGrads = node.rule.grad(g, node.ctx as never);
    if (savedOut) savedOut._setGradFn(null);
    node.edges.forEach((e, i) => {
      const gi = inGrads[i];
      if (!e || !gi) return;
      if (!shapesEqual(gi.shape, node.ctx.shapes[i]!))
        throw new GradError(
          `internal: gradient of '${node.name}' input ${i} has shape ${fmtShape(gi.shape)}, expected ${fmtShape(node.ctx.shapes[i]!)}`,
        );
      if (e.node) add(e.node, gi);
      else sink(e.leaf, gi);
    });
  }
  // As in torch, createGraph implies retainGraph unless told otherwise.
  if (!(opts.retainGraph ?? opts.createGraph)) for (const n of order) n.freeSaved();
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
  withMode(opts.createGraph, () => {
    const seeds = seedGrads('backward', outputs, gradOutputs);
    run(outputs, seeds, opts, (leaf, g) => {
      if (leaf.disposed) return;
      const prev = leaf.grad;
      const next = keep(prev ? prev.add(g) : alias(g, true));
      if (!opts.createGraph) next.requiresGrad = false;
      leaf.grad = next;
      prev?.dispose();
    });
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
