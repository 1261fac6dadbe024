/**
 * Tensors to and from safetensors bytes, byte-compatible with the reference implementation.
 * Writes F32, F64, I32 and BOOL (Flint's dtypes); also reads F16 and BF16 (as float32), I64 (as
 * int32, when every value fits) and U8 (as int32: Flint has no unsigned byte type, and int32 keeps
 * the values exact for arithmetic, as torchvision's images need once they leave storage).
 */
import type { TypedArray } from '../dtype.js';
import { ArgumentError, FormatError } from '../errors.js';
import { type Tensor, isTensor } from '../tensor.js';
import { Module } from '../nn/module.js';
import { upload, uploadRanges } from '../ops/creation.js';
import {
  type EntryInfo,
  type Header,
  ST_DTYPES,
  WRITE_DTYPE,
  encodeHeader,
  setOwn,
  sortEntries,
} from './header.js';
import { readHeader } from './parse.js';
import {
  LITTLE_ENDIAN,
  bytesOf,
  convert,
  finish,
  isVerbatim,
  loadsAs,
  outputArray,
  stagingFor,
} from './decode.js';
import { quote } from './show.js';

/** A state dict: names to tensors, as a plain object or a Map. */
export type TensorMap = Readonly<Record<string, Tensor>> | ReadonlyMap<string, Tensor>;

/** What `save` and `serialize` accept: a state dict, or a Module (whose `stateDict()` is saved). */
export type Saveable = TensorMap | Module;

/** Options of the safetensors loaders. */
export interface LoadOptions {
  /** Device for the loaded tensors (default: the default device). */
  device?: string;
}

/** A safetensors file decoded: its tensors and its metadata. */
export interface Deserialized {
  /** The tensors by name (the state-dict keys). */
  tensors: Record<string, Tensor>;
  /** The `__metadata__` strings, or undefined when the file has none. */
  metadata: Record<string, string> | undefined;
}

/**
 * @internal Little-endian bytes of a tensor's host data (a view on little-endian hosts, a swapped
 * copy otherwise), checked against the size the header announced for it.
 */
export function leBytes(a: TypedArray, expected: number, name: string): Uint8Array {
  const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (b.length !== expected)
    throw new FormatError(
      `safetensors: tensor ${quote(name)} read back ${b.length} bytes, expected ${expected} (was it changed during the save?)`,
    );
  if (LITTLE_ENDIAN || a.BYTES_PER_ELEMENT === 1) return b;
  const out = new Uint8Array(b.length);
  const w = a.BYTES_PER_ELEMENT;
  for (let i = 0; i < b.length; i += w) for (let j = 0; j < w; j++) out[i + j] = b[i + w - 1 - j]!;
  return out;
}

function kindOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

/** Validate a state dict (or a Module's) and list its tensors. */
function entriesOf(op: string, input: Saveable): { name: string; tensor: Tensor }[] {
  const tensors = input instanceof Module ? input.stateDict() : input;
  if (
    typeof tensors !== 'object' ||
    tensors === null ||
    Array.isArray(tensors) ||
    isTensor(tensors)
  )
    throw new ArgumentError(
      `${op}: expected a state dict (an object or Map of names to tensors) or an nn.Module, got ${isTensor(tensors) ? 'a Tensor' : kindOf(tensors)}`,
    );
  const list = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  return list.map(([name, tensor]: [unknown, unknown]) => {
    if (typeof name !== 'string')
      throw new ArgumentError(`${op}: a state dict's keys must be strings, got ${kindOf(name)}`);
    if (!isTensor(tensor))
      throw new ArgumentError(`${op}: ${quote(name)} is not a Tensor (got ${kindOf(tensor)})`);
    if (name === '__metadata__')
      throw new FormatError(`${op}: "__metadata__" is reserved and cannot name a tensor`);
    void tensor.storage; // throws DisposedTensorError naming the tensor's shape
    return { name, tensor };
  });
}

/** Metadata is absent (undefined or null) or a plain object of strings. */
function metadataOf(op: string, metadata: unknown): Readonly<Record<string, string>> | undefined {
  if (metadata === undefined || metadata === null) return undefined;
  if (typeof metadata !== 'object' || Array.isArray(metadata) || metadata instanceof Map)
    throw new ArgumentError(
      `${op}: metadata must be an object of strings, got ${metadata instanceof Map ? 'a Map' : kindOf(metadata)}`,
    );
  // a plain copy: what is checked is what gets written, whatever getters the object has
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string')
      throw new ArgumentError(
        `${op}: metadata value for ${quote(k)} must be a string, got ${kindOf(v)}`,
      );
    setOwn(out, k, v);
  }
  return out;
}

export interface PlannedEntry {
  name: string;
  tensor: Tensor;
  byteLength: number;
}

/** @internal The layout of a file: its first bytes (length and header), then the tensors in data order. */
export interface FilePlan {
  head: Uint8Array;
  entries: PlannedEntry[];
  total: number;
}

/**
 * @internal Check what `op` was given and lay out the file without reading any tensor: header
 * first, data streamed after it.
 */
