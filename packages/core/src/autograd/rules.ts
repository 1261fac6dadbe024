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
import { zeros, zerosLike } from '../ops/creation.js';
import { where } from '../ops/elementwise.js';

type Rules = { readonly [P in PrimName]: GradRule<never> | null };

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

function extremumGrad(g: Tensor, c: GradCtx<{ axes: number[] }>): Tensor[] {
  const { axes } = c.params;
  const shape = c.shapes[0]!;
  const mask = x0(c)
    .eq(unreduce(out(c), shape, axes))
    .to(g.dtype);
  const count = mask.sum(axes, true);
  return [unreduce(g, shape, axes).mul(mask).div(count)];
}

function prodGrad(g: Tensor, c: GradCtx<{ axes: number[] }>): Tensor[] {
  // Zeros make out/x undefined: with one zero only that element gets the product of the others.
  const { axes } = c.params;
  const shape = c.shapes[0]!;
  const x = x0(c);
  const isZero = x.eq(0);
  const nonzero = where(isZero, 1, x);
  const p = nonzero.prod(axes, true).expand(shape);
  const zeros = unreduce(isZero.sum(axes), shape, axes);
  const gx = where(zeros.eq(0), p.div(nonzero), where(zeros.eq(1).logicalAnd(isZero), p, 0));
  return [unreduce(g, shape, axes).mul(gx)];
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
    grad: (g, c) => [c.needs[0] ? g.mul(x1(c)) : null, c.needs[1] ? g.mul(x0(c)) : null],
  },
  div: {
    saves: [0, 1],
    grad: (g, c) => [
      c.needs[0] ? g.div(x1(c)) : null,
      c.needs[1] ? g.mul(x0(c)).div(x1(c).square()).neg() : null,
    ],
  },
  remainder: { saves: [0, 1], grad: (g, c) => [g, g.mul(x0(c).div(x1(c)).floor()).neg()] },
  pow: {
    saves: [0, 1, 'out'],
    grad: (g, c) => {
      const [a, b] = [x0(c), x1(c)];
      const ga = where(b.eq(0), 0, g.mul(b).mul(a.pow(b.sub(1))));
      // d/db a^b = a^b log a; torch defines it as 0 where a == 0 and b >= 0.
      const gb = where(a.eq(0).logicalAnd(b.ge(0)), 0, g.mul(out(c)).mul(a.log()));
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
};
