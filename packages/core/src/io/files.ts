/**
 * `fl.save` and `fl.load`: safetensors files on disk (Node). Loading checks the path, reads the
 * 8-byte length and the header, validates them against the file's size, then reads each tensor's
 * byte range straight into the array written to the backend, so a file of any size loads with
 * host memory for one tensor on top of the tensors themselves. Saving streams the header and the
 * tensors one by one into a temporary file next to the destination, then renames it over it.
 */
import type { FileHandle } from 'node:fs/promises';
import { FlintError, FormatError } from '../errors.js';
import { getBackend } from '../device.js';
import type { Tensor } from '../tensor.js';
import { type Header, ST_DTYPES } from './header.js';
import { headerLength, parseHeader } from './parse.js';
import {
  CHUNK_BYTES,
  CHUNK_ELEMENTS,
  bytesOf,
  convert,
  elementsOf,
  finish,
  isVerbatim,
  outputArray,
} from './decode.js';
import {
  type Deserialized,
  type LoadOptions,
  type Saveable,
  TensorSink,
  deviceOption,
  leBytes,
  planFile,
} from './safetensors.js';
import {
  checkPath,
  destination,
  ioError,
  node,
  openRegular,
  readFully,
  removeStaleTemps,
  syncDir,
  tempPath,
  writeFully,
} from './paths.js';
import { quote } from './show.js';

/**
 * Name the file in an error: a FormatError from the byte-level reader gets the path in front, an
 * untyped error (a failed allocation, an OS error) becomes an IOError naming the path.
 */
function atPath(op: string, path: string, err: unknown): FlintError {
  if (err instanceof FormatError) {
    const msg = err.message.replace(/^safetensors: /, '');
    const e = new FormatError(`${op}: ${quote(path, 200)} is not a valid safetensors file: ${msg}`);
    (e as { cause?: unknown }).cause = err;
    return e;
  }
  return ioError(op, 'read', path, err);
}

async function readHeaderAt(op: string, path: string, fh: FileHandle, size: number) {
  const prefix = new Uint8Array(Math.min(8, size));
  await readFully(fh, prefix, 0, op, path);
  const n = headerLength(prefix, size);
  const json = new Uint8Array(n);
  await readFully(fh, json, 8, op, path);
  return parseHeader(json, size - 8 - n);
}

/**
 * Every tensor of the file, streamed: each is allocated on the device, then filled chunk by chunk
 * (read, decoded into one staging buffer, written in place), so the host never holds more than a
 * chunk of any tensor and peak memory is about the tensors' size.
 */
async function readTensors(
  op: string,
  path: string,
  fh: FileHandle,
  header: Header,
  sink: TensorSink,
): Promise<void> {
  const stage = new ArrayBuffer(CHUNK_BYTES);
  let raw: Uint8Array | undefined; // converted dtypes (F16, BF16, I64, U8) are read here first
  for (const e of header.entries) {
    const write = sink.open(e);
    const n = elementsOf(e);
    const width = ST_DTYPES[e.dtype]!.size;
    const at = header.dataStart + e.begin;
    for (let i = 0; i < n; i += CHUNK_ELEMENTS) {
      const out = outputArray(e, stage, Math.min(CHUNK_ELEMENTS, n - i));
      if (isVerbatim(e)) {
        await readFully(fh, bytesOf(out), at + i * width, op, path);
        finish(e, out);
      } else {
        raw ??= new Uint8Array(CHUNK_BYTES);
        const bytes = raw.subarray(0, out.length * width);
        await readFully(fh, bytes, at + i * width, op, path);
        convert(e, bytes, out, 0);
      }
      write(out, i);
    }
  }
}

