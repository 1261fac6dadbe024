/**
 * `fl.load` and `fl.save` everywhere JavaScript runs. `load` takes bytes, a Blob or File, a
 * Response, a Request or a ReadableStream anywhere; a string or URL is a file path in Node and is
 * fetched elsewhere. `save(stateDict)` resolves to the safetensors bytes; `save(stateDict, path)`
 * writes a file where there is a file system (Node). Paths go through `#platform`, so this module
 * and everything it imports stay free of Node built-ins.
 */
import { platform } from '#platform';
import { ArgumentError, FlintError, FormatError, IOError } from '../errors.js';
import { getBackend } from '../device.js';
import type { Tensor } from '../tensor.js';
import { describe } from '../check/describe.js';
import {
  type Deserialized,
  type LoadOptions,
  type Saveable,
  deserialize,
  deviceOption,
  leBytes,
  planFile,
} from './safetensors.js';
import { blobRanges, loadRanges } from './ranges.js';
import { quote } from './show.js';

/** What `fl.load` reads from (besides a path in Node). */
export type LoadSource =
  string | URL | Request | Response | Blob | ReadableStream<Uint8Array> | Uint8Array | ArrayBuffer;

type Metadata = Readonly<Record<string, string>>;
type WebClass = 'Blob' | 'Request' | 'Response' | 'ReadableStream' | 'URL';
/** Sources read the same way everywhere (a string or URL depends on the platform). */
const WEB_KINDS: readonly WebClass[] = ['Blob', 'Request', 'Response', 'ReadableStream'];

/** `v instanceof globalThis[name]`, false where the runtime lacks that class. */
function isA(v: unknown, name: WebClass): boolean {
  const C = (globalThis as Record<string, unknown>)[name];
  return typeof C === 'function' && v instanceof (C as new () => object);
}

/** The kinds `fl.load` accepts here, for the message of a wrong one. */
export function sourceWhat(): string {
  return `${platform.pathWhat}, a Request, a Response, a Blob, a ReadableStream, a Uint8Array or an ArrayBuffer`;
}

/** A source named in messages: its URL or name, bounded; never its contents. */
function shown(source: unknown): string {
  if (typeof source === 'string') return quote(source, 200);
  if (isA(source, 'URL')) return quote((source as URL).href, 200);
  if (isA(source, 'Request')) return `the Request for ${quote((source as Request).url, 200)}`;
  if (isA(source, 'Response')) {
    const url = (source as Response).url;
    return url ? `the Response from ${quote(url, 200)}` : 'the Response';
  }
  if (isA(source, 'Blob')) {
    const name = (source as { name?: unknown }).name;
    const size = (source as Blob).size;
    return typeof name === 'string'
      ? `the File ${quote(name, 200)} (${size} bytes)`
      : `the Blob of ${size} bytes`;
  }
  if (isA(source, 'ReadableStream')) return 'the stream';
  const kind = source instanceof ArrayBuffer ? 'ArrayBuffer' : 'Uint8Array';
  return `the ${kind} of ${(source as Uint8Array | ArrayBuffer).byteLength} bytes`;
}

/** A failure while reading `what`: format errors name it, untyped ones become IOError. */
function atSource(op: string, what: string, err: unknown): FlintError {
  if (err instanceof FormatError) {
    const msg = err.message.replace(/^safetensors: /, '');
    const e = new FormatError(`${op}: ${what} is not a valid safetensors file: ${msg}`);
    (e as { cause?: unknown }).cause = err;
    return e;
  }
  if (err instanceof FlintError) return err;
  const why = String((err as Error | null)?.message ?? err).slice(0, 200);
  return new IOError(`${op}: cannot read ${what}: ${why}`);
}

async function fromBlob(op: string, blob: Blob, what: string, opts: LoadOptions) {
  try {
    return await loadRanges(blobRanges(blob, op, what), blob.size, deviceOption(opts));
  } catch (err) {
    throw atSource(op, what, err);
  }
}

