/**
 * Turning a tensor's raw little-endian bytes into the typed array that is written to a backend,
 * piece by piece. A file load streams each tensor in chunks of CHUNK_ELEMENTS through one small
 * staging buffer and the backend's ranged `write`, so its host side costs a few MiB whatever the
 * tensors' size; decoding from bytes already in memory stages one tensor at a time.
 */
import type { DType, TypedArray } from '../dtype.js';
import { FormatError } from '../errors.js';
import { type EntryInfo, ST_DTYPES } from './header.js';
import { quote } from './show.js';

export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Host bytes a file load streams per step (each of the raw and the decoded side). */
export const CHUNK_BYTES = 1 << 24;
/** Elements per streamed step: CHUNK_BYTES of the widest element (8 bytes) on either side. */
export const CHUNK_ELEMENTS = CHUNK_BYTES / 8;

const ARRAYS = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  bool: Uint8Array,
} as const;

export function elementsOf(e: EntryInfo): number {
  return (e.end - e.begin) / ST_DTYPES[e.dtype]!.size;
}

export function loadsAs(e: EntryInfo): DType {
  return ST_DTYPES[e.dtype]!.loadsAs;
}

/** Bytes the decoded tensor occupies on the host (F16 grows to float32, U8 to int32). */
export function outputBytes(e: EntryInfo): number {
  return elementsOf(e) * ARRAYS[loadsAs(e)].BYTES_PER_ELEMENT;
}

/**
 * `count` decoded elements of `e` (all of them by default), a view at the start of `stage`
 * (which holds at least their bytes).
 */
export function outputArray(e: EntryInfo, stage: ArrayBuffer, count = elementsOf(e)): TypedArray {
  return new ARRAYS[loadsAs(e)](stage, 0, count);
}

/**
 * Whether the file's bytes are the decoded array's bytes, so they can be read straight into it.
 * BOOL qualifies too: `finish` then maps any non-zero byte to 1.
 */
export function isVerbatim(e: EntryInfo): boolean {
  return (
    e.dtype === 'BOOL' ||
    (LITTLE_ENDIAN && (e.dtype === 'F32' || e.dtype === 'F64' || e.dtype === 'I32'))
  );
}

/** The bytes of `out`, to read a verbatim tensor into. */
export function bytesOf(out: TypedArray): Uint8Array {
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** After a verbatim read: a bool tensor holds 0/1 whatever bytes the file had. */
export function finish(e: EntryInfo, out: TypedArray): void {
  if (e.dtype !== 'BOOL') return;
  for (let i = 0; i < out.length; i++) if (out[i] !== 0) out[i] = 1;
}

function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (exp === 0) return s * m * 2 ** -24;
  if (exp === 31) return m === 0 ? s * Infinity : NaN;
  return s * (1 + m / 1024) * 2 ** (exp - 15);
}

function int64s(e: EntryInfo, dv: DataView, out: TypedArray, first: number, n: number): void {
  for (let i = 0; i < n; i++) {
    const lo = dv.getInt32(8 * i, true);
    if (dv.getInt32(8 * i + 4, true) !== lo >> 31)
      throw new FormatError(
        `safetensors: tensor ${quote(e.name)} (I64) holds ${dv.getBigInt64(8 * i, true)} ` +
          `at element ${first + i}, which does not fit in int32 (Flint loads I64 as int32; valid: -2147483648 to 2147483647)`,
      );
    out[first + i] = lo;
  }
}

/**
 * Decode `raw` (whole elements of `e`, starting at element `first`) into `out`. Handles every
 * dtype, verbatim ones included (for big-endian hosts).
 */
export function convert(e: EntryInfo, raw: Uint8Array, out: TypedArray, first: number): void {
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const n = raw.byteLength / ST_DTYPES[e.dtype]!.size;
  switch (e.dtype) {
    case 'F32':
      for (let i = 0; i < n; i++) out[first + i] = dv.getFloat32(4 * i, true);
      return;
    case 'F64':
      for (let i = 0; i < n; i++) out[first + i] = dv.getFloat64(8 * i, true);
      return;
    case 'I32':
      for (let i = 0; i < n; i++) out[first + i] = dv.getInt32(4 * i, true);
      return;
    case 'BOOL':
      for (let i = 0; i < n; i++) out[first + i] = raw[i] !== 0 ? 1 : 0;
      return;
    case 'U8':
      for (let i = 0; i < n; i++) out[first + i] = raw[i]!;
      return;
    case 'F16':
      for (let i = 0; i < n; i++) out[first + i] = f16ToF32(dv.getUint16(2 * i, true));
      return;
    case 'BF16': {
      // bfloat16 is the top half of a float32: shift the bits back up and reinterpret.
      const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
      for (let i = 0; i < n; i++) bits[first + i] = dv.getUint16(2 * i, true) << 16;
      return;
    }
    case 'I64':
      return int64s(e, dv, out, first, n);
  }
  throw new FormatError(`safetensors: tensor ${quote(e.name)} has unsupported dtype ${e.dtype}`);
}

/** A staging buffer big enough for every entry's decoded array. */
export function stagingFor(entries: readonly EntryInfo[]): ArrayBuffer {
  let most = 0;
  for (const e of entries) most = Math.max(most, outputBytes(e));
  return new ArrayBuffer(most);
}
