/**
 * `@flint/backend-native`: Flint's native backend, a C++ N-API addon (native/) with CBLAS
 * (OpenBLAS) GEMM, a thread pool for element-wise and reduction kernels, and fused overrides
 * for the hot composites. Device name `'native'`. Buffers live in C++ memory, pooled and
 * reported to V8; a buffer dropped without free() is reclaimed when its handle is collected.
 */
import { BackendError, PRIM_NAMES, PRIMS } from '@flint/core/backend';
import type {
  Backend,
  Caps,
  DType,
  Kernels,
  KView,
  Overrides,
  PrimName,
  TypedArray,
} from '@flint/core/backend';
import { addon, args, begin, DTYPE_CODE, view } from './binding.js';
import type { Addon, ContextHandle, Handle } from './binding.js';
import { OP_ID } from './ops.js';
import { overrideTable } from './overrides.js';
import { setTracing } from './trace.js';

export { nativeAvailable } from './binding.js';
export { cudaAvailable, cudaBackend, cudaMemoryStats } from './cuda.js';
export type { CudaAvailability, CudaBackendOptions, CudaMemoryStats } from './cuda.js';
export type { Handle } from './binding.js';
export { OVERRIDE_NAMES } from './ops.js';

/** Options of `nativeBackend()`. */
export interface NativeBackendOptions {
  /** Device name tensors report; defaults to `'native'`. Lets tests register two instances. */
  name?: string;
  /** Bytes of freed buffers kept for reuse (default 256 MiB; 0 disables pooling). */
  poolBytes?: number;
  /**
   * Threads for kernels and BLAS (process-wide: the pool is shared by every instance and every
   * worker thread). Defaults to the machine's cores; pool threads start only when a kernel can
   * use them, so 1 starts none.
   */
  threads?: number;
  /**
   * @internal Development only: create the backend even if the addon lacks some kernels
   * (they throw when called).
   */
  allowIncomplete?: boolean;
  /**
   * @internal Creates the instance's context on another device of the addon (`cudaBackend`,
   * src/cuda.ts); the default is a CPU context.
   */
  context?: (a: Addon, poolBytes: number) => ContextHandle;
}

/** The call signature shared by every kernel wrapper: views, then numeric arguments. */
export type Invoke = (
  op: number,
  views: readonly (KView<Handle> | null)[],
  nums: readonly number[],
) => unknown;

function makeInvoke(a: Addon, ctx: ContextHandle): Invoke {
  return (op, views, nums) => {
    begin(a, views.length);
    for (let i = 0; i < views.length; i++) view(views[i]!);
    args(nums);
    try {
      switch (views.length) {
        case 0:
          return a.call(ctx, op);
        case 1:
          return a.call(ctx, op, views[0]!.buf);
        case 2:
          return a.call(ctx, op, views[0]!.buf, views[1]?.buf ?? null);
        default:
          return a.call(ctx, op, ...views.map((v) => v?.buf ?? null));
      }
    } catch (e) {
      throw backendError(e);
    }
  };
}

/** One wrapper per primitive, encoding its arguments by kind (native/dispatch.h lists them). */
function kernelFor(p: PrimName, run: Invoke, a: Addon, ctx: ContextHandle): unknown {
  const op = OP_ID[p]!;
  const kind = PRIMS[p].kind;
  type V = KView<Handle>;
  switch (kind) {
    // The most frequent calls skip the generic path's temporary arrays.
    case 'unary':
    case 'contiguous':
      return (x: V) => {
        begin(a, 1);
        view(x);
        args(NO_ARGS);
        try {
          return a.call(ctx, op, x.buf);
        } catch (e) {
          throw backendError(e);
        }
      };
    case 'binary':
    case 'compare':
    case 'matmul':
      return (x: V, y: V) => {
        begin(a, 2);
        view(x);
        view(y);
        args(NO_ARGS);
        try {
          return a.call(ctx, op, x.buf, y.buf);
        } catch (e) {
          throw backendError(e);
        }
      };
    case 'where':
      return (c: V, a: V, b: V) => run(op, [c, a, b], []);
    case 'cast':
      return (x: V, d: DType) => run(op, [x], [DTYPE_CODE[d]]);
    case 'fill':
      return (shape: readonly number[], d: DType, value: number) =>
        run(op, [], [DTYPE_CODE[d], value, shape.length, ...shape]);
    case 'pad':
      return (x: V, widths: readonly (readonly [number, number])[], value: number) =>
        run(op, [x], [value, ...widths.flat()]);
    case 'stridedWrite':
      return (base: V, values: V, strides: readonly number[], offset: number) =>
        run(op, [base, values], [offset, ...strides]);
    case 'reduce':
      return (x: V, axes: readonly number[]) => run(op, [x], axes);
    case 'argReduce':
    case 'scan':
      return (x: V, axis: number) => run(op, [x], [axis]);
    case 'gather':
      return (x: V, index: V, axis: number) => run(op, [x, index], [axis]);
    case 'scatterAdd':
      return (x: V, index: V, src: V, axis: number) => run(op, [x, index, src], [axis]);
    case 'randomBits':
      return (shape: readonly number[], key: readonly [number, number], offset: number) =>
        run(op, [], [key[0], key[1], offset, shape.length, ...shape]);
    case 'sort':
      return (x: V, descending: boolean) => run(op, [x], [descending ? 1 : 0]) as [Handle, Handle];
    default:
      throw new BackendError(`native: no kernel for primitive ${String(kind satisfies never)}`);
  }
}

const NO_ARGS: readonly number[] = [];

