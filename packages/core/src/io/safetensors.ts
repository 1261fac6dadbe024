/**
 * Tensors to and from safetensors bytes, byte-compatible with the reference implementation.
 * Writes F32, F64, I32 and BOOL (Flint's dtypes); also reads F16 and BF16 (as float32), I64 (as
 * int32, when every value fits) and U8 (as int32: Flint has no unsigned byte type, and int32 keeps
 * the values exact for arithmetic, as torchvision's images need once they leave storage).
 */
import type { DType, TypedArray } from '../dtype.js';
import { FormatError } from '../errors.js';
import { type Tensor, isTensor } from '../tensor.js';
import { upload } from '../ops/creation.js';
import {
  type EntryInfo,
  type OutEntry,
  ST_DTYPES,
  WRITE_DTYPE,
  encodeHeader,
  readHeader,
  setOwn,
  sortEntries,
} from './header.js';

/** A state dict: names to tensors, as a plain object or a Map. */
export type TensorMap = Readonly<Record<string, Tensor>> | ReadonlyMap<string, Tensor>;

export interface LoadOptions {
  /** Device for the loaded tensors (default: the default device). */
  device?: string;
}

export interface Deserialized {
  tensors: Record<string, Tensor>;
  /** The `__metadata__` strings, or undefined when the file has none. */
  metadata: Record<string, string> | undefined;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Little-endian bytes of a typed array (a view on little-endian hosts, a swapped copy otherwise). */
function leBytes(a: TypedArray): Uint8Array {
  const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (LITTLE_ENDIAN || a.BYTES_PER_ELEMENT === 1) return b;
  const out = new Uint8Array(b.length);
  const w = a.BYTES_PER_ELEMENT;
  for (let i = 0; i < b.length; i += w) for (let j = 0; j < w; j++) out[i + j] = b[i + w - 1 - j]!;
  return out;
}

/** @internal Validate a state dict and list its tensors with their dtypes. */
export function entriesOf(tensors: TensorMap): { name: string; tensor: Tensor }[] {
  const list = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  return list.map(([name, tensor]) => {
    if (!isTensor(tensor))
      throw new FormatError(
        `safetensors: ${JSON.stringify(name)} is not a Tensor (got ${tensor === null ? 'null' : typeof tensor})`,
      );
    if (name === '__metadata__')
      throw new FormatError('safetensors: "__metadata__" is reserved and cannot name a tensor');
    void tensor.storage; // throws DisposedTensorError naming the tensor's shape
    return { name, tensor };
  });
}

/** @internal Assemble a file from host data; `data(i)` returns the i-th listed tensor's values. */
export function assemble(
  list: readonly { name: string; tensor: Tensor }[],
  data: readonly TypedArray[],
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  const entries: (OutEntry & { data: Uint8Array })[] = list.map(({ name, tensor }, i) => {
    const bytes = leBytes(data[i]!);
    return {
      name,
      dtype: WRITE_DTYPE[tensor.dtype],
      shape: tensor.shape,
      byteLength: bytes.length,
      data: bytes,
    };
  });
  sortEntries(entries);
  const header = encodeHeader(entries, metadata);
  const total = entries.reduce((s, e) => s + e.byteLength, 8 + header.length);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, header.length, true); // high word stays 0: the header is < 4 GiB
  out.set(header, 8);
  let at = 8 + header.length;
  for (const e of entries) {
    out.set(e.data, at);
    at += e.byteLength;
  }
  return out;
}

/**
 * Encode tensors (and optional string metadata) as a safetensors file, byte for byte what the
 * reference `safetensors` package writes for the same tensors. Reads each tensor synchronously.
 * @example
 * const bytes = fl.io.serialize({ weight: fl.ones([2, 2]), step: fl.tensor([3], { dtype: 'int32' }) }, { format: 'pt' });
 */
export function serialize(
  tensors: TensorMap,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  const list = entriesOf(tensors);
  return assemble(
    list,
    list.map(({ tensor }) => tensor.dataSync()),
    metadata,
  );
}

/**
 * `serialize` into an exactly sized ArrayBuffer, for browsers (Blob, fetch, IndexedDB).
 * @example
 * const buf = fl.io.saveToBuffer(model.stateDict());
 * const url = URL.createObjectURL(new Blob([buf]));
 */
export function saveToBuffer(
  tensors: TensorMap,
  metadata?: Readonly<Record<string, string>>,
): ArrayBuffer {
  return serialize(tensors, metadata).buffer as ArrayBuffer;
}

// ---- decoding ----

function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m === 0 ? s * Infinity : NaN;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor;

