/**
 * Limits every backend must agree on.
 * - `api/rank/…`: tensors of rank caps.maxRank work end to end; one dim more is a ShapeError
 *   naming the op, the rank, the device and its limit (core checks it before any kernel runs).
 * - `ops/sizes/<op>/<dtype>`: an element's result does not depend on the tensor's size, layout
 *   or how a backend splits the work (vector body, tail, threads): the same special and
 *   subnormal-producing inputs alone, tiled past 4096 elements and strided give bit-identical
 *   results, within tolerance of a float64 reference, and results in the subnormal range are
 *   rounded as IEEE arithmetic gives them, never flushed to 0. The PyTorch semantics of ±inf and
 *   NaN in a softmax lane are part of the reference.
 */
import * as fl from '@flint/core';
import type { DType } from '@flint/core/backend';
import { assertClose, assertShape, check, EXACT } from '../harness/compare.js';
import { read } from '../harness/read.js';
import type { Case, CaseContext } from '../types.js';
import { expectError } from './check.js';
import { flatTensor } from './fixtures.js';
import { subnormalNeeds } from '../harness/subnormal.js';

function rankCases(): Case[] {
  const atMax: Case = {
    id: 'api/rank/max',
    layer: 'L1',
    op: 'rank',
    run: async (ctx: CaseContext) => {
      const r = ctx.backend.caps.maxRank;
      // Mostly size-1 dims, so the case stays small: 2·3·2 = 12 elements at any rank.
      const shape: number[] = Array.from({ length: r }, (_, i) => (i === 0 || i === r - 1 ? 2 : 1));
      if (r > 2) shape[1] = 3;
      const x = fl.arange(0, 12, 1, { dtype: 'float32' }).reshape(shape);
      const y = x.mul(2).add(1).exp().log(); // element-wise kernels at rank r
      const t = y.transpose(0, r - 1).contiguous(); // a strided copy at rank r
      assertShape(t.shape, [2, ...shape.slice(1, -1), 2]);
      const s = y.sum(r - 1, true); // a reduction at rank r
      assertShape(s.shape, [...shape.slice(0, -1), 1]);
      const want = Array.from({ length: 12 }, (_, i) => 2 * i + 1);
      assertClose(await read(y), want, { tol: ctx.tol('float32'), what: `rank ${r} values` });
      const pairs = Array.from({ length: 6 }, (_, i) => want[2 * i]! + want[2 * i + 1]!);
      assertClose(await read(s), pairs, { tol: ctx.tol('float32'), what: `rank ${r} sums` });
    },
  };
  const overMax: Case = {
    id: 'errors/rank/over-max',
    layer: 'errors',
    op: 'add',
    run: (ctx: CaseContext) => {
      const r = ctx.backend.caps.maxRank;
      const mention = [String(r + 1), ctx.backend.name, String(r)];
      // A view may have more dims (it is metadata); the first kernel on it is the error.
      const x = fl.ones([2]).reshape([2, ...Array<number>(r).fill(1)]);
      assertShape(x.shape, [2, ...Array<number>(r).fill(1)]);
      expectError(() => x.add(1), 'ShapeError', 'add', mention);
      expectError(() => x.sum(), 'ShapeError', 'sum', mention);
      expectError(() => fl.zeros(Array<number>(r + 1).fill(1)), 'ShapeError', 'fill', mention);
    },
  };
  return [atMax, overMax];
}

// ---- sizes -----------------------------------------------------------------------------------

const sigmoid = (v: number) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));

/** Inputs whose results are special or land in (or near) the subnormal range of each dtype. */
const INPUTS: Record<'float32' | 'float64', number[]> = {
  float32: [-100, -103, -95.5, -88, -87.5, 0, 1, -1, 20, 89, NaN, Infinity, -Infinity, -0, 3.5],
  float64: [-740, -745, -720.25, -708.5, -700, 0, 1, -1, 30, 710, NaN, Infinity, -Infinity, -0],
};

/** Softmax lanes of 4: +inf, −inf, all −inf, NaN, far apart (subnormal exps), ordinary. */
const LANES: Record<'float32' | 'float64', number[][]> = {
  float32: [
    [Infinity, 0, 1, 2],
    [-Infinity, 0, 1, 2],
    [-Infinity, -Infinity, -Infinity, -Infinity],
    [NaN, 0, 1, 2],
    [0, -95, -100, -200],
    [1, 2, 3, 4],
  ],
  float64: [
    [Infinity, 0, 1, 2],
    [-Infinity, 0, 1, 2],
    [-Infinity, -Infinity, -Infinity, -Infinity],
    [NaN, 0, 1, 2],
    [0, -720, -740, -800],
    [1, 2, 3, 4],
  ],
};

/** Softmax of one lane in float64, as PyTorch: shifted by the max (by 0 when it is −inf). */
function softmaxRef(lane: number[], log: boolean): number[] {
  const m = lane.some(Number.isNaN) ? NaN : Math.max(...lane);
  const shift = m === -Infinity ? 0 : m;
  const sum = lane.reduce((s, v) => s + Math.exp(v - shift), 0);
  return lane.map((v) => (log ? v - shift - Math.log(sum) : Math.exp(v - shift) / sum));
}

interface SizeOp {
  /** Elements (element-wise ops) or lanes of 4 (softmax) the op works on independently. */
  unit: number;
  inputs: (d: 'float32' | 'float64') => number[];
  /** The float64 reference; `round` rounds to the dtype (for composites' intermediates). */
  ref: (xs: number[], round: (v: number) => number) => number[];
  run: (x: fl.Tensor) => fl.Tensor;
}

