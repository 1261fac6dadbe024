/**
 * Reductions: sum/prod/max/min over a set of axes, argmax/argmin along one axis and cumsum.
 *
 * `reduce` walks the input once in (roughly) memory order and folds each element into an
 * accumulator view whose strides are 0 on the reduced axes, so reducing the leading axis of a
 * row-major tensor streams through memory instead of striding down columns. Float sums and
 * products accumulate in float64 and round once when stored into a float32 output.
 */
import { contiguousStrides, DTYPES, reduceDType, sizeOf } from '@flint/core/backend';
import type {
  ArgReducePrim,
  DType,
  KernelSignatures,
  ReducePrim,
  TypedArray,
} from '@flint/core/backend';
import {
  alongAxis,
  collapse,
  isContiguousView,
  localityOrder,
  permute,
  withoutAxis,
} from '../strided.js';
import type { Alloc, View } from '../types.js';
import { reduceLoop } from './codegen.js';
import { COPY, mapNew } from './elementwise.js';

interface Fold {
  step: string;
  init: number;
}

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/** Step expressions (reading accumulator `s` and element `v`) and identities per op. */
function foldFor(op: ReducePrim, dtype: DType): Fold {
  const isFloat = dtype === 'float32' || dtype === 'float64';
  switch (op) {
    case 'sum':
      // Sums start from +0, as torch's: a sum of negative zeros is +0.
      return isFloat ? { step: 's + v', init: 0 } : { step: '(s + v) | 0', init: 0 };
    case 'prod':
      return isFloat ? { step: 's * v', init: 1 } : { step: 'Math.imul(s, v)', init: 1 };
    case 'max':
      if (!isFloat) return { step: 'v > s ? v : s', init: dtype === 'bool' ? 0 : INT_MIN };
      // NaN wins and sticks; +0 beats -0, as maximum's ref orders them.
      return {
        step: 'v > s || v !== v || (v === 0 && s === 0 && 1 / v > 0) ? v : s',
        init: -Infinity,
      };
    case 'min':
      if (!isFloat) return { step: 'v < s ? v : s', init: dtype === 'bool' ? 1 : INT_MAX };
      return {
        step: 'v < s || v !== v || (v === 0 && s === 0 && 1 / v < 0) ? v : s',
        init: Infinity,
      };
  }
}

/** Fold `x` into `acc[0, n)` (laid out as x's shape without `axes`, row-major). */
function foldInto(acc: TypedArray, n: number, x: View, axes: readonly number[], fold: Fold) {
  acc.fill(fold.init, 0, n);
  if (sizeOf(x.shape) === 0) return;
  const reduced = new Set(axes);
  const keptStrides = contiguousStrides(x.shape.filter((_, i) => !reduced.has(i)));
  let k = 0;
  const accStrides = x.shape.map((_, i) => (reduced.has(i) ? 0 : keptStrides[k++]!));
  // Walk in the input's memory order: row-major inputs keep their order, transposed or
  // flipped views are visited with their smallest stride innermost.
  const order = isContiguousView(x) ? x.shape.map((_, i) => i) : localityOrder(x.strides);
  const c = collapse(permute(x.shape, order), [
    permute(accStrides, order),
    permute(x.strides, order),
  ]);
  reduceLoop(fold.step, acc, x.buf)(acc, c.strides[0], c.shape, x.buf, x.offset, c.strides[1]);
}

// float64 accumulator for float32 sums/products, reused across calls (JS is single-threaded).
let wideAcc = new Float64Array(1024);

function reduceKernel(alloc: Alloc, op: ReducePrim): KernelSignatures<TypedArray>['reduce'] {
  const folds = new Map(DTYPES.map((d) => [d, foldFor(op, d)]));
  return (x, axes) => {
    const outDtype = reduceDType(op, x.dtype);
    // Reducing a 0-d tensor over no axes is the identity (a copy, widened for bool sums).
    if (axes.length === 0) return mapNew(alloc, COPY, outDtype, x.shape, [x]);
    const outShape = x.shape.filter((_, i) => !axes.includes(i));
    const out = alloc(outDtype, sizeOf(outShape));
    const wide = (op === 'sum' || op === 'prod') && outDtype === 'float32';
    if (wide && wideAcc.length < out.length) wideAcc = new Float64Array(out.length);
    const acc = wide ? wideAcc : out;
    foldInto(acc, out.length, x, axes, folds.get(x.dtype)!);
    if (wide) for (let i = 0; i < out.length; i++) out[i] = acc[i]!;
    return out;
  };
}

function argReduceKernel(
  alloc: Alloc,
  op: ArgReducePrim,
): KernelSignatures<TypedArray>['argReduce'] {
  return (x, axis) => {
    const rest = withoutAxis(x.shape, axis);
    // Zeroed because an empty axis (rejected by core) would leave recycled contents.
    const out = alloc('int32', sizeOf(rest)).fill(0) as Int32Array;
    const len = x.shape[axis] ?? 1;
    const sa = x.strides[axis] ?? 0;
    const X = x.buf;
    const isMax = op === 'argmax';
    alongAxis(x, axis, contiguousStrides(rest), (xp, op0, n, sx, so) => {
      for (let j = 0; j < n; j++, xp += sx, op0 += so) {
        let best = X[xp]!;
        let bi = 0;
        // The first NaN is the extreme: once seen, nothing can beat it.
        for (let k = 1, p = xp + sa; k < len && best === best; k++, p += sa) {
          const v = X[p]!;
          if (isMax ? v > best || v !== v : v < best || v !== v) {
            best = v;
            bi = k;
          }
        }
        out[op0] = bi;
      }
    });
    return out;
  };
}

const scanKernel =
  (alloc: Alloc): KernelSignatures<TypedArray>['scan'] =>
  (x, axis) => {
    const outDtype = reduceDType('cumsum', x.dtype);
    const out = alloc(outDtype, sizeOf(x.shape));
    const outStrides = contiguousStrides(x.shape);
    const len = x.shape[axis] ?? 1;
    const sa = x.strides[axis] ?? 0;
    const so = outStrides[axis] ?? 0;
    const X = x.buf;
    const wrap = outDtype === 'int32';
    alongAxis(x, axis, withoutAxis(outStrides, axis), (xp, op, n, sx, sout) => {
      for (let j = 0; j < n; j++, xp += sx, op += sout) {
        // A float64 running sum, rounded on each store for float32 outputs; it starts from +0,
        // as torch's (a running sum of negative zeros is +0).
        let s = 0;
        for (let k = 0, p = xp, q = op; k < len; k++, p += sa, q += so) {
          s = wrap ? (s + X[p]!) | 0 : s + X[p]!;
          out[q] = s;
        }
      }
    });
    return out;
  };

export function reduceKernels(alloc: Alloc) {
  return {
    reduce: (op: ReducePrim) => reduceKernel(alloc, op),
    argReduce: (op: ArgReducePrim) => argReduceKernel(alloc, op),
    scan: scanKernel(alloc),
  };
}
