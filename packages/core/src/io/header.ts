/**
 * The safetensors container without tensors: dtype table, canonical header writer, and a header
 * reader that validates every number before anything is allocated.
 *
 * Layout: u64 little-endian header length N, N bytes of UTF-8 JSON, then the data section. The
 * writer mirrors the reference implementation (the Rust `safetensors` crate behind the Python
 * package) byte for byte: tensors sorted by descending dtype (the crate's `Dtype` enum order,
 * which is increasing alignment) then by name in UTF-8 byte order; header keys `__metadata__`
 * first, then tensors in data order; compact JSON with fields `dtype`, `shape`, `data_offsets`;
 * the JSON padded with spaces to a multiple of 8 bytes so that every tensor stays aligned.
 */
import type { DType } from '../dtype.js';
import { FormatError } from '../errors.js';
import { quote } from './show.js';

/** The reference's header size cap (`MAX_HEADER_SIZE`). */
export const MAX_HEADER_SIZE = 100_000_000;

interface StDType {
  /** Bytes per element. */
  size: number;
  /** Position in the reference's `Dtype` enum; the writer sorts by it, descending. */
  rank: number;
  /** The Flint dtype it loads as. */
  loadsAs: DType;
}

/** Dtypes Flint reads. Ranks follow the reference enum (BOOL 0 … U8 4 … F16 13, BF16 14, I32 15, F32 17, F64 19, I64 20). */
export const ST_DTYPES: Readonly<Record<string, StDType>> = Object.freeze({
  BOOL: { size: 1, rank: 0, loadsAs: 'bool' },
  U8: { size: 1, rank: 4, loadsAs: 'int32' },
  F16: { size: 2, rank: 13, loadsAs: 'float32' },
  BF16: { size: 2, rank: 14, loadsAs: 'float32' },
  I32: { size: 4, rank: 15, loadsAs: 'int32' },
  F32: { size: 4, rank: 17, loadsAs: 'float32' },
  F64: { size: 8, rank: 19, loadsAs: 'float64' },
  I64: { size: 8, rank: 20, loadsAs: 'int32' },
});

/** The safetensors dtype each Flint dtype is written as. */
export const WRITE_DTYPE: Readonly<Record<DType, string>> = {
  float32: 'F32',
  float64: 'F64',
  int32: 'I32',
  bool: 'BOOL',
};

export interface EntryInfo {
  name: string;
  dtype: string;
  shape: number[];
  /** Offsets within the data section. */
  begin: number;
  end: number;
}

export interface Header {
  /** Entries in data order. */
  entries: EntryInfo[];
  metadata: Record<string, string> | undefined;
  /** Absolute offset of the data section. */
  dataStart: number;
}

/** Set an own enumerable property, so names such as `__proto__` stay ordinary keys. */
export function setOwn<V>(obj: Record<string, V>, key: string, value: V): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Rust's `String` order: UTF-8 bytes, which is code-point order (UTF-16 code units differ above U+FFFF). */
export function compareNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function checkString(what: string, s: string): void {
  if (LONE_SURROGATE.test(s))
    throw new FormatError(
      `safetensors: ${what} ${quote(s)} contains a lone UTF-16 surrogate, which UTF-8 cannot encode`,
    );
}

export interface OutEntry {
  name: string;
  dtype: string;
  shape: readonly number[];
  byteLength: number;
}

/** Sort into the reference's data order: dtype rank descending, then name. */
export function sortEntries<T extends OutEntry>(entries: T[]): T[] {
  return entries.sort(
    (l, r) => ST_DTYPES[r.dtype]!.rank - ST_DTYPES[l.dtype]!.rank || compareNames(l.name, r.name),
  );
}

/**
 * The header bytes for entries already in data order, padded with spaces to a multiple of 8.
 * JSON.stringify escapes strings exactly as serde_json does for well-formed Unicode: `"`, `\`,
 * the short escapes \b \f \n \r \t, other C0 controls as \u00xx, everything else raw UTF-8.
 */
export function encodeHeader(
  entries: readonly OutEntry[],
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  const parts: string[] = [];
  if (metadata !== undefined) {
    const keys = Object.keys(metadata).sort(compareNames);
    const kv = keys.map((k) => {
      const v = metadata[k]!;
      checkString('metadata key', k);
      checkString('metadata value', v);
      return `${JSON.stringify(k)}:${JSON.stringify(v)}`;
    });
    parts.push(`"__metadata__":{${kv.join(',')}}`);
  }
  let offset = 0;
  for (const e of entries) {
    checkString('tensor name', e.name);
    const end = offset + e.byteLength;
    parts.push(
      `${JSON.stringify(e.name)}:{"dtype":"${e.dtype}","shape":[${e.shape.join(',')}],"data_offsets":[${offset},${end}]}`,
    );
    offset = end;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const padded = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
  padded.set(json);
  return padded;
}