async function loadFrom(op: string, path: unknown, opts: LoadOptions): Promise<Deserialized> {
  const file = await checkPath(op, path);
  const device = deviceOption(opts);
  getBackend(device); // an unknown device fails before any I/O
  const { fh, size } = await openRegular(op, file);
  const sink = new TensorSink(device);
  try {
    const header = await readHeaderAt(op, file, fh, size);
    await readTensors(op, file, fh, header, sink);
    return { tensors: sink.tensors, metadata: header.metadata };
  } catch (err) {
    sink.abort();
    throw atPath(op, file, err);
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/**
 * Read the tensors of a safetensors file (F32, F64, I32, BOOL; F16/BF16 as float32, I64 and U8 as
 * int32). The path must name a regular file (symlinks are followed). A malformed file throws
 * `FormatError`, a missing, unreadable or special file `IOError`, each naming the path, with no
 * tensors left allocated. The caller owns the returned tensors (dispose them when done).
 * @example
 * const sd = await fl.load('model.safetensors');
 * model.loadStateDict(sd); // copies into the model's parameters
 * for (const t of Object.values(sd)) t.dispose();
 */
export async function load(
  path: string | URL,
  opts: LoadOptions = {},
): Promise<Record<string, Tensor>> {
  return (await loadFrom('fl.load', path, opts)).tensors;
}

/**
 * Like `load`, also returning the file's `__metadata__` strings.
 * @example
 * const { tensors, metadata } = await fl.io.loadWithMetadata('w.safetensors');
 */
export async function loadWithMetadata(
  path: string | URL,
  opts: LoadOptions = {},
): Promise<Deserialized> {
  return loadFrom('fl.io.loadWithMetadata', path, opts);
}

/** Write `plan` into the open temporary file, reading one tensor at a time. */
async function writePlan(fh: FileHandle, plan: ReturnType<typeof planFile>): Promise<void> {
  await writeFully(fh, plan.head, 0);
  let at = plan.head.length;
  for (const e of plan.entries) {
    await writeFully(fh, leBytes(await e.tensor.data(), e.byteLength, e.name), at);
    at += e.byteLength;
  }
}

/**
 * Write a state dict (or a Module's `stateDict()`) to `path` in the safetensors format.
 *
 * The bytes go to a temporary file next to the destination, which is fsynced and renamed over it
 * (then the directory is fsynced): a failure never leaves a half-written file. An existing file
 * keeps its permission bits (and owner, where allowed); a new one gets the umask's. A symlink at
 * `path` is followed and its target replaced; a directory, FIFO or device there is refused with
 * `IOError`. Temporary files of saves to the same destination whose process died (same host) are
 * removed first. Tensors are read one at a time, so GPU backends need not block.
 * @example
 * await fl.save(model, 'model.safetensors'); // same as fl.save(model.stateDict(), …)
 * await fl.io.save({ w: fl.randn([3, 3]) }, 'w.safetensors', { epoch: '3' });
 */
export async function save(
  stateDict: Saveable,
  path: string | URL,
  metadata?: Readonly<Record<string, string>>,
): Promise<void> {
  const op = 'fl.save';
  const given = await checkPath(op, path);
  const plan = planFile(op, stateDict, metadata);
  const { fs, path: p } = await node();
  const { file, stat } = await destination(op, given);
  const shown = quote(file, 200) + (file === given ? '' : ` (the target of ${quote(given, 200)})`);
  const fail = (e: unknown) => ioError(op, 'write', file, e, shown);
  // Replacing is a rename, which needs only the directory's permission; a read-only file is
  // refused as writing into it would be.
  if (stat)
    await fs.access(file, fs.constants.W_OK).catch((e: unknown) => {
      throw fail(e);
    });
  await removeStaleTemps(file);
  const tmp = await tempPath(file);
  // A file that replaces an existing one starts private: its final mode may be stricter than
  // the umask's, and its contents must not be readable more widely while they are written.
  const fh = await fs.open(tmp, 'wx', stat ? 0o600 : 0o666).catch((e: unknown) => {
    throw fail(e);
  });
  try {
    try {
      await writePlan(fh, plan);
      if (stat) await keepOwnerAndMode(fh, stat);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw fail(err);
  }
  await syncDir(op, p.dirname(file));
}

async function keepOwnerAndMode(
  fh: FileHandle,
  stat: { uid: number; gid: number; mode: number },
): Promise<void> {
  const now = await fh.stat();
  // Only root (or a member of the group) may give a file away; otherwise it stays the saver's.
  if (now.uid !== stat.uid || now.gid !== stat.gid)
    await fh.chown(stat.uid, stat.gid).catch(() => undefined);
  await fh.chmod(stat.mode & 0o7777);
}
