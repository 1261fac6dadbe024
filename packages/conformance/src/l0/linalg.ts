/** L0: matmul, gather, scatterAdd and randomBits kernels. */
import { coerce, contiguousStrides, randomWord, type DType } from '@flint/core/backend';
import { assertClose, EXACT, maxAbs } from '../harness/compare.js';
import type { Rng } from '../harness/rng.js';
import type { Case } from '../types.js';
import { ALL, indices, layoutNeeds, primCase, randomValues, ravel } from './common.js';
import { withBuffers, type Buffers, type Geometry } from './views.js';

/** A [b, r, c] operand: contiguous, stored transposed, batch-broadcast (stride 0) or batch-flipped. */
type MatLayout = 'contiguous' | 'transposed' | 'broadcast' | 'negative';

function matGeometry(shape: [number, number, number], layout: MatLayout): Geometry {
  const [b, r, c] = shape;
  let strides: number[];
  let offset = 0;
  if (layout === 'transposed') strides = [r * c, 1, r];
  else if (layout === 'broadcast') strides = [0, c, 1];
  else if (layout === 'negative') {
    strides = [-r * c, c, 1];
    offset = (b - 1) * r * c;
  } else strides = [r * c, c, 1];
  const size = layout === 'broadcast' ? r * c : b * r * c;
  return { shape: [b, r, c], strides, offset, size: Math.max(size, 1) };
}

function matmulRef(
  a: number[],
  b: number[],
  [bt, m, k]: number[],
  n: number,
  dtype: DType,
): number[] {
  const out = new Array<number>(bt * m * n).fill(0);
  for (let z = 0; z < bt; z++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) s += a[(z * m + i) * k + q]! * b[(z * k + q) * n + j]!;
        out[(z * m + i) * n + j] = coerce(s, dtype);
      }
  return out;
}

const MATMUL_VARIANTS: Record<
  string,
  { dims: [number, number, number, number]; la: MatLayout; lb: MatLayout }
> = {
  contiguous: { dims: [2, 3, 4, 5], la: 'contiguous', lb: 'contiguous' },
  'a-transposed': { dims: [2, 3, 4, 5], la: 'transposed', lb: 'contiguous' },
  'b-transposed': { dims: [2, 3, 4, 5], la: 'contiguous', lb: 'transposed' },
  'both-transposed': { dims: [1, 5, 7, 3], la: 'transposed', lb: 'transposed' },
  'batch-broadcast': { dims: [3, 2, 4, 3], la: 'contiguous', lb: 'broadcast' },
  'batch-negative': { dims: [3, 2, 3, 2], la: 'negative', lb: 'contiguous' },
  'k-zero': { dims: [2, 3, 0, 4], la: 'contiguous', lb: 'contiguous' },
  'm-zero': { dims: [2, 0, 3, 4], la: 'contiguous', lb: 'contiguous' },
  'batch-zero': { dims: [0, 2, 3, 4], la: 'contiguous', lb: 'contiguous' },
  vector: { dims: [1, 1, 6, 1], la: 'contiguous', lb: 'contiguous' },
  larger: { dims: [2, 17, 33, 9], la: 'contiguous', lb: 'transposed' },
};

function matmulCase(dtype: DType, variant: string): Case {
  const { dims, la, lb } = MATMUL_VARIANTS[variant]!;
  const strided = la !== 'contiguous' || lb !== 'contiguous';
  return primCase(
    `l0/prim/matmul/${dtype}/${variant}`,
    'matmul',
    dtype,
    { dtypes: [dtype], strided: strided || undefined },
    (ctx, rng) =>
      withBuffers(ctx.backend, async (bufs) => {
        const [bt, m, k, n] = dims;
        const ga = matGeometry([bt, m, k], la);
        const gb = matGeometry([bt, k, n], lb);
        const a = bufs.view(dtype, ga, randomValues(rng, dtype, ga.size));
        const b = bufs.view(dtype, gb, randomValues(rng, dtype, gb.size));
        const ref = matmulRef(a.logical, b.logical, [bt, m, k], n, dtype);
        const out = await bufs.take(ctx.backend.kernels.matmul(a.view, b.view), dtype, ref.length);
        const tol = dtype === 'int32' ? EXACT : ctx.tol(dtype);
        assertClose(out, ref, {
          tol,
          scale: k * maxAbs(a.logical) * maxAbs(b.logical),
          what: `matmul ${variant}`,
        });
      }),
  );
}

function contiguousView(bufs: Buffers, dtype: DType, shape: number[], values: number[]) {
  return bufs.view(
    dtype,
    { shape, strides: contiguousStrides(shape), offset: 0, size: values.length },
    values,
  );
}

function indexValues(rng: Rng, shape: number[], axis: number, limit: number): number[] {
  return rng.array(
    shape.reduce((a, b) => a * b, 1),
    (r) => r.int(0, limit),
  );
}

/** x's geometry for gather/scatter: contiguous or stored transposed (strided). */
function xGeometry(shape: number[], transposed: boolean): Geometry {
  if (!transposed)
    return {
      shape,
      strides: contiguousStrides(shape),
      offset: 0,
      size: shape.reduce((a, b) => a * b, 1),
    };
  const [r, c] = shape;
  return { shape, strides: [1, r!], offset: 0, size: r! * c! };
}