/** A stream read whole, for runtimes with streams but no Response to turn one into a Blob. */
async function fromStream(
  op: string,
  stream: ReadableStream<Uint8Array>,
  what: string,
  opts: LoadOptions,
): Promise<Deserialized> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    const reader = stream.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      chunks.push(r.value);
      total += r.value.length;
    }
    const all = new Uint8Array(total);
    total = 0;
    for (const c of chunks) {
      all.set(c, total);
      total += c.length;
    }
    return deserialize(all, opts);
  } catch (err) {
    throw atSource(op, what, err);
  }
}

/** A Response's body as a Blob (browsers may keep a large one on disk rather than in memory). */
async function bodyOf(op: string, res: Response, what: string): Promise<Blob> {
  if (res.type === 'opaque' || res.status === 0)
    throw new IOError(
      `${op}: ${what} is opaque (a no-cors fetch of another origin), so its body cannot be read; fetch it with CORS enabled`,
      res.url || undefined,
    );
  if (!res.ok)
    throw new IOError(
      `${op}: ${what} has HTTP status ${res.status}${res.statusText ? ` ${quote(res.statusText, 60)}` : ''}, not a success (200–299)`,
      res.url || undefined,
      `HTTP_${res.status}`,
    );
  if (res.bodyUsed)
    throw new ArgumentError(`${op}: the body of ${what} was already read; pass a fresh Response`);
  try {
    return await res.blob();
  } catch (err) {
    throw atSource(op, what, err);
  }
}

async function fetchOf(op: string, source: string | URL | Request): Promise<Response> {
  const f = (globalThis as { fetch?: typeof fetch }).fetch;
  if (typeof f !== 'function')
    throw new IOError(
      `${op}: this runtime has no fetch to get ${shown(source)} with; pass the bytes or a Blob`,
    );
  try {
    return await f(source);
  } catch (err) {
    // Node's fetch says only "fetch failed" and keeps the reason (ECONNREFUSED, …) in `cause`
    const cause = (err as { cause?: { message?: unknown } } | null)?.cause?.message;
    const why = [(err as Error | null)?.message ?? err, cause]
      .filter((m) => m !== undefined)
      .map((m) => String(m).slice(0, 160))
      .join(': ');
    const url =
      typeof source === 'string'
        ? source
        : isA(source, 'URL')
          ? (source as URL).href
          : (source as Request).url;
    throw new IOError(`${op}: cannot fetch ${shown(source)}: ${why}`, url.slice(0, 2000));
  }
}

async function loadFrom(op: string, source: unknown, opts: LoadOptions): Promise<Deserialized> {
  const bytes = source instanceof Uint8Array || source instanceof ArrayBuffer;
  const web = bytes || WEB_KINDS.some((k) => isA(source, k));
  // Paths are the platform's (Node's checks word every other kind of argument too).
  if (!web && platform.files) return platform.files.load(op, source, opts);
  const what = shown(source);
  if (!web && typeof source !== 'string' && !isA(source, 'URL'))
    throw new ArgumentError(`${op}: expected ${sourceWhat()}, got ${describe(source)}`);
  getBackend(deviceOption(opts)); // an unknown device fails before any I/O
  if (bytes) {
    try {
      return deserialize(source, opts);
    } catch (err) {
      throw atSource(op, what, err);
    }
  }
  if (isA(source, 'Blob')) return fromBlob(op, source as Blob, what, opts);
  let res: Response;
  if (isA(source, 'Response')) res = source as Response;
  else if (isA(source, 'ReadableStream')) {
    if (typeof (globalThis as { Response?: unknown }).Response !== 'function')
      return fromStream(op, source as ReadableStream<Uint8Array>, what, opts);
    res = new Response(source as ReadableStream<Uint8Array>);
  } else res = await fetchOf(op, source as string | URL | Request);
  return fromBlob(op, await bodyOf(op, res, what), what, opts);
}

