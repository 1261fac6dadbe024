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
import { FormatError, fmtShape } from '../errors.js';

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

const SUPPORTED = Object.keys(ST_DTYPES).join(', ');

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
      `safetensors: ${what} ${JSON.stringify(s)} contains a lone UTF-16 surrogate, which UTF-8 cannot encode`,
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
      const v = metadata[k];
      if (typeof v !== 'string')
        throw new FormatError(
          `safetensors: metadata value for ${JSON.stringify(k)} must be a string, got ${typeof v}`,
        );
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

// ---- reading ----

function fail(msg: string): never {
  throw new FormatError(`safetensors: ${msg}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The reference reads these as `usize`; beyond 2^53 JS cannot represent them exactly anyway. */
function uint(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    fail(
      `${what} must be a non-negative integer below 2^53, got ${JSON.stringify(v) ?? String(v)}`,
    );
  return v;
}

function parseEntry(name: string, v: unknown): EntryInfo {
  const q = JSON.stringify(name);
  if (!isPlainObject(v))
    fail(
      `tensor ${q}: expected an object with dtype, shape and data_offsets, got ${JSON.stringify(v)}`,
    );
  const { dtype, shape, data_offsets: offsets } = v;
  if (typeof dtype !== 'string')
    fail(`tensor ${q}: dtype must be a string, got ${JSON.stringify(dtype) ?? 'nothing'}`);
  if (!Object.hasOwn(ST_DTYPES, dtype))
    fail(`tensor ${q} has unsupported dtype ${JSON.stringify(dtype)} (Flint reads ${SUPPORTED})`);
  if (!Array.isArray(shape))
    fail(
      `tensor ${q}: shape must be an array of integers, got ${JSON.stringify(shape) ?? 'nothing'}`,
    );
  const dims = shape.map((d: unknown, i) => uint(d, `tensor ${q}: shape[${i}]`));
  if (!Array.isArray(offsets) || offsets.length !== 2)
    fail(
      `tensor ${q}: data_offsets must be [begin, end], got ${JSON.stringify(offsets) ?? 'nothing'}`,
    );
  const begin = uint(offsets[0], `tensor ${q}: data_offsets[0]`);
  const end = uint(offsets[1], `tensor ${q}: data_offsets[1]`);
  return { name, dtype, shape: dims, begin, end };
}

function parseMetadata(v: unknown): Record<string, string> {
  if (!isPlainObject(v))
    fail(`__metadata__ must be an object of strings, got ${JSON.stringify(v)}`);
  const out: Record<string, string> = {};
  for (const [k, s] of Object.entries(v)) {
    if (typeof s !== 'string')
      fail(`__metadata__[${JSON.stringify(k)}] must be a string, got ${JSON.stringify(s)}`);
    setOwn(out, k, s);
  }
  return out;
}

function readLength(bytes: Uint8Array): number {
  if (bytes.length < 8)
    fail(`${bytes.length} bytes is too short: a file starts with an 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const lo = dv.getUint32(0, true);
  const hi = dv.getUint32(4, true);
  if (hi !== 0 || lo > MAX_HEADER_SIZE) {
    const n = (BigInt(hi) << 32n) | BigInt(lo);
    fail(`header length ${n} exceeds the ${MAX_HEADER_SIZE}-byte limit`);
  }
  if (8 + lo > bytes.length)
    fail(
      `header length ${lo} runs past the end of the input (${bytes.length} bytes, so at most ${bytes.length - 8})`,
    );
  return lo;
}

function parseJson(bytes: Uint8Array, n: number): unknown {
  let text: string;
  try {
    // ignoreBOM keeps a byte-order mark, so it fails the '{' check below as in the reference.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(
      bytes.subarray(8, 8 + n),
    );
  } catch {
    fail('the header is not valid UTF-8');
  }
  if (!text.startsWith('{'))
    fail(`the header must start with '{', got ${JSON.stringify(text.slice(0, 16))}`);
  try {
    return JSON.parse(text);
  } catch (e) {
    fail(`the header is not valid JSON (${(e as Error).message})`);
  }
}

/** Element count of a shape, failing where the reference's checked multiplication would. */
function numel(e: EntryInfo): number {
  let n = 1;
  for (const d of e.shape) {
    n *= d;
    if (n > Number.MAX_SAFE_INTEGER)
      fail(`tensor ${JSON.stringify(e.name)}: shape ${fmtShape(e.shape)} overflows`);
  }
  return n;
}

/** Offsets must tile the data section exactly: sorted, contiguous from 0, each the size shape × dtype implies. */
function checkLayout(entries: EntryInfo[], dataLength: number): void {
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of entries) {
    const q = JSON.stringify(e.name);
    if (e.end < e.begin)
      fail(`tensor ${q}: data_offsets [${e.begin},${e.end}] end before they begin`);
    if (e.begin !== cursor)
      fail(
        `tensor ${q}: data_offsets [${e.begin},${e.end}] ${e.begin < cursor ? 'overlap the previous tensor' : 'leave a gap'}; expected it to begin at ${cursor}`,
      );
    const bytes = numel(e) * ST_DTYPES[e.dtype]!.size;
    if (bytes !== e.end - e.begin)
      fail(
        `tensor ${q}: shape ${fmtShape(e.shape)} of ${e.dtype} needs ${bytes} bytes but data_offsets [${e.begin},${e.end}] span ${e.end - e.begin}`,
      );
    cursor = e.end;
  }
  if (cursor !== dataLength)
    fail(
      cursor < dataLength
        ? `${dataLength - cursor} trailing bytes: the tensors cover ${cursor} of the ${dataLength}-byte data section`
        : `truncated: the tensors need a ${cursor}-byte data section but only ${dataLength} bytes follow the header`,
    );
}

/** Parse and validate the header of a whole file. Never allocates more than the header itself. */
export function readHeader(bytes: Uint8Array): Header {
  const n = readLength(bytes);
  const root = parseJson(bytes, n);
  if (!isPlainObject(root)) fail('the header must be a JSON object');
  let metadata: Record<string, string> | undefined;
  const entries: EntryInfo[] = [];
  for (const [k, v] of Object.entries(root)) {
    // null is how serde spells an absent Option, which the reference accepts
    if (k === '__metadata__') metadata = v === null ? undefined : parseMetadata(v);
    else entries.push(parseEntry(k, v));
  }
  checkLayout(entries, bytes.length - 8 - n);
  return { entries, metadata, dataStart: 8 + n };
}
