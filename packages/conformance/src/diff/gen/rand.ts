/**
 * Building blocks of the TypeScript program generator (the mirror of scripts/fixtures/diff_args.py):
 * `Rand` draws shapes, dims and scalars from a seeded Rng; `Extra` describes a new program input
 * an op asks for; X marks the chain value's place among an op's inputs.
 */
import type { DType } from '@flint/core/backend';
import { Rng } from '../../harness/rng.js';

export const X = 'x';
export const FLOATS: readonly DType[] = ['float32', 'float64'];
export const NUMERIC: readonly DType[] = [...FLOATS, 'int32'];
export const ALL: readonly DType[] = [...NUMERIC, 'bool'];
/** Chance of a deliberately invalid argument: error paths must agree across devices too. */
export const P_BAD = 0.03;

/** Value domain of an input: integers in [lo, hi), a probability (0 and 1 included), short decimals. */
export type Domain = { int: [number, number] } | 'prob' | 'small' | null;

export interface Extra {
  shape: number[];
  dtype: DType;
  domain: Domain;
  grad: boolean;
  view: boolean;
}

export function extra(
  shape: readonly number[],
  dtype: DType,
  domain: Domain = null,
  grad = true,
  view = true,
): Extra {
  return { shape: [...shape], dtype, domain, grad: grad && FLOATS.includes(dtype), view };
}

export class Rand {
  private readonly rng: Rng;
  constructor(seed: number | string) {
    this.rng = new Rng(seed);
  }
  next(): number {
    return this.rng.next();
  }
  normal(): number {
    return this.rng.normal();
  }
  p(prob: number): boolean {
    return this.rng.next() < prob;
  }
  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return this.rng.int(lo, hi + 1);
  }
  choice<T>(xs: readonly T[]): T {
    return xs[this.rng.int(0, xs.length)]!;
  }
  weighted<T>(pairs: readonly (readonly [T, number])[]): T {
    let u = this.rng.next() * pairs.reduce((a, [, w]) => a + w, 0);
    for (const [k, w] of pairs) if ((u -= w) < 0) return k;
    return pairs[pairs.length - 1]![0];
  }
  subset<T>(xs: readonly T[], prob = 0.5): T[] {
    return xs.filter(() => this.p(prob));
  }
  perm(n: number): number[] {
    const a = [...Array(n).keys()];
    for (let i = n - 1; i > 0; i--) {
      const j = this.rng.int(0, i + 1);
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  }
  /** A short decimal in [lo, hi]: one digit after the point. */
  short(lo = -2.5, hi = 2.5): number {
    return Math.round(this.rng.uniform(lo, hi) * 10) / 10;
  }
  /** A valid dim of a tensor of `rank` (0-d accepts 0 and -1), sometimes out of range. */
  dim(rank: number): number {
    const n = Math.max(rank, 1);
    if (this.p(P_BAD)) return this.choice([n, -n - 1, n + 2]);
    const d = this.int(0, n - 1);
    return this.p(0.3) ? d - n : d;
  }
  dims(rank: number): number[] {
    const ds = this.subset([...Array(rank).keys()]);
    const list = ds.length ? ds : [this.int(0, Math.max(rank - 1, 0))];
    return list.map((d) => (rank && this.p(0.3) ? d - rank : d));
  }
  size(): number {
    return this.weighted([
      [0, 1],
      [1, 4],
      [2, 6],
      [3, 5],
      [4, 3],
      [5, 1],
    ]);
  }
  shape(rank?: number, maxNumel = 48, minDim = 0): number[] {
    const r =
      rank ??
      this.weighted([
        [0, 2],
        [1, 5],
        [2, 6],
        [3, 4],
        [4, 3],
      ]);
    for (let k = 0; k < 20; k++) {
      const s = Array.from({ length: r }, () => Math.max(this.size(), minDim));
      if (s.reduce((a, b) => a * b, 1) <= maxNumel) return s;
    }
    return Array<number>(r).fill(Math.max(minDim, 1));
  }
}

/** A shape that broadcasts with `shape` (sometimes to a larger result, rarely not at all). */
export function broadcastShape(r: Rand, shape: readonly number[]): number[] {
  const s = [...shape];
  const kind = r.weighted([
    ['same', 5],
    ['suffix', 2],
    ['ones', 2],
    ['grow', 1],
    ['bad', P_BAD * 10],
  ] as const);
  if (kind === 'suffix' && s.length) return s.slice(r.int(1, s.length));
  if (kind === 'ones') return s.map((d) => (r.p(0.5) ? 1 : d));
  if (kind === 'grow' && s.length < 4) return [r.int(1, 3), ...s.map((d) => (r.p(0.3) ? 1 : d))];
  if (kind === 'bad' && s.some((d) => d > 1)) {
    const i = s.findIndex((d) => d > 1);
    s[i]! += 1;
  }
  return s;
}

/** A random shape with `numel` elements (rank 0–4), sometimes with one -1. */
export function factorShape(r: Rand, numel: number): number[] {
  if (numel === 0) {
    const s = Array.from({ length: r.int(0, 2) }, () => r.int(1, 3));
    s.splice(r.int(0, s.length), 0, 0);
    return s;
  }
  const dims: number[] = [];
  let rest = numel;
  for (let k = r.int(0, 3); k > 0; k--) {
    const divs = [...Array(rest).keys()].map((i) => i + 1).filter((d) => rest % d === 0);
    const d = r.choice(divs);
    dims.push(d);
    rest /= d;
  }
  if (rest > 1 || !dims.length || r.p(0.3)) dims.push(rest);
  if (dims.length === 1 && dims[0] === 1 && r.p(0.3)) dims.pop();
  if (dims.length && r.p(0.25)) dims[r.int(0, dims.length - 1)] = -1;
  if (r.p(P_BAD)) dims.push(2);
  return dims;
}

/** A Python-style slice of a dim of size n, as the `index` op reads it ('a:b:c'). */
export function sliceStr(r: Rand, n: number): string {
  const start = r.p(0.4) ? '' : String(r.int(-n - 1, n + 1));
  const stop = r.p(0.4) ? '' : String(r.int(-n - 1, n + 1));
  const step = r.p(0.6) ? '' : String(r.int(1, 3));
  return `${start}:${stop}${step ? `:${step}` : ''}`;
}