function caps(gemm: string, threads: number, maxRank: number): Caps {
  return Object.freeze<Caps>({
    dtypes: ['float32', 'float64', 'int32', 'bool'],
    strided: true,
    // The addon's kMaxRank (64, as the CPU backend): core rejects a higher rank with a ShapeError.
    maxRank,
    syncRead: true,
    tolerance: {
      float32: { rtol: 1e-5, atol: 1e-6 },
      float64: { rtol: 1e-12, atol: 1e-12 },
      int32: { rtol: 0, atol: 0 },
      bool: { rtol: 0, atol: 0 },
    },
    features: [
      ...(gemm === 'builtin' ? [] : ['blas']),
      `gemm:${gemm}`,
      ...(threads > 1 ? ['threads'] : []),
    ],
  });
}

/** The addon throws plain Errors ("native.<op>: …"); callers get BackendErrors. */
function backendError(e: unknown): BackendError {
  return e instanceof BackendError ? e : new BackendError((e as Error).message);
}

/** Runs a storage call, turning the addon's plain Errors into BackendErrors. */
function typed<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw backendError(e);
  }
}

/**
 * Creates a native backend instance. Register it with core to make it a device; throws a
 * BackendError explaining how to build the addon when it cannot be loaded.
 *
 * @example
 * ```ts
 * import * as fl from '@flint/core';
 * import { nativeBackend } from '@flint/backend-native';
 * fl.use(nativeBackend());
 * fl.tensor([1, 2, 3]).exp().toArray(); // [2.718…, 7.389…, 20.08…]
 * ```
 */
export function nativeBackend(options: NativeBackendOptions = {}): Backend<Handle> {
  const a = addon();
  const info = a.info();
  if (info.missing.length > 0 && !options.allowIncomplete)
    throw new BackendError(
      `@flint/backend-native: this build of the addon has no kernel for ${info.missing.join(', ')}; rebuild it`,
    );
  if (options.threads !== undefined) setNativeThreads(options.threads);
  const name = options.name ?? 'native';
  const pool = options.poolBytes ?? 256 * 2 ** 20;
  const ctx = options.context ? options.context(a, pool) : a.createContext(pool);
  const run = makeInvoke(a, ctx);
  const kernels = Object.freeze(
    Object.fromEntries(PRIM_NAMES.map((p) => [p, kernelFor(p, run, a, ctx)])),
  ) as Kernels<Handle>;
  const overrides: Overrides<Handle> = overrideTable(run);
  let disposed = false;
  const live = (op: string) => {
    if (disposed) throw new BackendError(`${name}.${op}: the backend was disposed`);
  };
  return {
    name,
    caps: caps(info.gemm, a.info().threads, info.maxRank),
    alloc: (dtype, size) => typed(() => a.alloc(ctx, DTYPE_CODE[dtype], size)),
    // Every tensor's end: no closure per call, unlike typed().
    free: (buf) => {
      try {
        a.free(ctx, buf);
      } catch (e) {
        throw backendError(e);
      }
    },
    write: (buf, data, at) => typed(() => a.write(ctx, buf, data, at)),
    read: async (buf, _dtype, size) => typed(() => a.read(ctx, buf, size)),
    readSync: (buf, _dtype, size) => typed(() => a.read(ctx, buf, size)),
    kernels,
    overrides,
    sync: async () => live('sync'),
    stats: () => {
      const s = a.stats(ctx);
      return { buffers: s.buffers, bytes: s.bytes };
    },
    dispose: () => {
      disposed = true;
      a.disposeContext(ctx);
    },
  };
}

/**
 * Sets the threads kernels and BLAS use, process-wide (every native instance shares one pool).
 * Cheap when unchanged; changing it restarts the pool's worker threads.
 */
export function setNativeThreads(n: number): void {
  const a = addon();
  if (!Number.isInteger(n) || n < 1)
    throw new BackendError(`setNativeThreads: expected a positive integer, got ${n}`);
  if (a.info().threads !== n) typed(() => a.setThreads(n));
}

/**
 * Details of the loaded addon: which GEMM it uses, its thread count, how many pool threads are
 * running (they start on demand), whether it is an ASan build.
 */
export function nativeInfo(): {
  /** The build's matrix-product library: `'openblas'`, `'cblas'` or `'builtin'` (none). */
  gemm: string;
  /**
   * What float32 products use: the built-in kernel where it is the faster one on this CPU
   * (`'builtin-avx512'`, `'builtin-avx2'`), else the build's BLAS (`FLINT_GEMM=blas|builtin`
   * forces one). float64 uses the BLAS whenever the build has one.
   */
  gemmFloat32: string;
  /** Kernel and BLAS threads (process-wide; see `setNativeThreads`). */
  threads: number;
  /** Pool threads running now (they start on demand). */
  workers: number;
  /** Whether the addon is an AddressSanitizer build. */
  sanitized: boolean;
} {
  const { gemm, gemmFloat32, threads, workers, sanitized } = addon().info();
  return { gemm, gemmFloat32, threads, workers, sanitized };
}

/**
 * For CPU profiles (the bench's "where the time goes" table): while on, every call into the
 * addon runs through a named JavaScript frame (`nativeCall`, `nativeFree`, … in
 * `dist/trace.js`), so that a profile separates the time spent in the addon — N-API and C++
 * kernels — from the JavaScript that calls it (V8 otherwise counts it as the caller's own
 * time). Costs one extra call per addon call; off by default.
 *
 * @example
 * ```ts
 * import { traceNativeCalls } from '@flint/backend-native';
 * traceNativeCalls(true); // profile now: the addon's time sits under nativeCall, nativeFree, …
 * traceNativeCalls(false);
 * ```
 */
export function traceNativeCalls(on: boolean): void {
  if (typeof on !== 'boolean')
    throw new BackendError(`traceNativeCalls: expected true or false, got ${typeof on}`);
  setTracing(addon(), on);
}

export type { TypedArray };
