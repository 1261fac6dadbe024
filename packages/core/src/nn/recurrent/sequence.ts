/**
 * Splitting a sequence into steps and joining the step outputs back, both through a balanced
 * tree. A flat split makes the backward pass pad every step's gradient to the full sequence and
 * add them up (T² work), and a flat `cat` of T steps is T full-size selects; halving the range at
 * each level keeps both at T·log T.
 */
import { cat } from '../../ops/shape.js';
import type { Tensor } from '../../tensor.js';

/** The T slices of `x` along dim 0, each without that dim. */
export function unbindTree(x: Tensor): Tensor[] {
  const out: Tensor[] = [];
  const visit = (part: Tensor) => {
    const n = part.shape[0]!;
    if (n === 1) {
      out.push(part.squeeze(0));
      return;
    }
    const half = n >> 1;
    visit(part.narrow(0, 0, half));
    visit(part.narrow(0, half, n - half));
  };
  if (x.shape[0]! > 0) visit(x);
  return out;
}

/** Stack equally shaped tensors along a new dim 0. */
export function stackTree(parts: readonly Tensor[]): Tensor {
  if (parts.length === 1) return parts[0]!.unsqueeze(0);
  const half = parts.length >> 1;
  return cat([stackTree(parts.slice(0, half)), stackTree(parts.slice(half))], 0);
}
