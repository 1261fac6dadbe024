/**
 * KViews for calling kernels directly: layouts (contiguous, offset, transposed, stepped, broadcast,
 * negative-stride, empty, rank-0, high rank) over a physical buffer, plus a plain-JS reader that
 * gives the logical values a kernel should see.
 */
import {
  BYTES,
  coerce,
  contiguousStrides,
  typedArrayFor,
  type Backend,
  type DType,
  type KView,
  type TypedArray,
} from '@flint/core/backend';

export type Layout =
  | 'contiguous'
  | 'offset'
  | 'transposed'
  | 'stepped'
  | 'broadcast'
  | 'negative'
  | 'empty'
  | 'scalar'
  | 'high-rank';

export interface Geometry {
  shape: number[];
  strides: number[];
  offset: number;
  /** Physical elements needed. */
  size: number;
}

export const SHAPE2 = [3, 4];

function physicalSize(
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
): number {
  if (shape.some((d) => d === 0)) return Math.max(offset, 1);
  let hi = offset;
  let lo = offset;
  shape.forEach((d, i) => {
    const s = strides[i]! * (d - 1);
    if (s > 0) hi += s;
    else lo += s;
  });
  if (lo < 0) throw new Error(`layout reaches index ${lo}`);
  return hi + 1;
}

function geom(shape: number[], strides: number[], offset: number): Geometry {
  return { shape, strides, offset, size: physicalSize(shape, strides, offset) + 2 };
}

/** Shape used by `high-rank` for a given rank cap: [2,1,3,1,2,2] truncated. */
export function highRankShape(rank: number): number[] {
  return [2, 1, 3, 1, 2, 2].slice(0, rank);
}

/**
 * The geometry of a layout for a logical `shape` (rank ≥ 2 for transposed/broadcast/negative/stepped;
 * `empty`, `scalar` and `high-rank` choose their own shape).
 */
export function layoutGeometry(
  layout: Layout,
  shape: readonly number[] = SHAPE2,
  rank = 6,
): Geometry {
  const s = [...shape];
  const r = s.length;
  const cs = contiguousStrides(s);
  switch (layout) {
    case 'contiguous':
      return geom(s, cs, 0);
    case 'offset':
      return geom(s, cs, 5);
    case 'transposed': {
      // stored with the last two axes swapped
      const phys = [...s.slice(0, r - 2), s[r - 1]!, s[r - 2]!];
      const ps = contiguousStrides(phys);
      return geom(s, [...ps.slice(0, r - 2), ps[r - 1]!, ps[r - 2]!], 0);
    }
    case 'stepped':
      return geom(
        s,
        cs.map((x) => x * 2),
        1,
      );
    case 'broadcast':
      // axis 0 repeats one row
      return geom(s, [0, ...contiguousStrides(s.slice(1))], 0);
    case 'negative': {
      // axis 0 flipped: negative stride, offset at the last row
      const st = [-cs[0]!, ...cs.slice(1)];
      return geom(s, st, (s[0]! - 1) * cs[0]!);
    }
    case 'empty':
      return geom([0, ...s.slice(1)], contiguousStrides([0, ...s.slice(1)]), 0);
    case 'scalar':
      return geom([], [], 3);
    case 'high-rank': {
      const hs = highRankShape(rank);
      // permuted storage: reverse axis order in memory
      const phys = [...hs].reverse();
      const ps = contiguousStrides(phys).reverse();
      return geom(hs, ps, 0);
    }
  }
}

/** Flat row-major logical values of a view over `phys`. */
export function readLogical(
  phys: ArrayLike<number>,
  g: { shape: readonly number[]; strides: readonly number[]; offset: number },
): number[] {
  const n = g.shape.reduce((a, b) => a * b, 1);
  const out = new Array<number>(n);
  const idx = new Array<number>(g.shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    let p = g.offset;
    for (let d = 0; d < idx.length; d++) p += idx[d]! * g.strides[d]!;
    out[k] = phys[p]!;
    for (let d = idx.length - 1; d >= 0; d--) {
      if (++idx[d]! < g.shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** Tracks buffers a case allocates so it can free them all (the leak check then sees zero net). */
export class Buffers {
  private readonly live: unknown[] = [];
  constructor(readonly backend: Backend) {}

  /** Upload host values (coerced to dtype) as a fresh buffer. */
  upload(dtype: DType, values: ArrayLike<number>): unknown {
    const arr = typedArrayFor(dtype, values.length);
    for (let i = 0; i < values.length; i++) arr[i] = coerce(values[i]!, dtype);
    const buf = this.backend.alloc(dtype, values.length);
    this.live.push(buf);
    this.backend.write(buf, arr);
    return buf;
  }

  /** A view with geometry `g` over a buffer holding `phys`; returns the view and its logical values. */
  view(
    dtype: DType,
    g: Geometry,
    phys: ArrayLike<number>,
  ): { view: KView<unknown>; logical: number[] } {
    const buf = this.upload(dtype, phys);
    const stored = Array.from(phys, (v) => coerce(v, dtype));
    return {
      view: { buf, dtype, shape: g.shape, strides: g.strides, offset: g.offset },
      logical: readLogical(stored, g),
    };
  }

  /** Read a kernel's output (size elements) and free it. */
  async take(buf: unknown, dtype: DType, size: number): Promise<TypedArray> {
    try {
      return await this.backend.read(buf, dtype, size);
    } finally {
      this.backend.free(buf);
    }
  }

  freeAll(): void {
    for (const b of this.live.splice(0)) this.backend.free(b);
  }
}

/** Run `fn` with a Buffers pool that is always emptied afterwards. */
export async function withBuffers<T>(backend: Backend, fn: (b: Buffers) => Promise<T>): Promise<T> {
  const pool = new Buffers(backend);
  try {
    return await fn(pool);
  } finally {
    pool.freeAll();
  }
}

export const bytesOf = (dtype: DType, n: number): number => BYTES[dtype] * n;
