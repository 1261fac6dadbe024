/** Tensor creation: from JS data, constants, ranges and the counter-based random generator. */
import { getBackend, Storage } from '../device.js';
import { type DType, type TypedArray, coerce, isDType, isFloat, typedArrayFor } from '../dtype.js';
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import { describe } from '../check/describe.js';
import { checkShape, contiguousStrides, sizeOf } from '../shape.js';
import { type NestedArray, type Tensor, trustedTensor } from '../tensor.js';
import { noGrad } from '../autograd/mode.js';
import { exec } from './dispatch.js';
import { tidy } from '../scope.js';
import { randomWord } from '../random.js';

/** Options of the creation functions (`fl.tensor`, `fl.zeros`, `fl.randn`…). */
export interface CreateOptions {
  /** Element type (default float32, or what the data implies for `fl.tensor`). */
  dtype?: DType;
  /** Device to create the tensor on (default: the default device). */
  device?: string;
  /** Make the result a leaf that requires grad (default false). */
  requiresGrad?: boolean;
}
export type ShapeArg = number | readonly number[];

function finish(t: Tensor, opts: CreateOptions): Tensor {
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

/** @internal Copy host data into a new tensor on `device`. */
export function upload(
  data: TypedArray,
  shape: readonly number[],
  dtype: DType,
  device?: string,
): Tensor {
  const backend = getBackend(device);
  const buf = backend.alloc(dtype, data.length);
  backend.write(buf, data);
  return trustedTensor(
    new Storage(backend, buf, dtype, data.length),
    shape.slice(),
    contiguousStrides(shape),
    0,
  );
}

/**
 * @internal A contiguous tensor of `shape` on `device` whose contents the caller fills with ranged
 * writes (`write(data, at)`): loaders stream a big tensor through a small host buffer with it.
 * Its contents are unspecified until written.
 */
export function uploadRanges(
  shape: readonly number[],
  dtype: DType,
  device?: string,
): { tensor: Tensor; write(data: TypedArray, at: number): void } {
  const backend = getBackend(device);
  const size = sizeOf(shape);
  const buf = backend.alloc(dtype, size);
  const tensor = trustedTensor(
    new Storage(backend, buf, dtype, size),
    shape.slice(),
    contiguousStrides(shape),
    0,
  );
  return { tensor, write: (data, at) => backend.write(buf, data, at) };
}

/** A host array of `n` elements; a size the JS engine cannot allocate is a ShapeError. */
function hostArray(op: string, dtype: DType, n: number): TypedArray {
  try {
    return typedArrayFor(dtype, n);
  } catch {
    throw new ShapeError(`${op}: cannot allocate ${n} elements of ${dtype} on the host`);
  }
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * `v` as stored in `dtype`. A value int32 cannot hold (NaN, ±∞, beyond ±2^31) is a DTypeError,
 * as torch's "value cannot be converted to type int32 without overflow"; fractions truncate.
 */
function store(op: string, v: number, dtype: DType): number {
  if (dtype === 'int32' && !(v >= INT32_MIN && v <= INT32_MAX))
    throw new DTypeError(
      `${op}: value ${describe(v)} cannot be converted to int32 without overflow (valid: ${INT32_MIN} to ${INT32_MAX})`,
    );
  return coerce(v, dtype);
}

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0] as NestedArray;
  }
  return shape;
}

function flatten(data: NestedArray, shape: readonly number[], out: number[], depth = 0): void {
  if (depth === shape.length) {
    if (Array.isArray(data))
      throw new ShapeError(`tensor: ragged nested array, expected shape ${fmtShape(shape)}`);
    const v = data as number | boolean;
    if (typeof v !== 'number' && typeof v !== 'boolean')
      throw new DTypeError(
        `tensor: unsupported element ${describe(v)} (expected numbers or booleans)`,
      );
    out.push(typeof v === 'boolean' ? (v ? 1 : 0) : v);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[depth])
    throw new ShapeError(
      `tensor: ragged nested array at depth ${depth}, expected shape ${fmtShape(shape)}`,
    );
  for (const d of data as readonly NestedArray[]) flatten(d, shape, out, depth + 1);
}

