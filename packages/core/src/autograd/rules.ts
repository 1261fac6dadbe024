/**
 * Reverse-mode rules for every primitive, in one table. The type is a mapped type over PRIMS, so a
 * new primitive without an entry here does not compile. `null` marks ops with no gradient
 * (comparisons, indices, random bits); their outputs never require grad.
 *
 * Rules are written with differentiable Tensor ops, so running them with grad recording on
 * (`createGraph`) yields higher-order gradients. Inputs of element-wise prims already share a
 * shape (broadcasting is an explicit expand whose own rule sums), so rules return input shapes.
 */
import type { PadWidths } from '../backend/types.js';
import type { PrimName } from '../prims.js';
import type { Tensor } from '../tensor.js';
import type { GradCtx, GradRule } from './node.js';
import { exec } from '../ops/dispatch.js';
import { onesLike, zeros, zerosLike } from '../ops/creation.js';
import { where } from '../ops/elementwise.js';
import { noGrad } from './mode.js';
import { deferred } from '../ops/checks.js';
import { asStrided, type WriteGeometry } from '../ops/strided.js';

type Rules = { readonly [P in PrimName]: GradRule<never> | null };

/** For a·b-like rules: a's gradient reads b and b's reads a, so each is saved for the other. */
const crossed = (n: readonly boolean[]): (0 | 1)[] => [
  ...(n[1] ? [0 as const] : []),
  ...(n[0] ? [1 as const] : []),
];

const x0 = (c: GradCtx) => c.inputs[0]!;
const x1 = (c: GradCtx) => c.inputs[1]!;
const out = (c: GradCtx) => c.out!;
const zero = (g: Tensor) => [zerosLike(g)];

/** Shape with reduced `axes` kept as size 1. */
function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}
/** Broadcast a reduced gradient (or result) back over the reduced axes. */
function unreduce(t: Tensor, shape: readonly number[], axes: readonly number[]): Tensor {
  return t.reshape(keptShape(shape, axes)).expand(shape);
}

/**
 * max/min over axes: the gradient is shared equally among the elements equal to the result. A
 * slice whose result is NaN has no such element, so its gradient is NaN (torch's amax/amin);
 * with `nanShares` (torch's max()/min() without a dim) its NaNs share it instead.
 *
 * amax/amin multiply by the 0/1 mask as torch's do, so an infinite gradient gives NaN beside the
 * extremes; max()/min() fill zeros where the mask is off (torch's evenly_distribute_backward),
 * so the other elements get exactly 0 whatever arrives.
 */
function extremumGrad(g: Tensor, c: GradCtx<{ axes: number[]; nanShares?: boolean }>): Tensor[] {
  const { axes, nanShares } = c.params;
  const shape = c.shapes[0]!;
  const x = x0(c);
  const y = unreduce(out(c), shape, axes);
  const hit = nanShares ? x.eq(y).logicalOr(x.isnan().logicalAnd(y.isnan())) : x.eq(y);
  const mask = hit.to(g.dtype);
  const share = unreduce(g, shape, axes).div(mask.sum(axes, true));
  return [nanShares ? where(hit, share, 0) : share.mul(mask)];
}

/**
 * a with `s` ones shifted in along the last axis: [1…1, a₀, …, a_{n−1−s}] (differentiable: a
 * narrow and a pad).
 */
function shiftInOnes(a: Tensor, s: number): Tensor {
  const last = a.ndim - 1;
  const kept = a.narrow(last, 0, a.shape[last]! - s);
  const widths = a.shape.map((_, i) => (i === last ? [s, 0] : [0, 0]) as [number, number]);
  return exec('pad', [kept], [widths, 1], a.shape, a.dtype, { gradParams: { widths } });
}

/** Products of the elements before each position along the last axis: a log-depth scan. */
function exclusiveCumprod(a: Tensor): Tensor {
  const n = a.shape[a.ndim - 1]!;
  let y = shiftInOnes(a, 1);
  for (let s = 1; s < n; s *= 2) y = y.mul(shiftInOnes(y, s));
  return y;
}

