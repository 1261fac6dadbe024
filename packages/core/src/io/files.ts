/**
 * `fl.save`/`fl.load` on file paths (Node; reached only through platform/node.ts). Loading checks
 * the path, then reads the header and each tensor's byte range from the file handle (ranges.ts),
 * so a file of any size loads with host memory for one chunk on top of the tensors themselves.
 * Saving streams the header and the tensors one by one into a temporary file next to the
 * destination, then renames it over it.
 */
import type { FileHandle } from 'node:fs/promises';
import { FlintError, FormatError } from '../errors.js';
import { getBackend } from '../device.js';
import {
  type Deserialized,
  type LoadOptions,
  type Saveable,
  deviceOption,
  leBytes,
  planFile,
} from './safetensors.js';
import { loadRanges } from './ranges.js';
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

/** `fl.load` of a path (a string or a file: URL): the file's tensors and metadata. */
export async function loadFile(
  op: string,
  path: unknown,
  opts: LoadOptions,
): Promise<Deserialized> {
  const file = await checkPath(op, path);
  const device = deviceOption(opts);
  getBackend(device); // an unknown device fails before any I/O
  const { fh, size } = await openRegular(op, file);
  try {
    return await loadRanges((dst, at) => readFully(fh, dst, at, op, file), size, device);
  } catch (err) {
    throw atPath(op, file, err);
  } finally {
    await fh.close().catch(() => undefined);
  }
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
 * `fl.save` to a path. The bytes go to a temporary file next to the destination, which is fsynced
 * and renamed over it (then the directory is fsynced): a failure never leaves a half-written
 * file. An existing file keeps its permission bits (and owner, where allowed); a new one gets the
 * umask's. A symlink at `path` is followed and its target replaced; a directory, FIFO or device
 * there is refused with `IOError`. Temporary files of saves to the same destination whose process
 * died (same host) are removed first. Tensors are read one at a time, so GPU backends need not
 * block.
 */
export async function saveFile(
  op: string,
  stateDict: Saveable,
  path: unknown,
  metadata: Readonly<Record<string, string>> | undefined,
): Promise<void> {
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
