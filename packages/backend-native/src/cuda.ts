/**
 * The `'cuda'` device of the native addon: the same op table and kernel wrappers as `'native'`,
 * on a context whose buffers are device memory (a caching allocator, native/cuda/allocator.h)
 * and whose calls run CUDA kernels on one stream. `read()` waits for the stream on a libuv
 * worker thread, so awaiting it never blocks the event loop; `readSync()` synchronises.
 *
 * The emulation build (native/cuda/emu: the kernels compiled as C++ over a host emulator of the
 * CUDA execution model) is for tests only: it is used when the loaded addon is that build AND
 * the caller passes `{ emulate: true }`, and its caps then carry the feature `'cuda-emulated'`.
 */
import { BackendError, ShapeError } from '@flint/core/backend';
import type { Backend, Caps, Overrides, TypedArray } from '@flint/core/backend';
import { addon, nativeAvailable } from './binding.js';
import type { Addon, ContextHandle, Handle } from './binding.js';
import { nativeBackend } from './index.js';
import { OVERRIDE_NAMES } from './ops.js';

/** What `cudaAvailable()` reports. */
export type CudaAvailability =
  | {
      /** A GPU is usable. */
      ok: true;
      /** Device 0's name, e.g. `'NVIDIA H100 80GB HBM3'`. */
      name: string;
      /** Device 0's memory in bytes. */
      memory: number;
      /** Compute capability, e.g. `'9.0'`. */
      cc: string;
    }
  | {
      /** No GPU is usable. */
      ok: false;
      /** Why not: the addon did not load, was built without nvcc, or the CUDA error. */
      reason: string;
    };

/** Options of `cudaBackend()`. */
export interface CudaBackendOptions {
  /** Device name tensors report; defaults to `'cuda'`. Lets tests register two instances. */
  name?: string;
  /**
   * @internal Tests only: run on the CUDA emulator. Needs the emulation build of the addon
   * (`node scripts/build-addon.mjs --cuda-emulate`, loaded through FLINT_NATIVE_ADDON).
   */
  emulate?: boolean;
  /** @internal Development only: create the device even if some kernels are missing. */
  allowIncomplete?: boolean;
}

/** The caching allocator's counters (`cudaMemoryStats(backend)`). */
export interface CudaMemoryStats {
  /** Live buffers (as `backend.stats()`). */
  buffers: number;
  /** Bytes the live buffers asked for (as `backend.stats()`). */
  bytes: number;
  /** Device bytes of live blocks (rounded to their size class). */
  liveBytes: number;
  /** Device bytes of freed blocks kept for reuse; `backend.dispose()` returns them. */
  cachedBytes: number;
  /** Allocations the device made (`cudaMalloc`). */
  mallocs: number;
  /** Requests served from the cache. */
  hits: number;
  /** Times the cache was emptied to retry an allocation that found the device full. */
  cacheFlushes: number;
}

interface RawCudaInfo {
  built: 'cuda' | 'emulated' | 'none';
  ok: boolean;
  reason?: string;
  name?: string;
  memory?: number;
  cc?: string;
  missing: string[];
}

interface CudaAddon extends Addon {
  cudaInfo(): RawCudaInfo;
  createCudaContext(): ContextHandle;
  cudaStats(ctx: ContextHandle): CudaMemoryStats;
  cudaSync(ctx: ContextHandle): void;
  readAsync(ctx: ContextHandle, buf: Handle, size: number): Promise<TypedArray>;
}

const EMULATION =
  'the loaded addon is the CUDA emulation build (build-cudaemu): it runs kernels on the host ' +
  'for tests and has no GPU';

function cudaAddon(): CudaAddon {
  const a = addon() as CudaAddon;
  if (typeof a.cudaInfo !== 'function')
    throw new BackendError(
      '@flint/backend-native: the loaded addon predates the cuda device; rebuild it: pnpm --filter @flint/backend-native build',
    );
  return a;
}

/**
 * Whether the `'cuda'` device can be used here, and if not, why. Never throws.
 *
 * @example
 * ```ts
 * import { cudaAvailable } from '@flint/backend-native';
 * const c = cudaAvailable();
 * console.log(c.ok ? `${c.name}, ${c.memory} bytes` : `no GPU: ${c.reason}`);
 * ```
 */