export function planFile(op: string, input: Saveable, metadata: unknown): FilePlan {
  const list = entriesOf(op, input);
  const meta = metadataOf(op, metadata);
  const entries = sortEntries(
    list.map(({ name, tensor }) => {
      const dtype = WRITE_DTYPE[tensor.dtype];
      return {
        name,
        tensor,
        dtype,
        shape: tensor.shape,
        byteLength: tensor.size * ST_DTYPES[dtype]!.size,
      };
    }),
  );
  const header = encodeHeader(entries, meta);
  const head = new Uint8Array(8 + header.length);
  new DataView(head.buffer).setBigUint64(0, BigInt(header.length), true);
  head.set(header, 8);
  const total = entries.reduce((s, e) => s + e.byteLength, head.length);
  return { head, entries, total };
}

/**
 * Encode tensors (and optional string metadata) as a safetensors file, byte for byte what the
 * reference `safetensors` package writes for the same tensors. Reads each tensor synchronously.
 * @example
 * const bytes = fl.io.serialize({ weight: fl.ones([2, 2]), step: fl.tensor([3], { dtype: 'int32' }) }, { format: 'pt' });
 */
export function serialize(
  tensors: Saveable,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  return encode('fl.io.serialize', tensors, metadata);
}

function encode(op: string, tensors: Saveable, metadata: unknown): Uint8Array {
  const plan = planFile(op, tensors, metadata);
  const out = new Uint8Array(plan.total);
  out.set(plan.head);
  let at = plan.head.length;
  for (const e of plan.entries) {
    out.set(leBytes(e.tensor.dataSync(), e.byteLength, e.name), at);
    at += e.byteLength;
  }
  return out;
}

/**
 * `serialize` into an exactly sized ArrayBuffer, for browsers (Blob, fetch, IndexedDB).
 * @example
 * const buf = fl.io.saveToBuffer(model.stateDict());
 * const url = URL.createObjectURL(new Blob([buf]));
 */
export function saveToBuffer(
  tensors: Saveable,
  metadata?: Readonly<Record<string, string>>,
): ArrayBuffer {
  return encode('fl.io.saveToBuffer', tensors, metadata).buffer as ArrayBuffer;
}

// ---- decoding ----

function asBytes(op: string, input: Uint8Array | ArrayBuffer): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) {
    const v = input as ArrayBufferView;
    return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  }
  throw new ArgumentError(`${op}: expected a Uint8Array or ArrayBuffer, got ${kindOf(input)}`);
}

/**
 * @internal Collects decoded tensors; on failure `abort` frees them, so a failed load leaves
 * nothing allocated.
 */
export class TensorSink {
  readonly tensors: Record<string, Tensor> = {};
  private readonly made: Tensor[] = [];
  constructor(private readonly device: string | undefined) {}

  add(e: EntryInfo, out: TypedArray): void {
    this.keep(e, upload(out, e.shape, loadsAs(e), this.device));
  }

  /** Allocates `e`'s tensor and returns its ranged writer (file loads stream into it). */
  open(e: EntryInfo): (chunk: TypedArray, at: number) => void {
    const { tensor, write } = uploadRanges(e.shape, loadsAs(e), this.device);
    this.keep(e, tensor);
    return write;
  }

  private keep(e: EntryInfo, t: Tensor): void {
    this.made.push(t);
    setOwn(this.tensors, e.name, t);
  }

  abort(): void {
    for (const t of this.made) t.dispose();
  }
}

/** @internal The device option, read defensively (argument checks proper live at the entry). */
export function deviceOption(opts: LoadOptions | undefined | null): string | undefined {
  return opts === undefined || opts === null ? undefined : opts.device;
}

function decodeAll(all: Uint8Array, header: Header, sink: TensorSink): void {
  const stage = stagingFor(header.entries);
  for (const e of header.entries) {
    const out = outputArray(e, stage);
    const raw = all.subarray(header.dataStart + e.begin, header.dataStart + e.end);
    if (isVerbatim(e)) {
      bytesOf(out).set(raw);
      finish(e, out);
    } else convert(e, raw, out, 0);
    sink.add(e, out);
  }
}

/**
 * Decode a safetensors file. Every size and offset is validated before any tensor is made, so a
 * malformed input throws `FormatError` (and leaves no tensors behind) instead of crashing.
 * @example
 * const { tensors, metadata } = fl.io.deserialize(bytes);
 * tensors.weight.shape; // [2, 2]
 */
export function deserialize(bytes: Uint8Array | ArrayBuffer, opts: LoadOptions = {}): Deserialized {
  return decodeBytes('fl.io.deserialize', bytes, opts);
}

function decodeBytes(op: string, bytes: Uint8Array | ArrayBuffer, opts: LoadOptions): Deserialized {
  const all = asBytes(op, bytes);
  const header = readHeader(all);
  const sink = new TensorSink(deviceOption(opts));
  try {
    decodeAll(all, header, sink);
  } catch (err) {
    sink.abort();
    throw err;
  }
  return { tensors: sink.tensors, metadata: header.metadata };
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
  return decodeBytes('fl.io.loadFromBuffer', bytes, opts).tensors;
}