function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Uint8Array) return 'bool';
  return 'float32';
}

/**
 * A tensor from nested arrays, a number/boolean or a typed array (with `shape`).
 * Numbers default to float32, booleans to bool.
 * @example
 * const x = fl.tensor([[1, 2], [3, 4]]); // shape [2, 2], float32
 */
export function tensor(
  data: NestedArray | TypedArray,
  opts: CreateOptions & { shape?: readonly number[] } = {},
): Tensor {
  if (opts.dtype !== undefined && !isDType(opts.dtype))
    throw new DTypeError(
      `tensor: unknown dtype '${String(opts.dtype)}' (valid: float32, float64, int32, bool)`,
    );
  if (ArrayBuffer.isView(data)) {
    const shape = checkShape('tensor', opts.shape ?? [data.length]);
    if (sizeOf(shape) !== data.length)
      throw new ShapeError(`tensor: ${data.length} values cannot have shape ${fmtShape(shape)}`);
    const dtype = opts.dtype ?? dtypeOfArray(data);
    const arr = typedArrayFor(dtype, data.length);
    for (let i = 0; i < data.length; i++) arr[i] = store('tensor', data[i]!, dtype);
    return finish(upload(arr, shape, dtype, opts.device), opts);
  }
  const shape = inferShape(data as NestedArray);
  const flat: number[] = [];
  flatten(data as NestedArray, shape, flat);
  const isBool = flat.length > 0 && typeof firstLeaf(data as NestedArray) === 'boolean';
  const dtype = opts.dtype ?? (isBool ? 'bool' : 'float32');
  const arr = typedArrayFor(dtype, flat.length);
  for (let i = 0; i < flat.length; i++) arr[i] = store('tensor', flat[i]!, dtype);
  if (opts.shape)
    return finish(
      tidy(() => upload(arr, shape, dtype, opts.device).reshape(opts.shape!)),
      opts,
    );
  return finish(upload(arr, shape, dtype, opts.device), opts);
}

function firstLeaf(d: NestedArray): unknown {
  while (Array.isArray(d)) d = d[0] as NestedArray;
  return d;
}

function shapeOf(op: string, s: ShapeArg): number[] {
  return checkShape(op, typeof s === 'number' ? [s] : s);
}

/** A tensor of `shape` filled with `value`; float32 for a number, bool for a boolean, unless `dtype`. */
export function full(shape: ShapeArg, value: number | boolean, opts: CreateOptions = {}): Tensor {
  return fillAs('full', shape, value, opts);
}

function fillAs(op: string, shape: ShapeArg, value: number | boolean, opts: CreateOptions): Tensor {
  const sh = shapeOf(op, shape);
  const dtype = opts.dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32');
  const v = store(op, Number(value), dtype);
  return finish(
    noGrad(() => exec('fill', [], [sh, dtype, v], sh, dtype, { device: opts.device })),
    opts,
  );
}
/** A tensor of `shape` filled with 0 (float32 unless `dtype`). */
export function zeros(shape: ShapeArg, opts: CreateOptions = {}): Tensor {
  return fillAs('zeros', shape, 0, opts);
}
/** A tensor of `shape` filled with 1 (float32 unless `dtype`). */
export function ones(shape: ShapeArg, opts: CreateOptions = {}): Tensor {
  return fillAs('ones', shape, 1, opts);
}
type LikeOptions = CreateOptions;
/** `full` with the shape, and unless given the dtype and device, of `t`. */
export function fullLike(t: Tensor, value: number | boolean, opts: LikeOptions = {}): Tensor {
  return full(t.shape, value, { dtype: t.dtype, device: t.device, ...opts });
}
/** Zeros with the shape, and unless given the dtype and device, of `t`. */
export function zerosLike(t: Tensor, opts: LikeOptions = {}): Tensor {
  return fullLike(t, 0, opts);
}
/** Ones with the shape, and unless given the dtype and device, of `t`. */
export function onesLike(t: Tensor, opts: LikeOptions = {}): Tensor {
  return fullLike(t, 1, opts);
}

