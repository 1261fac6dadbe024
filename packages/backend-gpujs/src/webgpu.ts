/**
 * The WebGPU side of the runtime. gpu.js's WebGPU kernels return promises (the first call of a
 * kernel compiles asynchronously, and read-back is `mapAsync`), but Flint's kernels must return a
 * buffer at once. So in this mode every device result is a `Cell`: a placeholder handed back
 * immediately and filled by a job on one serial queue. Jobs run in program order, so a job's
 * inputs are always settled when it runs; a built kernel submits synchronously, so the queue never
 * waits on the GPU between kernels (the device queue batches them). Only reads wait.
 */
import { BackendError } from '@flint/core/backend';

/** gpu.js's pipeline handle on WebGPU (a storage buffer); `toArray` maps it asynchronously. */
export interface WgHandle {
  readonly buffer: unknown;
  toArray(): Promise<unknown>;
  delete(): void;
}

/** Device data of the WebGPU mode: filled by its job (`handle`), or failed (`error`). */
export class Cell {
  handle: WgHandle | null = null;
  error: BackendError | null = null;
  constructor(readonly size: number) {}
}

export const isCell = (d: unknown): d is Cell => d instanceof Cell;

const isHandle = (d: unknown): d is WgHandle =>
  typeof d === 'object' &&
  d !== null &&
  'buffer' in d &&
  typeof (d as WgHandle).toArray === 'function' &&
  typeof (d as WgHandle).delete === 'function';

/** A bounded one-line summary of an error (WGSL compile errors put the cause on later lines). */
export function firstLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  const text = m
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .join(' ');
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/**
 * gpu.js's WGSL output infers a loop counter started from a float (`for (let u = k4; …; u++)`) as
 * f32, and WGSL allows `++` only on integers: rewrite a loop's `name++` as `name += 1`, which
 * means the same in every mode (the kernel sources serve WebGL and WebAssembly too).
 */
export function wgslSource(src: string): string {
  return src.replace(/;\s*([A-Za-z_$][\w$]*)\+\+\s*\)/g, '; $1 += 1)');
}

/** Why gpu.js cannot run WebGPU here, as a BackendError (checked before anything is queued). */
export function webgpuUnavailable(name: string): BackendError | null {
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  if (nav?.gpu) return null;
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  const inNode = typeof proc?.versions?.node === 'string';
  return new BackendError(
    `${name}: mode 'webgpu' needs WebGPU (navigator.gpu), which ` +
      (inNode
        ? `Node does not provide; gpu.js would need the 'webgpu' npm package (Dawn), which does ` +
          `not load on this system (it needs a newer glibc/libstdc++ than Debian 12's)`
        : `this browser does not expose (Chromium: a secure context, i.e. https or ` +
          `http://127.0.0.1, and WebGPU enabled — headless needs --enable-unsafe-webgpu)`) +
      `; use mode 'auto' (WebGL2 in browsers, WebAssembly in Node)`,
  );
}

/** The shared WebGPU device as gpu.js holds it (its WebGPUContext), for loss notification. */
interface WgContext {
  device: { lost: Promise<{ reason?: string; message?: string }> };
}

/**
 * The serial job queue of one backend instance. A failing job never rejects the chain: its error
 * lands on the cells it should have filled and in `unreported`, which the next read or `sync()`
 * throws — so no failure is silent, none is an unhandled rejection, and nothing hangs.
 */
export class JobQueue {
  private tail: Promise<void> = Promise.resolve();
  /** Jobs queued and not finished. */
  pending = 0;
  /** Device buffers whose free waits behind queued work. */
  pendingFrees = 0;
  /** The first failure not yet thrown to the caller. */
  unreported: BackendError | null = null;
  /** Set when the device is lost or WebGPU turned out unavailable: every later call throws it. */
  fatal: BackendError | null = null;
  /**
   * Settles once the shared device is acquired or refused (watch). Reads of host-computed values
   * wait for it too, so a missing adapter is still an error at the first read even when small
   * tensors never reached the device (dispatch.ts).
   */
  acquired: Promise<void> = Promise.resolve();
  stopped = false;

  constructor(readonly name: string) {}

  /** Appends `job`; returns a promise that settles (never rejects) when it has run. */
  enqueue(label: string, job: () => void | Promise<void>): Promise<void> {
    this.pending++;
    const done = this.tail.then(async () => {
      try {
        if (!this.stopped) await job();
      } catch (e) {
        this.fail(e instanceof BackendError ? e : this.error(label, e));
      } finally {
        this.pending--;
      }
    });
    this.tail = done;
    return done;
  }

  error(label: string, e: unknown): BackendError {
    return (
      this.fatal ?? new BackendError(`${this.name}: kernel '${label}' failed: ${firstLine(e)}`)
    );
  }

  fail(e: BackendError): void {
    this.unreported ??= e;
  }

  /** Resolves when everything queued so far has run. */
  idle(): Promise<void> {
    return this.tail;
  }

  /** Throws (once) a failure no read has reported yet. */
  throwUnreported(): void {
    const e = this.unreported;
    this.unreported = null;
    if (e) throw e;
  }

