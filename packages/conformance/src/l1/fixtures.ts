/**
 * The golden fixtures (packages/conformance/fixtures/*.json, written by scripts/gen-fixtures.py
 * from PyTorch): loading, decoding of special floats, and turning inputs into Flint tensors.
 */
import * as fl from '@flint/core';
import type { DType, Tolerance } from '@flint/core/backend';
import { host } from '../host/host.js';

export type Encoded = number | boolean | 'nan' | 'inf' | '-inf' | '-0';

export interface TensorSpec {
  shape: number[];
  dtype: DType;
  data: Encoded[];
  requiresGrad?: boolean;
  /** Built as a transposed (non-contiguous) view of a [cols, rows] tensor. */
  layout?: 'transposed';
}

export type Expected =
  | TensorSpec
  | { values: TensorSpec; indices: TensorSpec }
  | { list: TensorSpec[] }
  | { error: 'ShapeError' | 'DTypeError' | 'DeviceError' | 'DisposedTensorError' | 'BackendError' };

export interface FixtureCase {
  id: string;
  op: string;
  args: Record<string, unknown>;
  inputs: TensorSpec[];
  expected: Expected;
  gradOutputs?: TensorSpec[];
  grads?: (TensorSpec | null)[];
  signedZero?: boolean;
  /** Strings the error message must contain besides the op name (shapes as `[2,3]`, dtypes). */
  mentions?: string[];
  /** Tightens the backend's tolerance for this case (e.g. atol 0: subnormal results must survive). */
  tol?: Partial<Tolerance>;
  /**
   * false: special points (NaN, ±inf, kinks, overflow) where finite differences mean nothing, so
   * the gradients are checked against PyTorch's only (first and second order).
   */
  fd?: false;
  /**
   * true: the op's output shape depends on input values (a mask, nonzero), which a device
   * without synchronous read-back cannot give synchronously; it runs the op's async form instead
   * (tested by api/indexing/async-*), so the case is skipped there.
   */
  syncRead?: true;
  /** PyTorch's Hessian-vector products ∇⟨∇L, w⟩ along `directions` (null: no grad for that input). */
  hvp?: { directions: (TensorSpec | null)[]; expected: (TensorSpec | null)[] };
  family: string;
}

let cache: FixtureCase[] | null = null;

/** Every fixture case, families in file-name order. */
export function loadFixtures(): FixtureCase[] {
  if (cache) return cache;
  const h = host();
  cache = h.listFixtures('').flatMap((f) => {
    const doc = h.readFixture('', f) as {
      family: string;
      cases: Omit<FixtureCase, 'family'>[];
    };
    return doc.cases.map((c) => ({ ...c, family: doc.family }));
  });
  return cache;
}

export function decode(v: Encoded): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  switch (v) {
    case 'nan':
      return NaN;
    case 'inf':
      return Infinity;
    case '-inf':
      return -Infinity;
    case '-0':
      return -0;
  }
  throw new Error(`bad encoded number ${JSON.stringify(v)}`);
}

/** A number argument that may be an encoded special float. */
export function num(v: unknown): number {
  return typeof v === 'string' ? decode(v as Encoded) : (v as number);
}

/**
 * The values of a spec. float32 data is written as the shortest decimal that rounds back to the
 * float32, so it is rounded to float32 here: for subnormals the decimal itself can be 40% away.
 */
export function values(spec: TensorSpec): number[] {
  const vals = spec.data.map(decode);
  return spec.dtype === 'float32' ? vals.map(Math.fround) : vals;
}

const ARRAYS = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  bool: Uint8Array,
} as const;

/** A tensor of `shape` from flat values, stored as `dtype`. */
export function flatTensor(
  vals: ArrayLike<number>,
  shape: readonly number[],
  dtype: DType,
  requiresGrad = false,
): fl.Tensor {
  const arr = new ARRAYS[dtype](vals.length);
  for (let i = 0; i < vals.length; i++) arr[i] = vals[i]!;
  return fl.tensor(arr, { shape: [...shape], dtype, requiresGrad });
}

/** A Flint tensor for a spec, optionally in another (float) dtype, optionally a leaf requiring grad. */
export function makeTensor(
  spec: TensorSpec,
  opts: { dtype?: DType; requiresGrad?: boolean } = {},
): fl.Tensor {
  const dtype = opts.dtype ?? spec.dtype;
  const vals = values(spec);
  if (spec.layout === 'transposed' && spec.shape.length === 2 && !opts.requiresGrad) {
    const [r, c] = spec.shape as [number, number];
    const phys = new ARRAYS[dtype](r * c);
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) phys[j * r + i] = vals[i * c + j]!;
    return fl.tensor(phys, { shape: [c, r], dtype }).transpose(0, 1);
  }
  return flatTensor(vals, spec.shape, dtype, !!opts.requiresGrad);
}

/** Every dtype a fixture case touches (inputs and results). */
export function dtypesOf(c: FixtureCase): DType[] {
  const ds = new Set<DType>(c.inputs.map((s) => s.dtype));
  const e = c.expected;
  if ('dtype' in e) ds.add(e.dtype);
  if ('values' in e) ds.add(e.values.dtype).add(e.indices.dtype);
  if ('list' in e) e.list.forEach((s) => ds.add(s.dtype));
  return [...ds];
}

export function mainDType(c: FixtureCase): DType {
  return c.inputs[0]?.dtype ?? ('dtype' in c.expected ? c.expected.dtype : 'float32');
}
