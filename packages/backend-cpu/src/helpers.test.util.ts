/**
 * Test helpers: build strided views of every layout the kernels must accept (contiguous,
 * offset, transposed, flipped, broadcast) over random physical buffers, read them back through
 * their strides as the oracle's input, and compare results exactly or within a tolerance.
 */
import { coerce, contiguousStrides, sizeOf } from '@flint/core/backend';
import type { Backend, DType, KView, TypedArray } from '@flint/core/backend';
import { expect } from 'vitest';
import { cpuBackend } from './index.js';

export type Cpu = Backend<TypedArray>;
export type V = KView<TypedArray>;
export type Layout = 'contiguous' | 'offset' | 'transposed' | 'flipped' | 'broadcast' | 'mixed';
export const LAYOUTS: Layout[] = [
  'contiguous',
  'offset',
  'transposed',
  'flipped',
  'broadcast',
  'mixed',
];

export const FLOATS = [
  0,
  -0,
  1,
  -1,
  0.5,
  -0.5,
  1.5,
  2.5,
  -2.5,
  3.7,
  -3.7,
  1e-8,
  -1e-8,
  88,
  -88,
  700,
  -700,
  1e30,
  NaN,
  Infinity,
  -Infinity,
];
export const INTS = [
  0, 1, -1, 2, -2, 3, -3, 7, -7, 31, 46341, -46341, 65536, 2147483647, -2147483648, 12345678,
];

/** A deterministic generator (mulberry32) so failures reproduce. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values typical of `dtype`: mostly special values, some random ones. */
export function valueGen(dtype: DType, seed = 1): () => number {
  const r = rng(seed);
  const pool = dtype === 'bool' ? [0, 1] : dtype === 'int32' ? INTS : FLOATS;
  return () => {
    if (dtype === 'bool') return r() < 0.5 ? 0 : 1;
    if (r() < 0.5) return pool[Math.floor(r() * pool.length)]!;
    const v = (r() - 0.5) * 20;
    return dtype === 'int32' ? Math.round(v) : v;
  };
}

export function upload(cpu: Cpu, dtype: DType, values: readonly number[]): TypedArray {
  const buf = cpu.alloc(dtype, values.length);
  const host = new (buf.constructor as new (n: number) => TypedArray)(values.length);
  values.forEach((v, i) => (host[i] = coerce(v, dtype)));
  cpu.write(buf, host);
  return buf;
}

/** A view of `shape` in the given layout over a fresh buffer of random values. */
export function makeView(
  cpu: Cpu,
  dtype: DType,
  shape: readonly number[],
  layout: Layout,
  gen: () => number,
): V {
  const rank = shape.length;
  const mixed = layout === 'mixed';
  const [transposed, flipped, padded] = [mixed, mixed, mixed];
  // Physical dims: broadcast views store one slice along their first non-trivial dim.
  const bdim = layout === 'broadcast' ? shape.findIndex((d) => d > 1) : -1;
  const phys = shape.map((d, i) => (i === bdim ? 1 : d));
  const order =
    layout === 'transposed' || transposed ? [...phys.keys()].reverse() : [...phys.keys()];
  const permStrides = contiguousStrides(order.map((i) => phys[i]!));
  const strides = new Array<number>(rank);
  order.forEach((dim, k) => (strides[dim] = permStrides[k]!));
  if (bdim >= 0) strides[bdim] = 0;
  const base = layout === 'offset' || padded ? 3 : 0;
  let offset = base;
  if ((layout === 'flipped' || flipped) && sizeOf(shape) > 0)
    for (let i = 0; i < rank; i += 2) {
      offset += (shape[i]! - 1) * strides[i]!;
      strides[i] = -strides[i]!;
    }
  const size = sizeOf(phys) + base + 2;
  const buf = upload(cpu, dtype, Array.from({ length: size }, gen));
  return { buf, dtype, shape: [...shape], strides, offset };
}

/** The logical (row-major) values of a view, read through its strides. */
export function logical(v: V): number[] {
  const out: number[] = [];
  const n = sizeOf(v.shape);
  const idx = new Array<number>(v.shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    out.push(v.buf[v.offset + idx.reduce((acc, d, k) => acc + d * v.strides[k]!, 0)]!);
    for (let d = v.shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < v.shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

export function contiguousView(cpu: Cpu, dtype: DType, shape: number[], values: number[]): V {
  return {
    buf: upload(cpu, dtype, values),
    dtype,
    shape,
    strides: contiguousStrides(shape),
    offset: 0,
  };
}

export function read(cpu: Cpu, buf: TypedArray, dtype: DType, n: number): number[] {
  return Array.from(cpu.readSync(buf, dtype, n));
}

const fmt = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));

/** Bit-exact comparison (NaN equals NaN, -0 differs from +0) with a readable failure. */
export function expectExact(actual: readonly number[], expected: readonly number[], what: string) {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < actual.length; i++)
    if (!Object.is(actual[i], expected[i]))
      expect.fail(`${what}: element ${i} is ${fmt(actual[i]!)}, expected ${fmt(expected[i]!)}`);
}

export function expectClose(
  actual: readonly number[],
  expected: readonly number[],
  rtol: number,
  atol: number,
  what: string,
) {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!,
      e = expected[i]!;
    if (Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e))) continue;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e)))
      expect.fail(`${what}: element ${i} is ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`);
  }
}

export const SHAPES: number[][] = [[], [0], [1], [7], [3, 4], [2, 0, 3], [2, 3, 4], [2, 1, 3, 2]];

export function freshCpu(): Cpu {
  return cpuBackend();
}
