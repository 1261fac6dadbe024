/**
 * The IDX format of MNIST-style datasets: two zero bytes, a type code, the number of dims, each
 * dim as a big-endian u32, then big-endian values. Files may be gzip-compressed (magic 1f 8b):
 * Node decompresses with zlib (through `#platform`), other runtimes with DecompressionStream.
 */
import { platform } from '#platform';
import { ArgumentError, FormatError, IOError, fmtShape } from '../errors.js';
import { quote } from '../io/show.js';
import type { DType, TypedArray } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { upload } from '../ops/creation.js';
import { tidy } from '../scope.js';

/** Element types of the IDX format (MNIST's files). */
export type IdxDType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
/** The typed array holding IDX values of each `IdxDType`. */
export type IdxData =
  Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** An IDX file decoded: shape, element type and values. */
export interface IdxArray {
  /** Size of each dimension. */
  shape: number[];
  /** Element type as stored in the file. */
  dtype: IdxDType;
  /** Row-major values in native byte order. */
  data: IdxData;
}

/** Options of the IDX readers. */
export interface IdxOptions {
  /** Largest decompressed size accepted from a gzip file (default 1 GiB), against decompression bombs. */
  maxBytes?: number;
}

const TYPES: Record<number, { dtype: IdxDType; size: number }> = {
  0x08: { dtype: 'uint8', size: 1 },
  0x09: { dtype: 'int8', size: 1 },
  0x0b: { dtype: 'int16', size: 2 },
  0x0c: { dtype: 'int32', size: 4 },
  0x0d: { dtype: 'float32', size: 4 },
  0x0e: { dtype: 'float64', size: 8 },
};
const DEFAULT_MAX_BYTES = 2 ** 30;

function fail(msg: string): never {
  throw new FormatError(`idx: ${msg}`);
}

/** Whether `bytes` start with the gzip magic number (1f 8b). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function values(dtype: IdxDType, dv: DataView, at: number, n: number): IdxData {
  switch (dtype) {
    case 'uint8':
      return new Uint8Array(dv.buffer, dv.byteOffset + at, n).slice();
    case 'int8':
      return new Int8Array(dv.buffer, dv.byteOffset + at, n).slice();
    case 'int16': {
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getInt16(at + 2 * i);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getInt32(at + 4 * i);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat32(at + 4 * i);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getFloat64(at + 8 * i);
      return out;
    }
  }
}

/**
 * Parse uncompressed IDX bytes. Sizes are checked against the input before anything is allocated.
 * @example
 * const { shape, dtype, data } = fl.data.parseIdxSync(bytes); // [10000, 28, 28], 'uint8'
 */
export function parseIdxSync(bytes: Uint8Array): IdxArray {
  if (isGzip(bytes))
    fail('the input is gzip-compressed; use the async parseIdx, which decompresses it');
  if (bytes.length < 4) fail(`${bytes.length} bytes is too short for the 4-byte magic number`);
  if (bytes[0] !== 0 || bytes[1] !== 0)
    fail(
      `bad magic number: the first two bytes must be 0, got ${bytes[0]} ${bytes[1]} (is this an IDX file?)`,
    );
  const type = TYPES[bytes[2]!];
  if (!type)
    fail(
      `unknown type code 0x${bytes[2]!.toString(16).padStart(2, '0')} (valid: 0x08 u8, 0x09 i8, 0x0b i16, 0x0c i32, 0x0d f32, 0x0e f64)`,
    );
  const ndim = bytes[3]!;
  const start = 4 + 4 * ndim;
  if (bytes.length < start)
    fail(`${ndim} dims need a ${start}-byte header but the input has ${bytes.length} bytes`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let n = 1;
  for (let d = 0; d < ndim; d++) {
    shape.push(dv.getUint32(4 + 4 * d));
    n *= shape[d]!;
  }
  const need = n * type.size;
  const have = bytes.length - start;
  if (!Number.isSafeInteger(need)) fail(`shape ${fmtShape(shape)} is too large`);
  if (need !== have)
    fail(
      `shape ${fmtShape(shape)} of ${type.dtype} needs ${need} data bytes but ${have} follow the header` +
        (need > have ? ' (truncated?)' : ' (trailing bytes)'),
    );
  return { shape, dtype: type.dtype, data: values(type.dtype, dv, start, n) };
}

interface Reader {
  read(): Promise<{ done: boolean; value?: Uint8Array }>;
  cancel(): Promise<void>;
}
interface WebStreams {
  DecompressionStream?: new (format: 'gzip') => { readable: unknown; writable: unknown };
  Blob?: new (parts: Uint8Array[]) => {
    stream(): { pipeThrough(t: unknown): { getReader(): Reader } };
  };
}

async function gunzipWeb(bytes: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  const g = globalThis as unknown as WebStreams;
  if (!g.DecompressionStream || !g.Blob)
    throw new FormatError(
      'idx: this environment has neither node:zlib nor DecompressionStream to gunzip with',
    );
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = new g.Blob([bytes])
    .stream()
    .pipeThrough(new g.DecompressionStream('gzip'))
    .getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || !value) break;
      total += value.length;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        fail(
          `gzip data decompresses to more than ${maxBytes} bytes (raise maxBytes if this is expected)`,
        );
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof FormatError) throw e;
    fail(`gzip decompression failed: ${(e as Error).message}`);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Decompress gzip bytes (zlib in Node, DecompressionStream elsewhere). The `impl` option is for
 * tests only: it forces one implementation ('node' only where zlib is).
 */
