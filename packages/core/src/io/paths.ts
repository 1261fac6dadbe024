/**
 * Node-only file-system helpers behind `fl.save`/`fl.load`: path checks, typed errors for OS
 * failures, opening a file for reading without blocking on FIFOs, resolving a save's destination
 * through symlinks, and naming (and later removing) temporary files. Only platform/node.ts
 * reaches this module (browser bundles never see it); `node:` modules load on first use.
 */
import type { FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { ArgumentError, FlintError, IOError } from '../errors.js';
import { quote } from './show.js';

interface NodeApis {
  fs: typeof import('node:fs/promises');
  path: typeof import('node:path');
  os: typeof import('node:os');
  url: typeof import('node:url');
}

let apis: Promise<NodeApis> | undefined;

export function node(): Promise<NodeApis> {
  apis ??= Promise.all([
    import('node:fs/promises'),
    import('node:path'),
    import('node:os'),
    import('node:url'),
  ]).then(([fs, path, os, url]) => ({ fs, path, os, url }));
  return apis;
}

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a component of the path is not a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'the name is too long',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exceeded',
  EROFS: 'the file system is read-only',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EIO: 'an input/output error',
  EBUSY: 'the file is busy',
  ETXTBSY: 'the file is busy',
  EXDEV: 'the temporary file and the destination are on different devices',
  EFBIG: 'the file is too large for the file system',
};

/**
 * A typed error for a failed file-system call. Node's own message repeats the (possibly huge)
 * path, so only its code is kept where it is a known one.
 */
export function ioError(
  op: string,
  action: string,
  path: string,
  err: unknown,
  shown = quote(path, 200),
): FlintError {
  if (err instanceof FlintError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const c = typeof code === 'string' ? code : undefined;
  const why =
    c !== undefined && Object.hasOwn(REASONS, c)
      ? `${REASONS[c]} (${c})`
      : String((err as Error | null)?.message ?? err).slice(0, 200);
  return new IOError(`${op}: cannot ${action} ${shown}: ${why}`, path, c);
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

export function notRegular(op: string, action: string, path: string, st: Stats): IOError {
  return new IOError(
    `${op}: cannot ${action} ${quote(path, 200)}: it is ${kindOf(st)}; safetensors files must be regular files`,
    path,
  );
}

/** A path argument as a string: a non-empty string without NUL, or a `file:` URL. */
export async function checkPath(op: string, given: unknown): Promise<string> {
  let path = given;
  if (path instanceof URL) {
    if (path.protocol !== 'file:')
      throw new ArgumentError(
        `${op}: the path URL must use file:, got ${quote(path.protocol, 20)}`,
      );
    const url = path;
    try {
      path = (await node()).url.fileURLToPath(url);
    } catch (e) {
      // a host other than localhost, or an encoded '/', has no path on this system
      throw new ArgumentError(
        `${op}: the file: URL ${quote(url.href, 200)} has no local path (${String((e as Error).message).slice(0, 120)})`,
      );
    }
  }
  if (typeof path !== 'string')
    throw new ArgumentError(
      `${op}: the path must be a string or a file: URL, got ${path === null ? 'null' : typeof path}`,
    );
  if (path === '') throw new ArgumentError(`${op}: the path is empty`);
  if (path.includes('\0'))
    throw new ArgumentError(`${op}: the path ${quote(path, 200)} contains a NUL character`);
  return path;
}

/**
 * Open a regular file for reading. It is checked before opening (so no device or directory is
 * opened at all) and again after (it may have been swapped); O_NONBLOCK keeps the open of a FIFO
 * from waiting for a writer that may never come.
 */
export async function openRegular(
  op: string,
  path: string,
): Promise<{ fh: FileHandle; size: number }> {
  const { fs } = await node();
  const before = await fs.stat(path).catch((e: unknown) => {
    throw ioError(op, 'read', path, e);
  });
  if (!before.isFile()) throw notRegular(op, 'read', path, before);
  const flags = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);
  const fh = await fs.open(path, flags).catch((e: unknown) => {
    throw ioError(op, 'read', path, e);
  });
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw notRegular(op, 'read', path, st);
    return { fh, size: st.size };
  } catch (e) {
    await fh.close().catch(() => undefined);
    throw ioError(op, 'read', path, e);
  }
}

/** Bytes read per call: large enough to stream fast, small enough to stay below every OS limit. */
const READ_BYTES = 1 << 26;

/** Fill `dst` from the file at `position`; a file that ends early (it shrank) is an IOError. */
export async function readFully(
  fh: FileHandle,
  dst: Uint8Array,
  position: number,
  op: string,
  path: string,
): Promise<void> {
  let done = 0;
  while (done < dst.length) {
    const len = Math.min(READ_BYTES, dst.length - done);
    const { bytesRead } = await fh.read(dst, done, len, position + done);
    if (bytesRead === 0)
      throw new IOError(
        `${op}: ${quote(path, 200)} ended at byte ${position + done} while reading ${dst.length} bytes from ${position}; was it truncated while loading?`,
        path,
      );
    done += bytesRead;
  }
}

