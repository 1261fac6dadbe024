/**
 * Reading a safetensors header: every number is validated before anything is allocated, and
 * against the size of the whole input, so a reader can check a file's claims from its first
 * 8 + N bytes and its length alone (files.ts reads nothing else before the tensors' ranges).
 * Untrusted values reach messages only through the bounded renderings of show.ts.
 */
import { FormatError } from '../errors.js';
import { type EntryInfo, type Header, MAX_HEADER_SIZE, ST_DTYPES, setOwn } from './header.js';
import { preview, quote, showShape } from './show.js';

const SUPPORTED = Object.keys(ST_DTYPES).join(', ');

/**
 * How deep a header may nest. A valid one needs 3 levels ({ name: { shape: [ ] } }); serde_json,
 * behind the reference, stops at 128. Checked before JSON.parse so that no later walk of the
 * parsed value can overflow the stack.
 */
export const MAX_HEADER_DEPTH = 64;

function fail(msg: string): never {
  throw new FormatError(`safetensors: ${msg}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The reference reads these as `usize`; beyond 2^53 JS cannot represent them exactly anyway. */
function uint(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    fail(`${what} must be a non-negative integer below 2^53, got ${preview(v)}`);
  return v;
}

function parseEntry(name: string, v: unknown): EntryInfo {
  const q = quote(name);
  if (!isPlainObject(v))
    fail(`tensor ${q}: expected an object with dtype, shape and data_offsets, got ${preview(v)}`);
  const { dtype, shape, data_offsets: offsets } = v;
  if (typeof dtype !== 'string') fail(`tensor ${q}: dtype must be a string, got ${preview(dtype)}`);
  if (!Object.hasOwn(ST_DTYPES, dtype))
    fail(`tensor ${q} has unsupported dtype ${quote(dtype, 20)} (Flint reads ${SUPPORTED})`);
  if (!Array.isArray(shape))
    fail(`tensor ${q}: shape must be an array of integers, got ${preview(shape)}`);
  const dims = shape.map((d: unknown, i) => uint(d, `tensor ${q}: shape[${i}]`));
  if (!Array.isArray(offsets) || offsets.length !== 2)
    fail(`tensor ${q}: data_offsets must be [begin, end], got ${preview(offsets)}`);
  const begin = uint(offsets[0], `tensor ${q}: data_offsets[0]`);
  const end = uint(offsets[1], `tensor ${q}: data_offsets[1]`);
  return { name, dtype, shape: dims, begin, end };
}

function parseMetadata(v: unknown): Record<string, string> {
  if (!isPlainObject(v)) fail(`__metadata__ must be an object of strings, got ${preview(v)}`);
  const out: Record<string, string> = {};
  for (const [k, s] of Object.entries(v)) {
    if (typeof s !== 'string')
      fail(`__metadata__[${quote(k)}] must be a string, got ${preview(s)}`);
    setOwn(out, k, s);
  }
  return out;
}

/**
 * The header length N from the first 8 bytes of an input of `total` bytes, checked against the
 * reference's cap and the input's size.
 */
export function headerLength(prefix: Uint8Array, total: number): number {
  if (total < 8 || prefix.length < 8)
    fail(`${total} bytes is too short: a file starts with an 8-byte header length`);
  const dv = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const lo = dv.getUint32(0, true);
  const hi = dv.getUint32(4, true);
  if (hi !== 0 || lo > MAX_HEADER_SIZE) {
    const n = (BigInt(hi) << 32n) | BigInt(lo);
    fail(`header length ${n} exceeds the ${MAX_HEADER_SIZE}-byte limit`);
  }
  if (8 + lo > total)
    fail(
      `header length ${lo} runs past the end of the input (${total} bytes, so at most ${total - 8})`,
    );
  return lo;
}

/** Rejects nesting deeper than MAX_HEADER_DEPTH in one linear pass over the JSON bytes. */
function checkDepth(json: Uint8Array): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i]!;
    // '"', '\\', '[', '{' are ASCII, so they never occur inside a multi-byte UTF-8 sequence.
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_HEADER_DEPTH)
        fail(
          `the header nests deeper than ${MAX_HEADER_DEPTH} levels (at byte ${8 + i}); a valid header needs 3`,
        );
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}

function parseJson(json: Uint8Array): unknown {
  let text: string;
  try {
    // ignoreBOM keeps a byte-order mark, so it fails the '{' check below as in the reference.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(json);
  } catch {
    fail('the header is not valid UTF-8');
  }
  if (!text.startsWith('{')) fail(`the header must start with '{', got ${quote(text, 16)}`);
  checkDepth(json);
  try {
    return JSON.parse(text);
  } catch (e) {
    fail(`the header is not valid JSON (${String((e as Error).message).slice(0, 200)})`);
  }
}

/** Element count of a shape, failing where the reference's checked multiplication would. */
function numel(e: EntryInfo): number {
  let n = 1;
  for (const d of e.shape) {
    n *= d;
    if (n > Number.MAX_SAFE_INTEGER)
      fail(`tensor ${quote(e.name)}: shape ${showShape(e.shape)} has more than 2^53 elements`);
  }
  return n;
}

/** Offsets must tile the data section exactly: sorted, contiguous from 0, each the size shape × dtype implies. */
function checkLayout(entries: EntryInfo[], dataLength: number): void {
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of entries) {
    const q = quote(e.name);
    const range = `data_offsets [${e.begin},${e.end}]`;
    if (e.end < e.begin) fail(`tensor ${q}: ${range} end before they begin`);
    if (e.begin !== cursor)
      fail(
        `tensor ${q}: ${range} ${e.begin < cursor ? 'overlap the previous tensor' : 'leave a gap'}; expected it to begin at ${cursor}`,
      );
    const bytes = numel(e) * ST_DTYPES[e.dtype]!.size;
    if (bytes !== e.end - e.begin)
      fail(
        `tensor ${q}: shape ${showShape(e.shape)} of ${e.dtype} needs ${bytes} bytes but ${range} span ${e.end - e.begin}`,
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

/**
 * Parse and validate the N header bytes `json` of an input whose data section (everything after
 * the header) is `dataLength` bytes long. Entries come back in data order.
 */
export function parseHeader(json: Uint8Array, dataLength: number): Header {
  const root = parseJson(json);
  if (!isPlainObject(root)) fail('the header must be a JSON object');
  let metadata: Record<string, string> | undefined;
  const entries: EntryInfo[] = [];
  for (const [k, v] of Object.entries(root)) {
    // null is how serde spells an absent Option, which the reference accepts
    if (k === '__metadata__') metadata = v === null ? undefined : parseMetadata(v);
    else entries.push(parseEntry(k, v));
  }
  checkLayout(entries, dataLength);
  return { entries, metadata, dataStart: 8 + json.length };
}

/** Parse and validate the header of a whole file held in memory. Allocates only the header. */
export function readHeader(bytes: Uint8Array): Header {
  const n = headerLength(bytes, bytes.length);
  return parseHeader(bytes.subarray(8, 8 + n), bytes.length - 8 - n);
}