export async function gunzip(
  bytes: Uint8Array,
  opts: IdxOptions & { impl?: 'node' | 'web' } = {},
): Promise<Uint8Array> {
  const max = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const native = platform.gunzip;
  const impl = opts.impl ?? (native ? 'node' : 'web');
  if (impl === 'web') return gunzipWeb(bytes, max);
  if (!native)
    throw new ArgumentError(
      "data.gunzip: impl 'node' needs Node's zlib; this runtime has 'web' only",
    );
  return native(bytes, max);
}

/**
 * Parse IDX bytes, raw or gzip-compressed.
 * @example
 * const labels = await fl.data.parseIdx(await (await fetch('t10k-labels-idx1-ubyte.gz')).bytes());
 */
export async function parseIdx(
  bytes: Uint8Array | ArrayBuffer,
  opts: IdxOptions = {},
): Promise<IdxArray> {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return parseIdxSync(isGzip(b) ? await gunzip(b, opts) : b);
}

/** The Flint dtype IDX values load as: integers as int32 (exact), floats as themselves. */
export function idxTensorDType(dtype: IdxDType): DType {
  return dtype === 'float32' || dtype === 'float64' ? dtype : 'int32';
}

/**
 * A tensor from a parsed IDX array: raw integer values as int32, floats unchanged.
 * @example
 * const images = fl.data.idxToTensor(await fl.data.parseIdx(bytes)); // int32 [N, 28, 28], 0..255
 */
export function idxToTensor(arr: IdxArray, opts: { device?: string } = {}): Tensor {
  const dtype = idxTensorDType(arr.dtype);
  const data: TypedArray =
    dtype === 'int32' && !(arr.data instanceof Int32Array)
      ? Int32Array.from(arr.data)
      : (arr.data as TypedArray);
  return upload(data, arr.shape, dtype, opts.device);
}

/**
 * Read an IDX file (raw or .gz) into a tensor: integer types as int32 raw values, floats unchanged.
 * Use `scaleToUnit` to turn 0–255 pixels into float32 in [0, 1].
 * @example
 * const labels = await fl.data.loadIdx('/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz');
 */
export async function loadIdx(
  path: string,
  opts: IdxOptions & { device?: string } = {},
): Promise<Tensor> {
  return idxToTensor(await parseIdx(await readWhole('data.loadIdx', path), opts), opts);
}

/** A whole file's bytes (Node); IOError naming the path otherwise, or when it cannot be read. */
export async function readWhole(op: string, path: string): Promise<Uint8Array> {
  if (!platform.files)
    throw new IOError(
      `${op}: this runtime has no file system to read ${quote(path, 200)} from; fetch the bytes and use data.parseIdx`,
      path,
      'ENOTSUP',
    );
  try {
    return await platform.files.read(path);
  } catch (e) {
    const code = (e as { code?: unknown } | null)?.code;
    const c = typeof code === 'string' ? code : undefined;
    throw new IOError(
      `${op}: cannot read ${quote(path, 200)}: ${c ?? String((e as Error)?.message ?? e).slice(0, 200)}`,
      path,
      c,
    );
  }
}

/**
 * Pixels to float32 in [0, 1]: `x / max` (default 255).
 * @example
 * const x = fl.data.scaleToUnit(await fl.data.loadIdx(path)); // float32, 0..1
 */
export function scaleToUnit(x: Tensor, max = 255): Tensor {
  return tidy(() => x.to('float32').div(max));
}
