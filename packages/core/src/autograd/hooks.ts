/**
 * Tensor gradient hooks (torch's `Tensor.register_hook`, `retain_grad`). A hook on a non-leaf
 * lives on its gradFn node and sees the node's summed gradient before the node's rule runs; a
 * hook on a leaf sees the leaf's total gradient once, before it is accumulated into `.grad`
 * (backward only: as in torch 1.13, `fl.grad` runs no leaf hooks). A hook may return a
 * replacement of the same shape, dtype and device. `retainGrad` is a hook too, so it runs in
 * registration order with the others, as in torch 1.13.
 */
import { DTypeError, DeviceError, GradError, ShapeError, fmtShape } from '../errors.js';
import { describe } from '../check/describe.js';
import { shapesEqual, mayOverlap } from '../shape.js';
import { keep } from '../scope.js';
import { isTensor, type Tensor } from '../tensor.js';
import { isGradEnabled } from './mode.js';
import type { Node } from './node.js';
import { alias } from './record.js';

/** Called with a gradient; may return a replacement (same shape, dtype and device). */
export type TensorHook = (grad: Tensor) => Tensor | void | null | undefined;

/** What `registerHook` (and the Module hook registrations) return. */
export interface RemovableHandle {
  /** Unregister the hook; idempotent. */
  remove(): void;
}

interface Entry {
  fn: TensorHook;
}

const leafHooks = new WeakMap<Tensor, Entry[]>();
const retained = new WeakSet<Tensor>();
const nodeHooks = new WeakMap<Node, Entry[]>();

function handle(list: Entry[], e: Entry): RemovableHandle {
  return {
    remove: () => {
      const i = list.indexOf(e);
      if (i >= 0) list.splice(i, 1);
    },
  };
}

function hooksOf(t: Tensor): Entry[] {
  const node = t.gradFn;
  const map = node ? nodeHooks : leafHooks;
  const key = (node ?? t) as Node & Tensor;
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  return list;
}

/** `t.registerHook(fn)`. */
export function registerHook(t: Tensor, fn: TensorHook): RemovableHandle {
  if (!t.requiresGrad)
    throw new GradError(
      `registerHook: cannot register a hook on a tensor that does not require grad (${fmtShape(t.shape)} ${t.dtype})`,
    );
  const list = hooksOf(t);
  const e = { fn };
  list.push(e);
  return handle(list, e);
}

/** `t.retainGrad()`: a non-leaf keeps its gradient in `.grad` after backward (leaves always do). */
export function retainGrad(t: Tensor): void {
  if (!t.requiresGrad)
    throw new GradError(
      `retainGrad: cannot retain the gradient of a tensor that does not require grad (${fmtShape(t.shape)} ${t.dtype})`,
    );
  if (t.gradFn === null || retained.has(t)) return;
  retained.add(t);
  hooksOf(t).push({
    fn: (g) => {
      if (t.disposed) return;
      const prev = t.grad;
      // As the leaves' accumulation: a first gradient that is an expanded view is materialised.
      const own = !prev && mayOverlap(g.shape, g.strides) ? g.contiguous() : g;
      const next = keep(prev ? prev.add(g) : alias(own, true));
      if (!isGradEnabled()) next.requiresGrad = false;
      t.grad = next;
    },
  });
}

/** Whether the tensor asked to keep its gradient (torch's `retains_grad`). */
export function retainsGrad(t: Tensor): boolean {
  return retained.has(t);
}

function checked(g: Tensor, r: unknown, where: string): Tensor {
  if (!isTensor(r))
    throw new GradError(`${where}: a hook must return a Tensor or nothing, got ${describe(r)}`);
  if (!shapesEqual(r.shape, g.shape))
    throw new ShapeError(
      `${where}: a hook changed the gradient's shape from ${fmtShape(g.shape)} to ${fmtShape(r.shape)}`,
    );
  if (r.dtype !== g.dtype)
    throw new DTypeError(
      `${where}: a hook changed the gradient's dtype from ${g.dtype} to ${r.dtype}`,
    );
  if (r.device !== g.device)
    throw new DeviceError(
      `${where}: a hook moved the gradient from '${g.device}' to '${r.device}'`,
    );
  return r;
}

function run(list: Entry[] | undefined, g: Tensor, where: string): Tensor {
  if (!list || list.length === 0) return g;
  for (const e of [...list]) {
    const r = e.fn(g);
    if (r !== undefined && r !== null) g = checked(g, r, where);
  }
  return g;
}

/** The gradient of `node` after its hooks (`g` itself when it has none). */
export function runNodeHooks(node: Node, g: Tensor): Tensor {
  return run(nodeHooks.get(node), g, `backward (hook of a '${node.name}' output)`);
}

/** Whether the leaf has hooks (its gradient is then summed before they run). */
export function hasLeafHooks(leaf: Tensor): boolean {
  return (leafHooks.get(leaf)?.length ?? 0) > 0;
}

/** The leaf's total gradient after its hooks. */
export function runLeafHooks(leaf: Tensor, g: Tensor): Tensor {
  return run(leafHooks.get(leaf), g, 'backward (hook of a leaf)');
}