/** Write all of `src` at `position`. */
export async function writeFully(fh: FileHandle, src: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < src.length) {
    const len = Math.min(READ_BYTES, src.length - done);
    const { bytesWritten } = await fh.write(src, done, len, position + done);
    if (bytesWritten === 0) throw new Error('the write made no progress');
    done += bytesWritten;
  }
}

export interface Destination {
  /** The file that will be replaced: `path`, or the final target of the symlinks at `path`. */
  file: string;
  /** Its status when it exists (a regular file), else null. */
  stat: Stats | null;
}

/** Linux's limit on symlinks followed in one lookup. */
const MAX_LINKS = 40;

/**
 * Where a save writes: symlinks at `path` are followed to their final target (as `open` would),
 * so that the link stays a link and its target gets the new contents. An existing destination
 * must be a regular file: a directory, FIFO or device is refused rather than replaced.
 */
export async function destination(op: string, path: string): Promise<Destination> {
  const { fs, path: p } = await node();
  let file = path;
  for (let hops = 0; ; hops++) {
    let st: Stats;
    try {
      st = await fs.lstat(file);
    } catch (e) {
      if ((e as { code?: unknown }).code === 'ENOENT') return { file, stat: null };
      throw ioError(op, 'write', file, e);
    }
    if (!st.isSymbolicLink()) {
      if (!st.isFile()) throw notRegular(op, 'write', file, st);
      return { file, stat: st };
    }
    if (hops === MAX_LINKS) throw ioError(op, 'write', path, { code: 'ELOOP' });
    const link = await fs.readlink(file).catch((e: unknown) => {
      throw ioError(op, 'write', file, e);
    });
    file = p.resolve(p.dirname(file), link);
  }
}

/** 32-bit FNV-1a of a string's UTF-16 units, as 8 hex digits: a short, stable tag. */
function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/**
 * Temporary files are `.<name>.flint-<host>-<pid>-<random>.tmp` next to the destination: the
 * name ties them to one destination, the host tag and pid to the process that wrote them, so a
 * later save can tell a dead process's leftovers from a live save. A long name is replaced by
 * its hash to keep the temporary name under the usual 255-byte limit.
 */
function tempPrefix(base: string, host: string): string {
  const name = base.length <= 150 && !/[^\x20-\x7e]/.test(base) ? base : `~${fnv1a(base)}`;
  return `.${name}.flint-${host}-`;
}

/** The part of a temporary file's name that ties it to `file` and this host. */
export async function tempPrefixOf(file: string): Promise<string> {
  const { path: p, os } = await node();
  return tempPrefix(p.basename(file), fnv1a(os.hostname()));
}

export async function tempPath(file: string): Promise<string> {
  const { path: p } = await node();
  const rand = Math.random().toString(36).slice(2, 10) || '0';
  return p.join(p.dirname(file), `${await tempPrefixOf(file)}${process.pid}-${rand}.tmp`);
}

/** Whether a process with this id exists (on this host). EPERM means it exists but is not ours. */
function alive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid > 0x7fffffff) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: unknown }).code !== 'ESRCH';
  }
}

/**
 * Remove the temporary files that saves to `file` left behind when their process died (a
 * SIGKILL, a power cut): same host, a pid that no longer exists. A live process's file is never
 * touched (its save may still be running), and neither is anything that does not match the
 * naming scheme. Best effort: a file that cannot be removed stays. Returns the names removed.
 */
export async function removeStaleTemps(file: string): Promise<string[]> {
  const { fs, path: p } = await node();
  const dir = p.dirname(file);
  const prefix = await tempPrefixOf(file);
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const n of names) {
    if (!n.startsWith(prefix)) continue;
    const m = /^([1-9][0-9]{0,9})-[0-9a-z]+\.tmp$/.exec(n.slice(prefix.length));
    if (!m || alive(Number(m[1]))) continue;
    const full = p.join(dir, n);
    const st = await fs.lstat(full).catch(() => null);
    if (!st?.isFile()) continue;
    if (
      await fs.unlink(full).then(
        () => true,
        () => false,
      )
    )
      removed.push(n);
  }
  return removed;
}

/** Codes with which an OS or file system says it cannot fsync a directory (not an I/O failure). */
const NO_DIR_SYNC = new Set([
  'EISDIR',
  'EINVAL',
  'EPERM',
  'EACCES',
  'EBADF',
  'ENOTSUP',
  'EOPNOTSUPP',
]);

/** fsync a directory so that a rename in it survives a power cut. */
export async function syncDir(op: string, dir: string): Promise<void> {
  const { fs } = await node();
  let fh: FileHandle | undefined;
  try {
    fh = await fs.open(dir, 'r');
    await fh.sync();
  } catch (e) {
    if (!NO_DIR_SYNC.has(String((e as { code?: unknown }).code)))
      throw ioError(op, 'sync the directory', dir, e);
  } finally {
    await fh?.close().catch(() => undefined);
  }
}
