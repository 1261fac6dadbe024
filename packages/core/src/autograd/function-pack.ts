/**
 * How the outputs of a custom Function reach its one backward call. The tape gives each node one
 * gradient, so with several float outputs each output gets a small node that places its gradient
 * in a flat vector (zeros elsewhere); the sum of those vectors is the Function node's gradient,
 * split again into one gradient per output for backward. Unused outputs thus get zeros, as
 * torch's materialised gradients; non-float outputs are not differentiable and get null.
 */
import { type DType, isFloat } from '../dtype.js';
import { cat } from '../ops/shape.js';
import { zeros } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';
import { Node, type GradRule } from './node.js';

export interface Pack {
  /** The gradient of each output (null for non-float ones) from the Function node's gradient. */
  split(g: Tensor): (Tensor | null)[];
  /** Make `node` (through per-output nodes if needed) the gradFn of every float output. */
  attach(node: Node, name: string): void;
  /** The node a saved output stands for under createGraph (null until attached). */
  nodeOf(i: number): Node | null;
}

/** Null when no output is float (nothing to differentiate). */
export function packedOutputs(outputs: readonly Tensor[]): Pack | null {
  const diff = outputs.flatMap((t, i) => (isFloat(t.dtype) ? [i] : []));
  if (diff.length === 0) return null;
  if (diff.length === 1) return single(outputs, diff[0]!);
  return packed(outputs, diff);
}

function single(outputs: readonly Tensor[], d: number): Pack {
  let main: Node | null = null;
  return {
    split: (g) => outputs.map((_, i) => (i === d ? g : null)),
    attach: (node) => {
      main = node;
      outputs[d]!._setGradFn(node);
      outputs[d]!.storage.tracked = true;
    },
    nodeOf: (i) => (i === d ? main : null),
  };
}

function packed(outputs: readonly Tensor[], diff: readonly number[]): Pack {
  const dtype: DType = diff.some((i) => outputs[i]!.dtype === 'float64') ? 'float64' : 'float32';
  const device = outputs[diff[0]!]!.device;
  const offsets = new Map<number, number>();
  let total = 0;
  for (const i of diff) {
    offsets.set(i, total);
    total += outputs[i]!.size;
  }
  const nodes = new Map<number, Node>();
  const place = (i: number): GradRule<never> => ({
    grad: (g) => {
      const off = offsets.get(i)!;
      const rest = total - off - g.size;
      const z = (n: number) => zeros([n], { dtype, device });
      return [cat([z(off), g.reshape([-1]).to(dtype), z(rest)])];
    },
  });
  return {
    split: (g) =>
      outputs.map((t, i) => {
        const off = offsets.get(i);
        return off === undefined ? null : g.narrow(0, off, t.size).reshape(t.shape).to(t.dtype);
      }),
    attach: (node, name) => {
      for (const i of diff) {
        const ctx = {
          inputs: [],
          out: undefined,
          params: undefined,
          shapes: [[total]],
          dtypes: [dtype],
          needs: [true],
          aux: [],
        };
        const n = new Node(`${name}Output${i}`, [{ node }], place(i), ctx, []);
        nodes.set(i, n);
        outputs[i]!._setGradFn(n);
        outputs[i]!.storage.tracked = true;
      }
    },
    nodeOf: (i) => nodes.get(i) ?? null,
  };
}