const GATHER_VARIANTS = {
  axis0: { x: [3, 4], index: [2, 4], axis: 0, transposed: false },
  axis1: { x: [3, 4], index: [3, 6], axis: 1, transposed: false },
  smaller: { x: [3, 4], index: [2, 2], axis: 1, transposed: false },
  strided: { x: [3, 4], index: [2, 3], axis: 0, transposed: true },
  empty: { x: [3, 4], index: [0, 4], axis: 0, transposed: false },
};

function gatherRef(x: number[], xs: number[], idx: number[], is: number[], axis: number): number[] {
  const out: number[] = [];
  let k = 0;
  for (const i of indices(is)) {
    const src = i.slice();
    src[axis] = idx[k++]!;
    out.push(x[ravel(src, xs)]!);
  }
  return out;
}

function gatherCase(dtype: DType, variant: keyof typeof GATHER_VARIANTS): Case {
  const v = GATHER_VARIANTS[variant];
  const needs = layoutNeeds([dtype, 'int32'], [v.transposed ? 'transposed' : 'contiguous']);
  return primCase(`l0/prim/gather/${dtype}/${variant}`, 'gather', dtype, needs, (ctx, rng) =>
    withBuffers(ctx.backend, async (bufs) => {
      const g = xGeometry(v.x, v.transposed);
      const x = bufs.view(dtype, g, randomValues(rng, dtype, g.size));
      const idx = contiguousView(
        bufs,
        'int32',
        v.index,
        indexValues(rng, v.index, v.axis, v.x[v.axis]!),
      );
      const ref = gatherRef(x.logical, v.x, idx.logical, v.index, v.axis);
      const out = await bufs.take(
        ctx.backend.kernels.gather(x.view, idx.view, v.axis),
        dtype,
        ref.length,
      );
      assertClose(out, ref, { tol: EXACT, what: `gather ${variant}` });
    }),
  );
}

function scatterCase(dtype: DType, variant: keyof typeof GATHER_VARIANTS): Case {
  const v = GATHER_VARIANTS[variant];
  const needs = layoutNeeds([dtype, 'int32'], [v.transposed ? 'transposed' : 'contiguous']);
  return primCase(
    `l0/prim/scatterAdd/${dtype}/${variant}`,
    'scatterAdd',
    dtype,
    needs,
    (ctx, rng) =>
      withBuffers(ctx.backend, async (bufs) => {
        const g = xGeometry(v.x, v.transposed);
        const x = bufs.view(dtype, g, randomValues(rng, dtype, g.size));
        const idxVals = indexValues(rng, v.index, v.axis, v.x[v.axis]!);
        const idx = contiguousView(bufs, 'int32', v.index, idxVals);
        const n = v.index.reduce((a, b) => a * b, 1);
        const src = contiguousView(bufs, dtype, v.index, randomValues(rng, dtype, n));
        const ref = x.logical.slice();
        let k = 0;
        for (const i of indices(v.index)) {
          const dst = i.slice();
          dst[v.axis] = idxVals[k]!;
          const o = ravel(dst, v.x);
          ref[o] = coerce(ref[o]! + src.logical[k++]!, dtype);
        }
        const out = await bufs.take(
          ctx.backend.kernels.scatterAdd(x.view, idx.view, src.view, v.axis),
          dtype,
          ref.length,
        );
        const tol = dtype === 'int32' ? EXACT : ctx.tol(dtype);
        assertClose(out, ref, { tol, scale: 8, what: `scatterAdd ${variant}` });
      }),
  );
}

const RANDOM_VARIANTS: Record<string, { shape: number[]; key: [number, number]; offset: number }> =
  {
    vector: { shape: [7], key: [0, 0], offset: 0 },
    matrix: { shape: [3, 5], key: [42, 7], offset: 11 },
    scalar: { shape: [], key: [1, 2], offset: 5 },
    empty: { shape: [0], key: [1, 2], offset: 0 },
    'high-counter': { shape: [6], key: [0xdeadbeef | 0, 0x12345678], offset: 4294967293 },
  };

function randomCase(variant: string): Case {
  const v = RANDOM_VARIANTS[variant]!;
  return primCase(
    `l0/prim/randomBits/${variant}`,
    'randomBits',
    'int32',
    { dtypes: ['int32'], rank: v.shape.length },
    async (ctx) => {
      const n = v.shape.reduce((a, b) => a * b, 1);
      const buf = ctx.backend.kernels.randomBits(v.shape, v.key, v.offset);
      const out = await ctx.backend.read(buf, 'int32', n);
      ctx.backend.free(buf);
      const ref = Array.from({ length: n }, (_, i) => randomWord(v.key, v.offset + i));
      assertClose(out, ref, { tol: EXACT, what: `randomBits ${variant}` });
    },
  );
}

export function linalgCases(): Case[] {
  const cases: Case[] = [];
  for (const d of ['float32', 'float64'] as const)
    for (const v of Object.keys(MATMUL_VARIANTS)) cases.push(matmulCase(d, v));
  for (const d of ALL)
    for (const v of Object.keys(GATHER_VARIANTS) as (keyof typeof GATHER_VARIANTS)[]) {
      cases.push(gatherCase(d, v));
      if (d !== 'bool') cases.push(scatterCase(d, v));
    }
  for (const v of Object.keys(RANDOM_VARIANTS)) cases.push(randomCase(v));
  return cases;
}