/**
 * The product of all other elements of each one's slice, by torch's prod_safe_zeros_backward:
 * the products before and after it, multiplied. Exact at zeros, NaNs and infinities, and made of
 * differentiable ops, so its own derivative (the second order) is right too.
 */
function productOfOthers(x: Tensor, axes: readonly number[]): Tensor {
  const rest = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const order = [...rest, ...axes];
  const moved = x.permute(...order);
  const lines = moved.reshape([...rest.map((i) => x.shape[i]!), -1]);
  if (lines.shape[lines.ndim - 1]! === 0) return zerosLike(x);
  // One element per slice: no others, their product is 1 (and the scan's empty narrow, which
  // fails, is avoided). A where keeps x in the graph, so a second derivative is 0, not missing.
  if (lines.shape[lines.ndim - 1]! === 1) return where(onesLike(x, { dtype: 'bool' }), 1, x);
  const last = lines.ndim - 1;
  const before = exclusiveCumprod(lines);
  const after = exclusiveCumprod(lines.flip(last)).flip(last);
  const inverse = order.map((_, i) => order.indexOf(i));
  return before
    .mul(after)
    .reshape(moved.shape)
    .permute(...inverse);
}

/**
 * ∂/∂x_i of a product is the product of the other elements. As torch: result / x when the input
 * has no zero at all (one read-back decides), else the exact products of the others.
 */
function prodGrad(g: Tensor, c: GradCtx<{ axes: number[] }>): Tensor[] {
  const { axes } = c.params;
  const shape = c.shapes[0]!;
  if (axes.length === 0) return [g]; // a product over no axes is x itself (torch: 0-d)
  const x = x0(c);
  if (deferred(x)) return [unreduce(g, shape, axes).mul(prodGradOnDevice(x, shape, axes))];
  const anyZero = noGrad(() => x.eq(0).any().item() !== 0);
  const gx = anyZero ? productOfOthers(x, axes) : unreduce(x.prod(axes), shape, axes).div(x);
  return [unreduce(g, shape, axes).mul(gx)];
}

/**
 * prodGrad's choice made on the device, for devices without synchronous read-back: both forms,
 * selected by the same "x has a zero" flag. The quotient divides by x with ones in place of x
 * when the flag is set, so the branch not taken holds no 0/0 whose NaN would reach the second
 * order through where's masked gradient.
 */
function prodGradOnDevice(x: Tensor, shape: readonly number[], axes: readonly number[]): Tensor {
  if (x.size === 0) return zerosLike(x); // nothing to differentiate, and no product to take apart
  const anyZero = noGrad(() => x.eq(0).any());
  const safe = where(anyZero, 1, x);
  const quotient = unreduce(safe.prod(axes), shape, axes).div(safe);
  return where(anyZero, productOfOthers(x, axes), quotient);
}

/**
 * torch's floor division for remainder's gradient: (a − fmod(a, b)) / b, moved down by one where
 * fmod and b differ in sign, so an infinite a gives NaN and an infinite b gives 0 or −1, where
 * floor(a / b) would give ±∞ and ±0.
 */
function floorDivide(a: Tensor, b: Tensor): Tensor {
  const q = a.div(b).floor();
  const aInf = a.abs().eq(Infinity);
  const bInf = b.abs().eq(Infinity);
  const signs = a.ne(0).logicalAnd(a.lt(0).ne(b.lt(0)));
  return where(
    aInf.logicalAnd(b.ne(0)),
    NaN,
    where(bInf.logicalAnd(a.isfinite()), where(signs, -1, 0), q),
  );
}

function batchT(t: Tensor): Tensor {
  return t.transpose(1, 2);
}

/** Whether the matrices of [batch, r, c] tensor t are transposed views of row-major memory. */
function colMajor(t: Tensor): boolean {
  const [, r, c] = t.shape as [number, number, number];
  return r > 1 && c > 1 && t.strides[1] === 1 && t.strides[2] === r;
}