const elementwise = (
  f: (v: number, round: (v: number) => number) => number,
  run: (x: fl.Tensor) => fl.Tensor,
): SizeOp => ({
  unit: 1,
  inputs: (d) => INPUTS[d],
  ref: (xs, round) => xs.map((v) => f(v, round)),
  run,
});
const softmaxLike = (log: boolean): SizeOp => ({
  unit: 4,
  inputs: (d) => LANES[d].flat(),
  ref: (xs) =>
    Array.from({ length: xs.length / 4 }, (_, i) =>
      softmaxRef(xs.slice(4 * i, 4 * i + 4), log),
    ).flat(),
  run: (x) => (log ? x.logSoftmax(-1) : x.softmax(-1)),
});

const SIZE_OPS: Record<string, SizeOp> = {
  exp: elementwise(Math.exp, (x) => x.exp()),
  sigmoid: elementwise(sigmoid, (x) => x.sigmoid()),
  // The composite x·sigmoid(x): sigmoid is rounded to the dtype before the product.
  silu: elementwise(
    (v, round) => v * round(sigmoid(v)),
    (x) => fl.silu(x),
  ),
  softmax: softmaxLike(false),
  logSoftmax: softmaxLike(true),
};

const SMALLEST: Record<'float32' | 'float64', number> = { float32: 2 ** -149, float64: 2 ** -1074 };
const SMALLEST_NORMAL: Record<'float32' | 'float64', number> = {
  float32: 2 ** -126,
  float64: 2 ** -1022,
};

/** xs ([rows, u], row-major) transposed to [u, rows]. */
function transpose(xs: number[], rows: number, u: number): number[] {
  return Array.from({ length: xs.length }, (_, i) => xs[(i % rows) * u + Math.floor(i / rows)]!);
}

/** Results of `op` on `xs` alone ([n/unit, unit]), tiled to ≥ 4096 elements, and strided. */
async function layouts(
  op: SizeOp,
  xs: number[],
  dtype: DType,
): Promise<{ what: string; got: number[] }[]> {
  const u = op.unit;
  const rows = xs.length / u;
  const reps = Math.ceil(4096 / xs.length) + 1;
  const alone = await read(op.run(flatTensor(xs, [rows, u], dtype)));
  const tiled = op.run(flatTensor(Array<number[]>(reps).fill(xs).flat(), [reps * rows, u], dtype));
  const tiledVals = await read(tiled);
  // Element-wise: x[:, 1] of a tensor holding xs in its middle column (a stride-3 view). Lanes:
  // the transpose of [u, rows], so that each lane steps by `rows`.
  const strided = await read(
    u === 1
      ? op.run(
          flatTensor(
            xs.flatMap((v) => [7, v, -7]),
            [xs.length, 3],
            dtype,
          ).narrow(1, 1, 1),
        )
      : op.run(flatTensor(transpose(xs, rows, u), [u, rows], dtype).transpose(0, 1)),
  );
  const out = [{ what: 'alone', got: Array.from(alone) }];
  for (let r = 0; r < reps; r++)
    out.push({
      what: `copy ${r} of ${reps} in a tensor of ${reps * xs.length}`,
      got: Array.from(tiledVals.slice(r * xs.length, (r + 1) * xs.length)),
    });
  out.push({ what: 'a strided view', got: Array.from(strided) });
  return out;
}

/** The float32 reference results of size op `name`, as a tensor spec. */
function sizeRef(name: string): { dtype: 'float32'; data: number[] } {
  const op = SIZE_OPS[name]!;
  const xs = op.inputs('float32').map(Math.fround);
  return { dtype: 'float32', data: op.ref(xs, Math.fround).map(Math.fround) };
}

function sizeCase(name: string, dtype: 'float32' | 'float64'): Case {
  return {
    id: `ops/sizes/${name}/${dtype}`,
    layer: 'L1',
    op: name,
    dtype,
    // float32 results in the subnormal range (exp(-100)) need a device that keeps them
    needs: {
      dtypes: [dtype],
      ...(dtype === 'float32' ? subnormalNeeds([], { atol: 0 }, sizeRef(name)) : {}),
    },
    run: async (ctx: CaseContext) => {
      const op = SIZE_OPS[name]!;
      const xs = op.inputs(dtype).map((v) => (dtype === 'float32' ? Math.fround(v) : v));
      const round = (v: number) => (dtype === 'float32' ? Math.fround(v) : v);
      const ref = op.ref(xs, round).map(round);
      const results = await layouts(op, xs, dtype);
      const first = results[0]!.got;
      for (const { what, got } of results)
        assertClose(got, first, { tol: EXACT, signedZero: true, what: `${name} ${what} vs alone` });
      assertClose(first, ref, { tol: ctx.tol(dtype), what: `${name} vs the float64 reference` });
      // Subnormal results: nonzero, within one step of the subnormal grid of the reference.
      ref.forEach((want, i) => {
        if (want === 0 || !(Math.abs(want) < SMALLEST_NORMAL[dtype])) return;
        const got = first[i]!;
        check(
          got !== 0 && Math.abs(got - want) <= SMALLEST[dtype],
          `${name}(${xs[i]}) = ${got}: expected the subnormal ${want} (no flush to 0)`,
        );
      });
    },
  };
}

export function limitCases(): Case[] {
  const sizes = Object.keys(SIZE_OPS).flatMap((name) =>
    (['float32', 'float64'] as const).map((d) => sizeCase(name, d)),
  );
  return [...rankCases(), ...sizes];
}
