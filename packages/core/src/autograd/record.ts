/** Recording a tape node when an op's inputs require grad. */
import { type Tensor, trustedTensor } from '../tensor.js';
import { isGradEnabled } from './mode.js';
import { Node, type Edge, type GradRule } from './node.js';

/** Saved aliases share storage (and gradFn, for higher-order gradients) but live outside scopes. */
function alias(t: Tensor, withGraph: boolean): Tensor {
  const a = trustedTensor(t.storage.retain(), t.shape, t.strides, t.offset, true);
  a._untrack(); // its graph is fixed when saved: in-place writes are caught by version instead
  if (withGraph && t.gradFn) a._setGradFn(t.gradFn);
  a.requiresGrad = withGraph && t.requiresGrad;
  // An alias of a leaf must accumulate into that leaf when used in a recorded backward pass.
  if (withGraph && !t.gradFn) a._leaf = t._leaf ?? t;
  return a;
}

export function record(
  name: string,
  rule: GradRule<never> | null,
  inputs: readonly Tensor[],
  out: Tensor,
  params: unknown,
  // Optional rather than defaulted: a default `[]` would be a fresh array on every op.
  aux?: readonly Tensor[],
): void {
  if (rule === null || !isGradEnabled()) return;
  let any = false;
  for (const t of inputs) if (t.requiresGrad) any = true;
  if (!any) return;
  const edges: (Edge | null)[] = inputs.map((t) =>
    !t.requiresGrad ? null : t.gradFn ? { node: t.gradFn } : { leaf: t._leaf ?? t },
  );
  const saved: Tensor[] = [];
  const savedInputs: (Tensor | undefined)[] = inputs.map(() => undefined);
  let savedOut: Tensor | undefined;
  const saves = rule.savesFor ? rule.savesFor(edges.map((e) => e !== null)) : (rule.saves ?? []);
  for (const s of saves) {
    if (s === 'out') saved.push((savedOut = alias(out, false)));
    else saved.push((savedInputs[s] = alias(inputs[s]!, true)));
  }
  const savedAux = aux === undefined ? [] : aux.map((t) => alias(t, false));
  saved.push(...savedAux);
  const ctx = {
    inputs: savedInputs,
    out: savedOut,
    params,
    shapes: inputs.map((t) => t.shape),
    dtypes: inputs.map((t) => t.dtype),
    needs: edges.map((e) => e !== null),
    aux: savedAux,
  };
  out._setGradFn(new Node(name, edges, rule, ctx, saved));
  out.storage.tracked = true;
}

export { alias };