export function cudaAvailable(): CudaAvailability {
  const loaded = nativeAvailable();
  if (!loaded.ok) return { ok: false, reason: loaded.reason };
  let info: RawCudaInfo;
  try {
    info = cudaAddon().cudaInfo();
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
  if (info.built === 'emulated') return { ok: false, reason: EMULATION };
  if (!info.ok) return { ok: false, reason: info.reason ?? 'unknown' };
  return { ok: true, name: info.name!, memory: info.memory!, cc: info.cc! };
}

const OPTION_KEYS = new Set(['name', 'emulate', 'allowIncomplete']);

function checkOptions(o: CudaBackendOptions): void {
  if (typeof o !== 'object' || o === null)
    throw new BackendError(
      `cudaBackend: options must be an object, got ${o === null ? 'null' : typeof o}`,
    );
  for (const k of Object.keys(o))
    if (!OPTION_KEYS.has(k))
      throw new BackendError(
        `cudaBackend: unknown option '${k.slice(0, 40)}' (valid: name, emulate)`,
      );
  if (o.name !== undefined && (typeof o.name !== 'string' || o.name.length === 0))
    throw new BackendError('cudaBackend: name must be a non-empty string');
  for (const k of ['emulate', 'allowIncomplete'] as const)
    if (o[k] !== undefined && typeof o[k] !== 'boolean')
      throw new BackendError(`cudaBackend: ${k} must be a boolean, got ${typeof o[k]}`);
}

/** Refuses, naming the cause, unless the loaded addon offers the device that was asked for. */
function checkDevice(info: RawCudaInfo, o: CudaBackendOptions): void {
  if (o.emulate) {
    if (info.built !== 'emulated')
      throw new BackendError(
        'cudaBackend({ emulate: true }): the loaded addon is not the CUDA emulation build; build ' +
          'it with `node scripts/build-addon.mjs --cuda-emulate` and set FLINT_NATIVE_ADDON to ' +
          'build-cudaemu/Release/flint_native.node',
      );
  } else if (info.built === 'emulated') {
    throw new BackendError(`cudaBackend: ${EMULATION} (tests opt in with { emulate: true })`);
  } else if (!info.ok) {
    throw new BackendError(`cudaBackend: no usable CUDA device: ${info.reason ?? 'unknown'}`);
  }
  const prims = info.missing.filter((n) => !OVERRIDE_NAMES.includes(n as never));
  if (prims.length > 0 && !o.allowIncomplete)
    throw new BackendError(
      `cudaBackend: this build of the addon has no cuda kernel for ${prims.slice(0, 12).join(', ')}` +
        `${prims.length > 12 ? ` and ${prims.length - 12} more` : ''}; rebuild it`,
    );
}

function cudaCaps(base: Caps, info: RawCudaInfo, emulate: boolean): Caps {
  return Object.freeze<Caps>({
    ...base,
    // As the native CPU device's until the kernels are measured on a GPU (docs/backends/cuda.md).
    tolerance: base.tolerance,
    features: ['cuda', emulate ? 'cuda-emulated' : `cuda:sm_${(info.cc ?? '').replace('.', '')}`],
  });
}

const stats = new WeakMap<object, () => CudaMemoryStats>();

/**
 * The caching allocator's counters of a backend made by `cudaBackend()`.
 */
export function cudaMemoryStats(backend: Backend<Handle>): CudaMemoryStats {
  const f = stats.get(backend);
  if (!f) throw new BackendError('cudaMemoryStats: expected a backend made by cudaBackend()');
  return f();
}

/**
 * Creates a `'cuda'` backend instance on GPU 0. Throws a BackendError naming the cause (no
 * driver, no device, CUDA error 35/100, an addon built without nvcc) when there is none.
 *
 * @example
 * ```ts
 * import * as fl from '@flint/core';
 * import { cudaAvailable, cudaBackend } from '@flint/backend-native';
 * if (cudaAvailable().ok) {
 *   fl.use(cudaBackend());
 *   console.log(fl.tensor([1, 2, 3]).exp().toArray()); // [2.718…, 7.389…, 20.08…]
 * }
 * ```
 */
export function cudaBackend(options: CudaBackendOptions = {}): Backend<Handle> {
  checkOptions(options);
  const a = cudaAddon();
  const info = a.cudaInfo();
  checkDevice(info, options);
  const emulate = options.emulate === true;
  let ctx: ContextHandle | undefined;
  const base = nativeBackend({
    name: options.name ?? 'cuda',
    allowIncomplete: true, // the CPU table's completeness is not this device's
    context: () => (ctx = typed(() => a.createCudaContext())),
  });
  const c = ctx!;
  let disposed = false;
  const live = (op: string) => {
    if (disposed) throw new BackendError(`${base.name}.${op}: the backend was disposed`);
  };
  const backend: Backend<Handle> = {
    ...base,
    caps: cudaCaps(base.caps, info, emulate),
    overrides: offered(base.overrides, info.missing),
    read: async (buf, _dtype, size) => {
      try {
        return await a.readAsync(c, buf, size);
      } catch (e) {
        throw flintError(e);
      }
    },
    // As the native device's, but a device-side assert keeps its type (see flintError).
    readSync: (buf, _dtype, size) => typed(() => a.read(c, buf, size)),
    sync: async () => {
      live('sync');
      typed(() => a.cudaSync(c));
    },
    dispose: () => {
      disposed = true;
      base.dispose();
    },
  };
  stats.set(backend, () => typed(() => a.cudaStats(c)));
  return backend;
}

/** The overrides whose cuda kernel exists: a missing one is left to core's composite. */
function offered(
  all: Overrides<Handle> | undefined,
  missing: readonly string[],
): Overrides<Handle> {
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(all ?? {})) if (!missing.includes(k)) out[k] = f;
  return out as Overrides<Handle>;
}

/**
 * The addon throws plain Errors; callers get typed ones. A device-side assert (a kernel found an
 * index or target out of range and the next read or sync reports it: native/cuda/device_error.h)
 * is the ShapeError that core's own range checks throw; anything else is a BackendError.
 */
function flintError(e: unknown): Error {
  if (e instanceof BackendError || e instanceof ShapeError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'FLINT_DEVICE_ASSERT' ? new ShapeError(message) : new BackendError(message);
}

function typed<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw flintError(e);
  }
}