/**
 * Read the tensors of a safetensors file (F32, F64, I32, BOOL; F16/BF16 as float32, I64 and U8 as
 * int32). In Node a string or URL is a file path (a regular file; symlinks are followed); in
 * browsers it is fetched. Bytes, a Blob or File, a Response, a Request or a ReadableStream load
 * anywhere; a Blob is read range by range, so a large file never sits in memory twice. A
 * malformed file throws `FormatError`, a missing, unreadable or special file (or a failed fetch,
 * or an HTTP error status) `IOError`, each naming the source, with no tensors left allocated. The
 * caller owns the returned tensors (dispose them when done).
 * @example
 * const sd = await fl.load('model.safetensors'); // a file in Node, a URL in a browser
 * model.loadStateDict(sd); // copies into the model's parameters
 * for (const t of Object.values(sd)) t.dispose();
 */
export async function load(
  source: LoadSource,
  opts: LoadOptions = {},
): Promise<Record<string, Tensor>> {
  return (await loadFrom('fl.load', source, opts)).tensors;
}

/**
 * Like `load`, also returning the file's `__metadata__` strings.
 * @example
 * const { tensors, metadata } = await fl.io.loadWithMetadata('w.safetensors');
 */
export async function loadWithMetadata(
  source: LoadSource,
  opts: LoadOptions = {},
): Promise<Deserialized> {
  return loadFrom('fl.io.loadWithMetadata', source, opts);
}

/** The file's bytes, reading one tensor at a time without blocking (GPU backends read async). */
async function encodeAsync(
  op: string,
  stateDict: Saveable,
  metadata: unknown,
): Promise<Uint8Array> {
  const plan = planFile(op, stateDict, metadata);
  const out = new Uint8Array(plan.total);
  out.set(plan.head);
  let at = plan.head.length;
  for (const e of plan.entries) {
    out.set(leBytes(await e.tensor.data(), e.byteLength, e.name), at);
    at += e.byteLength;
  }
  return out;
}

/**
 * Save a state dict (or a Module's `stateDict()`) in the safetensors format. Without a path it
 * resolves to the file's bytes (anywhere; e.g. `new Blob([bytes])` to download or upload them).
 * With a path it writes the file (Node): to a temporary file next to the destination, fsynced
 * and renamed over it, so a failure never leaves a half-written file; an existing file keeps its
 * permission bits; a symlink is followed; a directory, FIFO or device is refused (`IOError`).
 * Where there is no file system a path is an `IOError` that points to the bytes form.
 * @example
 * await fl.save(model, 'model.safetensors'); // Node: same as fl.save(model.stateDict(), …)
 * const bytes = await fl.save(model); // anywhere: Uint8Array
 * await fl.io.save({ w: fl.randn([3, 3]) }, 'w.safetensors', { epoch: '3' });
 */
export function save(stateDict: Saveable, path?: null, metadata?: Metadata): Promise<Uint8Array>;
export function save(stateDict: Saveable, path: string | URL, metadata?: Metadata): Promise<void>;
export async function save(
  stateDict: Saveable,
  path?: string | URL | null,
  metadata?: Metadata,
): Promise<Uint8Array | void> {
  const op = 'fl.save';
  if (path === undefined || path === null) return encodeAsync(op, stateDict, metadata);
  if (platform.files) return platform.files.save(op, stateDict, path, metadata);
  if (typeof path !== 'string' && !isA(path, 'URL'))
    throw new ArgumentError(
      `${op}: the path must be ${platform.pathWhat} or left out, got ${describe(path)}`,
    );
  throw new IOError(
    `${op}: this runtime has no file system to write ${shown(path)} to; leave the path out and fl.save resolves to the safetensors bytes (e.g. new Blob([bytes]) to download or upload them)`,
    undefined,
    'ENOTSUP',
  );
}