/**
 * Values from `start` to `end` (exclusive) by `step`; int32 when all arguments are integers.
 * @example
 * fl.arange(5); // [0, 1, 2, 3, 4]
 */
export function arange(start: number, end?: number, step = 1, opts: CreateOptions = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  if (step === 0 || !Number.isFinite(step))
    throw new ShapeError(`arange: step must be non-zero and finite, got ${step}`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  const dtype = opts.dtype ?? ([start, end, step].every(Number.isInteger) ? 'int32' : 'float32');
  const arr = hostArray('arange', dtype, n);
  for (let i = 0; i < n; i++) arr[i] = store('arange', start + i * step, dtype);
  return finish(upload(arr, [n], dtype, opts.device), opts);
}

/** `steps` evenly spaced values from `start` to `end`, both included (float32 unless `dtype`). */
export function linspace(
  start: number,
  end: number,
  steps: number,
  opts: CreateOptions = {},
): Tensor {
  if (!Number.isInteger(steps) || steps < 0)
    throw new ShapeError(`linspace: steps must be a non-negative integer, got ${steps}`);
  const dtype = opts.dtype ?? 'float32';
  const arr = hostArray('linspace', dtype, steps);
  const d = steps > 1 ? (end - start) / (steps - 1) : 0;
  // Fill from both ends, as torch does, so the last value is exactly `end`.
  for (let i = 0; i < steps; i++)
    arr[i] = store('linspace', i < steps / 2 ? start + i * d : end - (steps - 1 - i) * d, dtype);
  return finish(upload(arr, [steps], dtype, opts.device), opts);
}

/** An `n`×`m` matrix (`m` defaults to `n`) with ones on the diagonal and zeros elsewhere. */
export function eye(n: number, m: number = n, opts: CreateOptions = {}): Tensor {
  const sh = checkShape('eye', [n, m]);
  const dtype = opts.dtype ?? 'float32';
  const arr = hostArray('eye', dtype, n * m);
  for (let i = 0; i < Math.min(n, m); i++) arr[i * m + i] = 1;
  return finish(upload(arr, sh, dtype, opts.device), opts);
}

// ---- random ----
const rng = { key: [0, 0] as [number, number], offset: 0 };

/** Seed the global generator; the same seed gives the same numbers on every backend. */
export function manualSeed(seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new ShapeError(`manualSeed: seed must be a non-negative safe integer, got ${seed}`);
  rng.key = [seed % 4294967296, Math.floor(seed / 4294967296)];
  rng.offset = 0;
}

function bits(shape: number[], device?: string): Tensor {
  const t = exec('randomBits', [], [shape, rng.key, rng.offset], shape, 'int32', { device });
  rng.offset += sizeOf(shape);
  return t;
}

/** @internal Raw random int32 words from the global generator (randperm's sort keys). */
export const randomWords = (shape: number[], device?: string): Tensor => bits(shape, device);

/**
 * @internal Uniform [0, 1) with 24 random bits (float32) or 48 (float64), from the global
 * generator: random.ts's samplers draw through it so every backend gets the same numbers.
 */
export function uniform(shape: number[], dtype: DType, device?: string): Tensor {
  const hi = bits(shape, device).remainder(1 << 24);
  if (dtype !== 'float64') return hi.to('float32').mul(2 ** -24);
  const lo = bits(shape, device).remainder(1 << 24);
  return hi
    .to('float64')
    .mul(2 ** 24)
    .add(lo.to('float64'))
    .mul(2 ** -48);
}

function floatOpt(op: string, opts: CreateOptions): DType {
  const d = opts.dtype ?? 'float32';
  if (!isFloat(d)) throw new DTypeError(`${op}: dtype must be float32 or float64, got ${d}`);
  return d;
}

/** Samples uniform in [0, 1) from the global generator (`manualSeed`); float32 or float64. */
export function rand(shape: ShapeArg, opts: CreateOptions = {}): Tensor {
  const dtype = floatOpt('rand', opts);
  return finish(
    noGrad(() => tidy(() => uniform(shapeOf('rand', shape), dtype, opts.device))),
    opts,
  );
}

/** Standard normal samples (Box–Muller over two uniform draws). */
export function randn(shape: ShapeArg, opts: CreateOptions = {}): Tensor {
  const dtype = floatOpt('randn', opts);
  const sh = shapeOf('randn', shape);
  const t = noGrad(() =>
    tidy(() => {
      const u1 = uniform(sh, dtype, opts.device);
      const u2 = uniform(sh, dtype, opts.device);
      return u1
        .neg()
        .add(1)
        .log()
        .mul(-2)
        .sqrt()
        .mul(u2.mul(2 * Math.PI).cos());
    }),
  );
  return finish(t, opts);
}

/**
 * randint on a device without float64 (gpujs): the same two 24-bit draws combined in JS doubles,
 * op for op as the float64 path does, so the numbers match every other device's for a seed. The
 * draws are the randomBits primitive's words computed here by its reference (random.ts): no
 * read-back, so this works on devices without synchronous read-back (WebGPU) too.
 */
function randintOnHost(sh: number[], low: number, high: number, dtype: DType, device?: string) {
  const n = sizeOf(sh);
  const hiAt = rng.offset;
  const loAt = hiAt + n;
  rng.offset += 2 * n;
  const out = typedArrayFor(dtype, n);
  for (let i = 0; i < n; i++) {
    // a word's remainder by 2^24 (Python's, as the float64 path takes it) is its low 24 bits
    const h = randomWord(rng.key, hiAt + i) & 0xffffff;
    const l = randomWord(rng.key, loAt + i) & 0xffffff;
    const v = Math.floor((h * 2 ** 24 + l) * 2 ** -48 * (high - low)) + low;
    out[i] = dtype === 'bool' ? Number(v !== 0) : v;
  }
  return tensor(out, { shape: sh, dtype, device });
}

/**
 * Integers uniform in [low, high), int32 unless `dtype`; as torch, `randint(high, shape)` means
 * low = 0.
 * @example
 * fl.randint(0, 10, [2, 3]); // int32 values from 0 to 9
 * fl.randint(6, [4]);        // four dice rolls minus one
 */
export function randint(
  low: number,
  high: number | ShapeArg,
  shape?: ShapeArg | CreateOptions,
  opts: CreateOptions = {},
): Tensor {
  if (typeof high !== 'number') {
    // torch.randint(high, size, …): the shape came second, options (if any) third.
    if (shape !== undefined && (typeof shape !== 'object' || Array.isArray(shape)))
      throw new ShapeError('randint: randint(high, shape, options?) takes options third');
    return randint(0, low, high, (shape as CreateOptions | undefined) ?? {});
  }
  if (shape === undefined || (typeof shape === 'object' && !Array.isArray(shape)))
    throw new ShapeError(
      'randint: a shape is required, as randint(low, high, shape) or randint(high, shape)',
    );
  return randintIn(low, high, shape as ShapeArg, opts);
}

function randintIn(low: number, high: number, shape: ShapeArg, opts: CreateOptions): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low)
    throw new ShapeError(`randint: need integers low < high, got low=${low}, high=${high}`);
  const dtype = opts.dtype ?? 'int32';
  // As torch: the values drawn, low … high − 1, must fit the dtype.
  if (dtype === 'int32' && (low < INT32_MIN || high - 1 > INT32_MAX))
    throw new DTypeError(
      `randint: [${low}, ${high}) is out of range for int32 (valid: low ≥ ${INT32_MIN}, high ≤ ${INT32_MAX + 1}); pass { dtype: 'float64' } for larger integers`,
    );
  const sh = shapeOf('randint', shape);
  if (!getBackend(opts.device).caps.dtypes.includes('float64'))
    return finish(randintOnHost(sh, low, high, dtype, opts.device), opts);
  const t = noGrad(() =>
    tidy(() =>
      uniform(sh, 'float64', opts.device)
        .mul(high - low)
        .floor()
        .add(low)
        .to(dtype),
    ),
  );
  return finish(t, opts);
}