/** A fresh, aligned copy of the entry's bytes as a typed array (a memcpy on little-endian hosts). */
function copyOf(e: EntryInfo, dv: DataView, Ctor: Ctor): TypedArray {
  const w = Ctor.BYTES_PER_ELEMENT;
  const n = (e.end - e.begin) / w;
  if (LITTLE_ENDIAN) {
    const bytes = new Uint8Array(dv.buffer, dv.byteOffset + e.begin, e.end - e.begin).slice();
    return new Ctor(bytes.buffer, 0, n);
  }
  const out = new Ctor(n);
  const get =
    w === 8
      ? (i: number) => dv.getFloat64(e.begin + 8 * i, true)
      : Ctor === Int32Array
        ? (i: number) => dv.getInt32(e.begin + 4 * i, true)
        : (i: number) => dv.getFloat32(e.begin + 4 * i, true);
  for (let i = 0; i < n; i++) out[i] = get(i);
  return out;
}

function halfs(e: EntryInfo, dv: DataView, n: number): Float32Array {
  const out = new Float32Array(n);
  // bfloat16 is the top half of a float32: shift the bits back up and reinterpret.
  const bits = new Uint32Array(out.buffer);
  const bf = e.dtype === 'BF16';
  for (let i = 0; i < n; i++) {
    const h = dv.getUint16(e.begin + 2 * i, true);
    if (bf) bits[i] = h << 16;
    else out[i] = f16ToF32(h);
  }
  return out;
}

function int64s(e: EntryInfo, dv: DataView, n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const lo = dv.getInt32(e.begin + 8 * i, true);
    if (dv.getInt32(e.begin + 8 * i + 4, true) !== lo >> 31)
      throw new FormatError(
        `safetensors: tensor ${JSON.stringify(e.name)} (I64) holds ${dv.getBigInt64(e.begin + 8 * i, true)} ` +
          `at element ${i}, which does not fit in int32 (Flint loads I64 as int32; valid: -2147483648 to 2147483647)`,
      );
    out[i] = lo;
  }
  return out;
}

function bytes8(e: EntryInfo, dv: DataView, n: number, asBool: boolean): Uint8Array | Int32Array {
  const out = asBool ? new Uint8Array(n) : new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = dv.getUint8(e.begin + i);
    out[i] = asBool ? (v !== 0 ? 1 : 0) : v;
  }
  return out;
}

function decode(e: EntryInfo, dv: DataView): { data: TypedArray; dtype: DType } {
  const n = (e.end - e.begin) / ST_DTYPES[e.dtype]!.size;
  const dtype = ST_DTYPES[e.dtype]!.loadsAs;
  switch (e.dtype) {
    case 'F32':
      return { data: copyOf(e, dv, Float32Array), dtype };
    case 'F64':
      return { data: copyOf(e, dv, Float64Array), dtype };
    case 'I32':
      return { data: copyOf(e, dv, Int32Array), dtype };
    case 'BOOL':
    case 'U8':
      return { data: bytes8(e, dv, n, e.dtype === 'BOOL'), dtype };
    case 'F16':
    case 'BF16':
      return { data: halfs(e, dv, n), dtype };
    case 'I64':
      return { data: int64s(e, dv, n), dtype };
  }
  throw new FormatError(
    `safetensors: tensor ${JSON.stringify(e.name)} has unsupported dtype ${e.dtype}`,
  );
}

function asBytes(input: Uint8Array | ArrayBuffer): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) {
    const v = input as ArrayBufferView;
    return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  }
  throw new FormatError(
    `safetensors: expected a Uint8Array or ArrayBuffer, got ${input === null ? 'null' : typeof input}`,
  );
}

/**
 * Decode a safetensors file. Every size and offset is validated before any tensor is made, so a
 * malformed input throws `FormatError` (and leaves no tensors behind) instead of crashing.
 * @example
 * const { tensors, metadata } = fl.io.deserialize(bytes);
 * tensors.weight.shape; // [2, 2]
 */
export function deserialize(bytes: Uint8Array | ArrayBuffer, opts: LoadOptions = {}): Deserialized {
  const all = asBytes(bytes);
  const header = readHeader(all);
  const dv = new DataView(
    all.buffer,
    all.byteOffset + header.dataStart,
    all.length - header.dataStart,
  );
  const tensors: Record<string, Tensor> = {};
  const made: Tensor[] = [];
  try {
    for (const e of header.entries) {
      const { data, dtype } = decode(e, dv);
      const t = upload(data, e.shape, dtype, opts.device);
      made.push(t);
      setOwn(tensors, e.name, t);
    }
  } catch (err) {
    for (const t of made) t.dispose();
    throw err;
  }
  return { tensors, metadata: header.metadata };
}

/**
 * The tensors of a safetensors file held in memory (browser counterpart of `fl.load`).
 * @example
 * const res = await fetch('model.safetensors');
 * model.loadStateDict(fl.io.loadFromBuffer(await res.arrayBuffer()));
 */
export function loadFromBuffer(
  bytes: Uint8Array | ArrayBuffer,
  opts: LoadOptions = {},
): Record<string, Tensor> {
  return deserialize(bytes, opts).tensors;
}
