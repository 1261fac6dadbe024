/**
 * Loading the addon and talking to it. Kernel views and numeric arguments travel through one
 * shared Float64Array (the "scratch") that the addon reads in place, so a kernel call is a
 * single N-API call with the buffer handles as its only arguments — that keeps a small op's
 * dispatch in the low microseconds.
 */
import { createRequire } from 'node:module';
import { BackendError } from '@flint/core/backend';
import type { DType, KView, TypedArray } from '@flint/core/backend';
import { OP_NAMES } from './ops.js';

/** An opaque handle to a buffer owned by the addon: a number naming a slot and its generation. */
export type Handle = {
  /** A type-only brand: keeps handles apart from plain numbers (absent at run time). */
  readonly __nativeBuffer: unique symbol;
};
/** An opaque handle to one backend instance's storage. */
export type ContextHandle = { readonly __nativeContext: unique symbol };

export interface AddonInfo {
  gemm: 'openblas' | 'cblas' | 'builtin';
  /** What float32 products use (matmul.cc's choice per CPU). */
  gemmFloat32: string;
  /** Largest rank of a kernel view (the backend's caps.maxRank). */
  maxRank: number;
  /** Threads kernels use (process-wide). */
  threads: number;
  /** Pool threads started so far: they start on demand, at most `threads − 1`. */
  workers: number;
  /** Bytes held by every native context in the process, worker threads included. */
  processBytes: number;
  /** Live buffer handles of this thread's environment. */
  liveHandles: number;
  ops: string[];
  missing: string[];
  sanitized: boolean;
}

export interface Addon {
  setMeta(meta: Float64Array): void;
  createContext(poolBytes: number): ContextHandle;
  disposeContext(ctx: ContextHandle): void;
  alloc(ctx: ContextHandle, dtype: number, size: number): Handle;
  free(ctx: ContextHandle, buf: Handle): void;
  /** Copies `data` into `buf` (whole, or from element `at` on). */
  write(ctx: ContextHandle, buf: Handle, data: TypedArray, at?: number): void;
  read(ctx: ContextHandle, buf: Handle, size: number): TypedArray;
  stats(ctx: ContextHandle): {
    buffers: number;
    bytes: number;
    pooledBytes: number;
    heldBytes: number;
    v8ExternalBytes: number;
  };
  trim(ctx: ContextHandle): void;
  call(ctx: ContextHandle, op: number, ...bufs: (Handle | null)[]): unknown;
  info(): AddonInfo;
  setThreads(n: number): void;
  /** Test hook: caps this environment's live handles at `n` (0 restores the default, 2^22). */
  setHandleLimit(n: number): void;
}

/** Dtype codes shared with native/common.h. */
export const DTYPE_CODE: Readonly<Record<DType, number>> = {
  float32: 0,
  float64: 1,
  int32: 2,
  bool: 3,
};

const HOW_TO_FIX =
  'Build it with `pnpm --filter @flint/backend-native build:addon`; that needs cmake, g++ and ' +
  'libopenblas-dev (scripts/bootstrap.sh installs them as root: apt-get install cmake g++ libopenblas-dev).';

let loaded: { addon: Addon } | { error: string } | undefined;

/** Where the addon is looked for: FLINT_NATIVE_ADDON (e.g. the ASan build), else build/Release. */
function addonPath(): string {
  return (
    process.env.FLINT_NATIVE_ADDON ??
    new URL('../build/Release/flint_native.node', import.meta.url).pathname
  );
}

function tryLoad(): { addon: Addon } | { error: string } {
  const path = addonPath();
  let addon: Addon;
  try {
    addon = createRequire(import.meta.url)(path) as Addon;
  } catch (e) {
    const why =
      (e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND'
        ? `${path} does not exist (the addon was not built)`
        : (e as Error).message;
    return { error: `the native addon could not be loaded: ${why}. ${HOW_TO_FIX}` };
  }
  if (typeof addon?.info !== 'function' || typeof addon.call !== 'function')
    return {
      error: `the native addon could not be loaded: ${path} is not Flint's addon. ${HOW_TO_FIX}`,
    };
  const ops = addon.info().ops;
  if (ops.join() !== OP_NAMES.join())
    return {
      error:
        `the native addon was built for a different op table (${ops.length} ops, expected ` +
        `${OP_NAMES.length}); rebuild it: pnpm --filter @flint/backend-native build`,
    };
  return { addon };
}

/** The addon, loaded once; throws a BackendError saying why and how to fix it when it cannot load. */
export function addon(): Addon {
  loaded ??= tryLoad();
  if ('error' in loaded) throw new BackendError(`@flint/backend-native: ${loaded.error}`);
  return loaded.addon;
}

/** Whether the addon loads here, and if not, why. Never throws. */
export function nativeAvailable():
  | {
      /** The addon loaded. */
      ok: true;
    }
  | {
      /** The addon did not load. */
      ok: false;
      /** Why not: the loader's error and how to build the addon. */
      reason: string;
    } {
  loaded ??= tryLoad();
  return 'error' in loaded ? { ok: false, reason: loaded.error } : { ok: true };
}

// ---- the scratch ----------------------------------------------------------------------------

const SCRATCH = new Float64Array(1 << 14);
let pos = 0;
let scratchOwner: Addon | undefined;

/**
 * Makes the next call hand the scratch to the addon again: for tests that point the addon at
 * another metadata array (`setMeta`), to restore the real one afterwards.
 */
export function resetScratch(): void {
  scratchOwner = undefined;
}

/** Starts encoding a call with `views` inputs. */
export function begin(a: Addon, views: number): void {
  if (scratchOwner !== a) {
    a.setMeta(SCRATCH);
    scratchOwner = a;
  }
  SCRATCH[0] = views;
  pos = 1;
}

function room(n: number): void {
  if (pos + n > SCRATCH.length)
    throw new BackendError(`native: call metadata exceeds ${SCRATCH.length} numbers`);
}

/** Appends one kernel view (or an absent optional input). */
export function view(v: KView<Handle> | null): void {
  if (v === null) {
    room(1);
    SCRATCH[pos++] = -1;
    return;
  }
  const r = v.shape.length;
  room(3 + 2 * r);
  SCRATCH[pos++] = DTYPE_CODE[v.dtype];
  SCRATCH[pos++] = r;
  SCRATCH[pos++] = v.offset;
  for (let i = 0; i < r; i++) SCRATCH[pos++] = v.shape[i]!;
  for (let i = 0; i < r; i++) SCRATCH[pos++] = v.strides[i]!;
}

/** Appends the numeric arguments (must come after every view). */
export function args(xs: readonly number[]): void {
  room(1 + xs.length);
  SCRATCH[pos++] = xs.length;
  for (let i = 0; i < xs.length; i++) SCRATCH[pos++] = xs[i]!;
}