/**
 * a·b's gradient for one operand, produced in that operand's layout: for a transposed view
 * (Linear's `weight.t()`) the product is computed transposed, so the gradient reaching the
 * weight through the transpose is row-major — no copy before the optimizer reads it.
 */
function matmulGrad(g: Tensor, c: GradCtx, i: 0 | 1): Tensor {
  const [a, b] = [x0(c), x1(c)];
  const shape = c.shapes[i]!;
  if (!colMajor(i === 0 ? a : b))
    return i === 0
      ? exec('matmul', [g, batchT(b)], [], shape, g.dtype)
      : exec('matmul', [batchT(a), g], [], shape, g.dtype);
  const tShape = [shape[0]!, shape[2]!, shape[1]!];
  // gaᵀ = b·gᵀ and gbᵀ = gᵀ·a
  const t =
    i === 0
      ? exec('matmul', [b, batchT(g)], [], tShape, g.dtype)
      : exec('matmul', [batchT(g), a], [], tShape, g.dtype);
  return batchT(t);
}

export const GRADS: Rules = {
  neg: { grad: (g) => [g.neg()] },
  abs: { saves: [0], grad: (g, c) => [g.mul(x0(c).sign())] },
  sign: { grad: zero },
  exp: { saves: ['out'], grad: (g, c) => [g.mul(out(c))] },
  expm1: { saves: ['out'], grad: (g, c) => [g.mul(out(c).add(1))] },
  log: { saves: [0], grad: (g, c) => [g.div(x0(c))] },
  log1p: { saves: [0], grad: (g, c) => [g.div(x0(c).add(1))] },
  sqrt: { saves: ['out'], grad: (g, c) => [g.div(out(c).mul(2))] },
  sin: { saves: [0], grad: (g, c) => [g.mul(x0(c).cos())] },
  cos: { saves: [0], grad: (g, c) => [g.mul(x0(c).sin()).neg()] },
  tanh: { saves: ['out'], grad: (g, c) => [g.mul(out(c).square().neg().add(1))] },
  sigmoid: { saves: ['out'], grad: (g, c) => [g.mul(out(c)).mul(out(c).neg().add(1))] },
  erf: {
    saves: [0],
    grad: (g, c) => [
      g.mul(
        x0(c)
          .square()
          .neg()
          .exp()
          .mul(2 / Math.sqrt(Math.PI)),
      ),
    ],
  },
  floor: { grad: zero },
  ceil: { grad: zero },
  round: { grad: zero },
  trunc: { grad: zero },

  add: { grad: (g) => [g, g] },
  sub: { grad: (g) => [g, g.neg()] },
  mul: {
    saves: [0, 1],
    savesFor: crossed,
    grad: (g, c) => [c.needs[0] ? g.mul(x1(c)) : null, c.needs[1] ? g.mul(x0(c)) : null],
  },
  div: {
    saves: [0, 1],
    savesFor: (n) => (n[1] ? [0, 1] : [1]),
    grad: (g, c) => [
      c.needs[0] ? g.div(x1(c)) : null,
      // −g·((a/b)/b) in torch's order: b² overflows near the largest float where a/b/b does not.
      c.needs[1] ? g.neg().mul(x0(c).div(x1(c)).div(x1(c))) : null,
    ],
  },
  remainder: { saves: [0, 1], grad: (g, c) => [g, g.mul(floorDivide(x0(c), x1(c))).neg()] },
  pow: {
    saves: [0, 1, 'out'],
    grad: (g, c) => {
      const [a, b] = [x0(c), x1(c)];
      // torch's order, g·(b·aᵇ⁻¹) and g·(aᵇ·log a): the bracket overflows (or not) as torch's does.
      const ga = where(b.eq(0), 0, g.mul(b.mul(a.pow(b.sub(1)))));
      // d/db a^b = a^b log a; torch defines it as 0 where a == 0 and b >= 0.
      const gb = g.mul(where(a.eq(0).logicalAnd(b.ge(0)), 0, out(c).mul(a.log())));
      return [ga, gb];
    },
  },
  maximum: {
    saves: [0, 1],
    grad: (g, c) => {
      const [a, b] = [x0(c), x1(c)];
      const half = g.mul(0.5);
      return [
        where(a.eq(b), half, where(a.lt(b), 0, g)),
        where(a.eq(b), half, where(a.gt(b), 0, g)),
      ];
    },
  },
  minimum: {
    saves: [0, 1],
    grad: (g, c) => {
      const [a, b] = [x0(c), x1(c)];
      const half = g.mul(0.5);
      return [
        where(a.eq(b), half, where(a.gt(b), 0, g)),
        where(a.eq(b), half, where(a.lt(b), 0, g)),
      ];
    },
  },
  logicalAnd: null,
  logicalOr: null,
  eq: null,
  ne: null,
  lt: null,
  le: null,
  gt: null,
  ge: null,

  where: { saves: [0], grad: (g, c) => [null, where(x0(c), g, 0), where(x0(c), 0, g)] },
  cast: {
    grad: (g, c) => [
      c.dtypes[0] === 'float32' || c.dtypes[0] === 'float64' ? g.to(c.dtypes[0]) : null,
    ],
  },
  contiguous: { grad: (g) => [g] },
  fill: null,
  stridedWrite: {
    // base's gradient is g with the written view zeroed; values' is g read through that view.
    grad: (g, c: GradCtx<WriteGeometry>) => {
      const { strides, offset } = c.params;
      const shape = c.shapes[1]!;
      const gc = g.contiguous();
      return [
        c.needs[0]
          ? exec(
              'stridedWrite',
              [gc, zeros(shape, { dtype: g.dtype, device: g.device })],
              [strides, offset],
              c.shapes[0]!,
              g.dtype,
              { gradParams: c.params },
            )
          : null,
        c.needs[1] ? asStrided(gc, shape, strides, offset) : null,
      ];
    },
  },
  pad: {
    grad: (g, c: GradCtx<{ widths: PadWidths }>) => {
      let r = g;
      c.params.widths.forEach(([before], i) => (r = r.narrow(i, before, c.shapes[0]![i]!)));
      return [r];
    },
  },
  sum: { grad: (g, c: GradCtx<{ axes: number[] }>) => [unreduce(g, c.shapes[0]!, c.params.axes)] },
  prod: { saves: [0], grad: prodGrad },
  max: { saves: [0, 'out'], grad: extremumGrad },
  min: { saves: [0, 'out'], grad: extremumGrad },
  argmax: null,
  argmin: null,
  cumsum: {
    grad: (g, c: GradCtx<{ axis: number }>) => [
      g.flip(c.params.axis).cumsum(c.params.axis).flip(c.params.axis),
    ],
  },
  matmul: {
    saves: [0, 1],
    grad: (g, c) => [
      c.needs[0] ? matmulGrad(g, c, 0) : null,
      c.needs[1] ? matmulGrad(g, c, 1) : null,
    ],
  },
  gather: {
    saves: [1],
    grad: (g, c: GradCtx<{ axis: number }>) => {
      const z = zeros(c.shapes[0]!, { dtype: g.dtype, device: g.device });
      return [
        exec('scatterAdd', [z, x1(c), g], [c.params.axis], c.shapes[0]!, g.dtype, {
          gradParams: c.params,
        }),
        null,
      ];
    },
  },
  scatterAdd: {
    saves: [1],
    grad: (g, c: GradCtx<{ axis: number }>) => [
      g,
      null,
      exec('gather', [g, x1(c)], [c.params.axis], c.shapes[1]!, g.dtype, { gradParams: c.params }),
    ],
  },
  randomBits: null,
  // The values' gradient goes back to where each value came from: g scattered by the saved
  // indices (ctx.aux; not differentiable themselves) along the sorted last axis.
  sort: {
    grad: (g, c) => {
      const shape = c.shapes[0]!;
      const axis = shape.length - 1;
      const z = zeros(shape, { dtype: g.dtype, device: g.device });
      return [
        exec('scatterAdd', [z, c.aux[0]!, g], [axis], shape, g.dtype, { gradParams: { axis } }),
      ];
    },
  },
};