  /** Watches the shared device: a loss (or no adapter at all) becomes `fatal`. */
  watch(acquire: (() => Promise<WgContext>) | undefined): void {
    if (!acquire) return;
    this.acquired = acquire().then(
      (ctx) => {
        // not awaited: `acquired` settles now, the loss may come at any later time
        void ctx.device.lost.then((info) => {
          this.fatal ??= new BackendError(
            `${this.name}: the WebGPU device was lost (${String(info.reason ?? 'unknown')}` +
              `${info.message ? `: ${firstLine(info.message)}` : ''}); every tensor on this device ` +
              `is gone (create a new backend and reload the data)`,
          );
        });
      },
      (e: unknown) => {
        this.fatal ??= new BackendError(
          `${this.name}: WebGPU is exposed (navigator.gpu) but no device could be acquired: ` +
            `${firstLine(e)}; use mode 'auto' (WebGL2)`,
        );
      },
    );
  }
}

/** Runs a gpu.js kernel call and stores its pipeline handle in `cell` (inside a job). */
export async function fillCell(
  cell: Cell,
  label: string,
  call: () => unknown,
  q: JobQueue,
): Promise<void> {
  let out: unknown;
  try {
    out = await call();
  } catch (e) {
    cell.error = q.error(label, e);
    throw cell.error;
  }
  if (!isHandle(out)) {
    cell.error = new BackendError(`${q.name}: kernel '${label}' returned no WebGPU buffer`);
    throw cell.error;
  }
  cell.handle = out;
  // a job already running when the backend was disposed: nothing owns its result any more
  if (q.stopped) out.delete();
}

/** The float32 values of a settled cell (inside a job: the copy is queued now, mapped later). */
export function readCell(cell: Cell, n: number, q: JobQueue): Promise<Float32Array> {
  if (q.fatal) return Promise.reject(q.fatal);
  if (cell.error) return Promise.reject(cell.error);
  if (n === 0) return Promise.resolve(new Float32Array(0));
  if (!cell.handle)
    return Promise.reject(new BackendError(`${q.name}.read: the buffer holds no device data`));
  return cell.handle.toArray().then(
    (a) => {
      if (!(a instanceof Float32Array) || a.length < n)
        throw new BackendError(`${q.name}.read: the WebGPU buffer did not hold ${n} values`);
      return a.length === n ? a : a.slice(0, n);
    },
    (e: unknown) => {
      throw (
        q.fatal ??
        new BackendError(`${q.name}.read: reading a WebGPU buffer failed: ${firstLine(e)}`)
      );
    },
  );
}

/**
 * SwiftShader compiles WGSL's `a != b` as an ordered comparison (measured: NaN != 0 and
 * NaN != NaN are false there, while `==` and `<` follow IEEE), which breaks every NaN test the
 * kernels make (`v !== v`) and every `!== 0` truth test of a NaN. `!(a == b)` is the IEEE
 * answer on every implementation, so the generated WGSL is rewritten to it. gpu.js wraps each
 * binary expression in parentheses, so `(L!=R)` becomes `(!(L==R))`; a `!=` whose enclosing
 * parentheses are not one expression (a `for` header) is left alone.
 */
export function ieeeNotEqual(wgsl: string): string {
  let s = wgsl;
  let at = s.indexOf('!=');
  while (at >= 0) {
    const open = enclosingOpen(s, at);
    const close = open < 0 ? -1 : matchingClose(s, open);
    if (close > at && !/[;,{}]/.test(s.slice(open + 1, close).replace(/\([^()]*\)/g, ''))) {
      s = `${s.slice(0, open + 1)}!(${s.slice(open + 1, at)}==${s.slice(at + 2, close)})${s.slice(close)}`;
      at = s.indexOf('!=', at + 4);
    } else at = s.indexOf('!=', at + 2);
  }
  return s;
}

/** The index of the `(` that encloses position `at`, or −1. */
function enclosingOpen(s: string, at: number): number {
  let depth = 0;
  for (let i = at - 1; i >= 0; i--) {
    if (s[i] === ')') depth++;
    else if (s[i] === '(') {
      if (depth === 0) return i;
      depth--;
    } else if (s[i] === ';' || s[i] === '{' || s[i] === '}') return -1;
  }
  return -1;
}

/** The index of the `)` that closes the `(` at `open`, or −1. */
function matchingClose(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')' && --depth === 0) return i;
  }
  return -1;
}

type WgslKernelClass = new (...args: never[]) => { assembleWGSL(): string };

/**
 * gpu.js's WebGPU kernel class with `ieeeNotEqual` applied to the WGSL it assembles: set as this
 * backend's own `GPU` instance's kernel class (gpu.js builds every kernel of an instance, and its
 * argument-type variants, from that class), so no other gpu.js user on the page is affected.
 */
export function ieeeKernelClass(K: unknown): unknown {
  if (
    typeof K !== 'function' ||
    typeof (K.prototype as Partial<WgslKernelClass['prototype']>)?.assembleWGSL !== 'function'
  )
    return K;
  const Base = K as WgslKernelClass;
  return class FlintWebGPUKernel extends Base {
    override assembleWGSL(): string {
      return ieeeNotEqual(super.assembleWGSL());
    }
  };
}
