/**
 * The element-wise regression losses (MSE, smooth L1, Huber) as single tape nodes with torch's
 * closed-form derivatives, instead of autograd through `where(|d| < β, d²…, |d|…)`: there the
 * untaken quadratic branch is still differentiated, so an infinite or overflowing difference gives
 * 0·∞ = NaN, and the reduction's 1/N is applied before the factor 2 of MSE, which can overflow
 * where torch's (2/N)·d·g does not.
 *
 * torch's backward of each loss is the function slope(g, a, b) of x = a − b (the input's gradient
 * is slope(g, input, target), the target's slope(g, target, input)). It is recorded as an op of its
 * own whose rule is torch's double backward, so second and higher derivatives match torch too.
 */
import { noGrad } from '../../autograd/mode.js';
import { record } from '../../autograd/record.js';
import type { GradCtx, GradRule } from '../../autograd/node.js';
import type { DType } from '../../dtype.js';
import { where } from '../../ops/elementwise.js';
import { tidy } from '../../scope.js';
import type { Tensor } from '../../tensor.js';
import { reduce } from './checks.js';

/** Which loss, with its threshold (smooth L1's β, Huber's δ; unused by MSE). */
export interface Piece {
  kind: 'mse' | 'smoothL1' | 'huber';
  k: number;
}

interface SlopeParams {
  piece: Piece;
  /** torch's `norm`: 1/N for 'mean' (the loss's own factor 2 included for MSE), else 1 (or 2). */
  norm: number;
}

/** Element-wise loss values of the difference d (no graph). */
function values(p: Piece, d: Tensor): Tensor {
  if (p.kind === 'mse') return d.square();
  const a = d.abs();
  if (p.kind === 'smoothL1')
    return p.k === 0 ? a : where(a.lt(p.k), a.square().mul(0.5 / p.k), a.sub(0.5 * p.k));
  return where(a.lt(p.k), a.square().mul(0.5), a.sub(0.5 * p.k).mul(p.k));
}

/**
 * torch's backward kernels, in torch's order of operations (so the rounding and the overflow
 * points are the same): branches are tested x ≤ −k first, then x ≥ k, and a NaN x falls through
 * to the quadratic branch, which gives NaN.
 */
function slopeValues(s: SlopeParams, g: Tensor, x: Tensor): Tensor {
  const { piece: p, norm } = s;
  if (p.kind === 'mse') return x.mul(norm).mul(g);
  const lin = p.kind === 'huber' ? g.mul(norm).mul(p.k) : g.mul(norm);
  const quad = p.kind === 'huber' ? x.mul(norm).mul(g) : x.mul(norm).mul(g).div(p.k);
  return where(x.le(-p.k), lin.neg(), where(x.ge(p.k), lin, quad));
}

/**
 * torch's double backward: ∂slope/∂x = norm (×2 for MSE) inside |x| < k divided by β for smooth L1
 * (0 outside, and everywhere for β = 0), as a constant.
 */
function curvature(s: SlopeParams, x: Tensor): Tensor | number {
  const { piece: p, norm } = s;
  if (p.kind === 'mse') return norm;
  if (p.kind === 'smoothL1' && p.k === 0) return 0;
  const c = p.kind === 'huber' ? norm : norm / p.k;
  // A mask times c, not where(…, c, 0): two scalars would make a float32 tensor.
  return x.abs().lt(p.k).to(x.dtype).mul(c);
}

const asType = (t: Tensor, d: DType) => (t.dtype === d ? t : t.to(d));

/** slope(g, a, b) is linear in g, and ∂/∂a = −∂/∂b = g·curvature(a − b). */
const slopeRule: GradRule<never> = {
  saves: [0, 1, 2],
  grad: (gg, c: GradCtx<SlopeParams>) => {
    const [g, a, b] = [c.inputs[0]!, c.inputs[1]!, c.inputs[2]!];
    const x = a.sub(b);
    const ddx = c.needs[1] || c.needs[2] ? gg.mul(g).mul(curvature(c.params, x)) : null;
    return [
      c.needs[0] ? asType(slope(c.params, gg, a, b), c.dtypes[0]!) : null,
      ddx && c.needs[1] ? asType(ddx, c.dtypes[1]!) : null,
      ddx && c.needs[2] ? asType(ddx.neg(), c.dtypes[2]!) : null,
    ];
  },
};

/** torch's loss backward at x = a − b for the upstream gradient g (a, b and g of one shape). */
function slope(s: SlopeParams, g: Tensor, a: Tensor, b: Tensor): Tensor {
  const out = noGrad(() => tidy(() => slopeValues(s, g, a.sub(b))));
  record(`${s.piece.kind}LossBackward`, slopeRule, [g, a, b], out, s);
  return out;
}

interface LossParams extends SlopeParams {
  shape: readonly number[];
}

const lossRule: GradRule<never> = {
  saves: [0, 1],
  grad: (g, c: GradCtx<LossParams>) => {
    const [input, target] = [c.inputs[0]!, c.inputs[1]!];
    // 'mean' and 'sum' reduce to a scalar: torch expands its gradient over the elements.
    const full = g.expand(c.params.shape);
    return [
      c.needs[0] ? asType(slope(c.params, full, input, target), c.dtypes[0]!) : null,
      c.needs[1] ? asType(slope(c.params, full, target, input), c.dtypes[1]!) : null,
    ];
  },
};

/**
 * The reduced loss between same-shape float tensors (checked by the caller), recorded as one
 * node. torch's norm folds 'mean''s 1/N and MSE's 2 into one factor: 2/N for MSE, 1/N otherwise.
 */
export function pointwiseLoss(
  op: string,
  p: Piece,
  input: Tensor,
  target: Tensor,
  reduction: string,
): Tensor {
  const out = noGrad(() => tidy(() => reduce(values(p, input.sub(target)), reduction)));
  const n = reduction === 'mean' ? 1 / input.size : 1;
  const params: LossParams = { piece: p, norm: p.kind === 'mse' ? 2 * n : n, shape: input.shape };
  record(op, lossRule, [input, target], out, params);
  return out;
}
