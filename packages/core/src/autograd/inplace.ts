/**
 * Autograd of in-place writes, as torch's version counters and CopySlices. A write into a view
 * of a storage is recorded as one `stridedWrite` node whose output is the storage's whole new
 * content (its graph, kept on the Storage); every tensor on that storage then takes its gradFn
 * anew, lazily, as a view (`asStrided`) of that graph when it is next used (Tensor._syncGraph).
 * Tensors saved for backward keep their graph and are checked by version instead.
 */
import type { Storage, StorageGraph } from '../device.js';
import { GradError, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { GRADS } from './rules.js';
import { Node, type Edge, type GradCtx } from './node.js';
import { asStridedRule, type WriteGeometry } from '../ops/strided.js';

/** Ops whose output shares its input's storage: walked back to find a storage's producer. */
const VIEW_OPS = new Set([
  'reshape',
  'view',
  'unsqueeze',
  'squeeze',
  'permute',
  'transpose',
  'expand',
  'slice',
  'flip',
  'index',
  'asStrided',
]);

function leafViewError(op: string, t: Tensor): GradError {
  return new GradError(
    `${op}: a view of a leaf tensor that requires grad (shape ${fmtShape(t.shape)}) is being ` +
      `used in an in-place operation; write under fl.noGrad(), or into a clone()`,
  );
}

/**
 * The graph of the whole content of `t`'s storage before a write through `t` (which requires
 * grad): the storage's own graph after an earlier write, else the producer found by walking
 * `t`'s view ops back. Throws GradError where `t` views a leaf that requires grad, as torch.
 */
export function baseGraph(op: string, t: Tensor): StorageGraph | null {
  const first = t.gradFn;
  if (!first) {
    if (t.requiresGrad) throw leafViewError(op, t); // t is itself such a leaf
    return null;
  }
  let node: Node = first;
  let shape: readonly number[] = t.shape;
  while (VIEW_OPS.has(node.name)) {
    const e: Edge | null | undefined = node.edges[0];
    const input = node.ctx.shapes[0];
    if (!e || !input)
      throw new GradError(
        `${op}: the autograd graph of this view (shape ${fmtShape(t.shape)}) was already freed ` +
          `by backward(); write under fl.noGrad(), or pass { retainGraph: true } to backward()`,
      );
    if (e.leaf) throw leafViewError(op, t);
    node = e.node;
    shape = input;
  }
  return { node, shape };
}

function edgeOf(t: Tensor): Edge | null {
  if (!t.requiresGrad) return null;
  const n = t.gradFn;
  return n ? { node: n } : { leaf: t._leaf ?? t };
}

/**
 * Record the write of `value` into the view `t` of `storage` (data already written): the
 * storage's graph becomes a stridedWrite node over its previous graph (`base`, null when none
 * or when the write covers everything) and `value`'s graph.
 */
export function recordWrite(
  op: string,
  t: Tensor,
  value: Tensor,
  base: StorageGraph | null,
  storage: Storage,
): void {
  const params: WriteGeometry = { strides: t.strides.slice(), offset: t.offset };
  const edges = [base ? ({ node: base.node } as Edge) : null, edgeOf(value)];
  const ctx: GradCtx<WriteGeometry> = {
    inputs: [],
    out: undefined,
    params,
    shapes: [base?.shape ?? [storage.size], t.shape.slice()],
    dtypes: [t.dtype, t.dtype],
    needs: edges.map((e) => e !== null),
    aux: [],
  };
  const node = new Node('stridedWrite', edges, GRADS.stridedWrite!, ctx, []);
  node.incRef();
  const old = storage.graph;
  storage.graph = { node, shape: [storage.size] };
  old?.node.decRef();
  storage.epoch++;
  storage.tracked = true;
  invalidateStale(node, storage);
  void op;
}

/**
 * Every node behind the new graph was made before this write, so what it saved from `storage`
 * is out of date: mark those nodes stale (they throw at backward, naming the op) and free what
 * they saved, so the storage's graph never holds the storage itself alive.
 */
function invalidateStale(root: Node, storage: Storage): void {
  // A node walked at an earlier write holds nothing of this storage any more (what it saved
  // was freed then, and saved tensors are fixed when a node is made): each write walks only the
  // nodes made since, so a loop writing step after step into one buffer stays linear.
  let seen = walked.get(storage);
  if (!seen) walked.set(storage, (seen = new WeakSet()));
  seen.add(root);
  const stack = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    n.invalidateSavedOf(storage);
    for (const e of n.edges)
      if (e?.node && !seen.has(e.node)) {
        seen.add(e.node);
        stack.push(e.node);
      }
  }
}
const walked = new WeakMap<Storage, WeakSet<Node>>();

/** The gradFn of `t` as a view of its storage's graph `g` (after a write it did not make). */
export function viewOfGraph(t: Tensor, g: StorageGraph): Node {
  const ctx: GradCtx<WriteGeometry> = {
    inputs: [],
    out: undefined,
    params: { strides: t.strides.slice(), offset: t.offset },
    shapes: [g.shape],
    dtypes: [t.dtype],
    needs: [true],
    aux: [],
  };
  return new Node('asStrided', [{ node: g.node }], asStridedRule, ctx, []);
}
