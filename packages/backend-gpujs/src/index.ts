/**
 * `@flint/backend-gpujs`: Flint on gpu.js 2.24.1. In browsers its kernels run on WebGL2 (or
 * WebGPU when asked); in Node on gpu.js's own choice — headless-gl when that optional addon is
 * built, else WebAssembly, else its cpu mode. float32 and bool stay on the device between ops;
 * int32 lives on the host so integer results are exact (see storage.ts). Kernels are cached by
 * primitive and dtype, never by shape, so a training loop compiles nothing after its first step.
 */
import { GPU } from 'gpu.js';
import { BackendError } from '@flint/core/backend';
import type { Backend, Caps } from '@flint/core/backend';
import { Host } from './host.js';
import { overrideTable } from './kernels/overrides.js';
import { Device, kernelTable } from './kernels/table.js';
import { Runtime } from './runtime.js';
import type { GpujsMode } from './runtime.js';
import { Store } from './storage.js';
import type { GBuf, GpujsStats } from './storage.js';

export type { GBuf, GpujsStats, GpujsMode };
export { MAX_ELEMENTS } from './runtime.js';

/** Options of `gpujsBackend()`. */
export interface GpujsBackendOptions {
  /** Device name tensors report; defaults to `'gpujs'`. */
  name?: string;
  /**
   * gpu.js mode: `'auto'` (default: its own order — headlessgl, webgl2, webgl, webasm, cpu),
   * or one of them explicitly. `'webgpu'` only when asked for: its kernels complete
   * asynchronously, so `caps.syncRead` is false there and tensors are read with `await t.data()`.
   */
  mode?: GpujsMode;
}

/** The backend instance, with its gpu.js mode and statistics typed. */
export interface GpujsBackend extends Backend<GBuf> {
  /** The gpu.js kernel class that runs (`'webasm'`, `'webgl2'`, …), known after the first kernel. */
  readonly mode: string;
  stats(): GpujsStats;
  /**
   * Treats the WebGL context as lost, as the browser's `webglcontextlost` event does: every later
   * call throws a BackendError instead of returning gpu.js's silent zeros. For tests and for
   * callers that detect the loss themselves. On WebGPU it acts as a lost device (which the
   * backend also detects itself, through `GPUDevice.lost`).
   */
  loseContext(): void;
}

const MODES: readonly GpujsMode[] = [
  'auto',
  'webgl2',
  'webgl',
  'headlessgl',
  'webasm',
  'cpu',
  'webgpu',
];

/** Measured agreement with the float64 reference (see docs/backends/gpujs.md, Precision). */
const TOLERANCE = {
  float32: { rtol: 1e-5, atol: 1e-6 },
  int32: { rtol: 0, atol: 0 },
  bool: { rtol: 0, atol: 0 },
};

function capsFor(mode: string): Caps {
  return Object.freeze<Caps>({
    dtypes: ['float32', 'int32', 'bool'],
    strided: false,
    maxRank: 64,
    // WebGL2 and WebAssembly read back synchronously; WebGPU only through mapAsync
    syncRead: mode !== 'webgpu',
    tolerance: TOLERANCE,
    features: ['gpujs', mode],
  });
}

/**
 * Whether gpu.js has a compiled mode here: WebGL2/WebGL (browsers), headless-gl or WebAssembly
 * (Node). Its plain-JS cpu mode works everywhere regardless, for debugging.
 */
export function gpujsAvailable(): boolean {
  try {
    return Boolean(
      GPU.isWebGL2Supported ||
      GPU.isWebGLSupported ||
      GPU.isHeadlessGLSupported ||
      GPU.isWebAssemblySupported,
    );
  } catch {
    return false;
  }
}

/**
 * Which kernel class gpu.js picks for `mode` here, probed with a one-element kernel. On WebGPU
 * the mode is known and a probe could only answer asynchronously: a missing adapter surfaces as
 * a BackendError at the first read or `sync()`.
 */
function probe(rt: Runtime): string {
  if (rt.async) return rt.mode;
  rt.release(rt.upload(new Float32Array(1)));
  return rt.mode;
}

/**
 * Creates a gpu.js backend instance. Register it with core to make `'gpujs'` a device.
 *
 * @example
 * ```ts
 * import * as fl from '@flint/core';
 * import { gpujsBackend } from '@flint/backend-gpujs';
 * fl.use(gpujsBackend());
 * fl.tensor([1, 2, 3]).exp().toArray(); // [2.718…, 7.389…, 20.08…]
 * ```
 */
export function gpujsBackend(options: GpujsBackendOptions = {}): GpujsBackend {
  if (typeof options !== 'object' || options === null)
    throw new BackendError(`gpujsBackend: options must be an object, got ${describe(options)}`);
  const name = options.name ?? 'gpujs';
  if (typeof name !== 'string' || name.length === 0 || name.length > 64)
    throw new BackendError(
      `gpujsBackend: name must be a non-empty string of at most 64 characters, got ${describe(name)}`,
    );
  const mode = options.mode ?? 'auto';
  if (!MODES.includes(mode))
    throw new BackendError(
      `gpujsBackend: mode must be one of ${MODES.join(', ')}, got ${describe(mode)}`,
    );
  const rt = new Runtime(name, mode);
  const s = new Store(rt);
  const host = new Host(s);
  const dev = new Device(s, host);
  const running = probe(rt);
  const caps = capsFor(running);
  const guarded = <F>(op: string, f: F): F => guard(s, op, f);
  const overrides = overrideTable(dev);
  return {
    name,
    mode: running,
    caps,
    alloc: s.alloc,
    free: s.free,
    write: s.write,
    read: rt.async ? s.readAsync : async (b, dtype, size) => s.read(b, dtype, size),
    readSync: rt.async ? noSyncRead(name) : s.read,
    kernels: guardAll(s, kernelTable(dev)),
    overrides: Object.fromEntries(
      Object.entries(overrides).map(([k, f]) => [k, guarded(k, f)]),
    ) as typeof overrides,
    sync: async () => {
      rt.check('sync');
      if (!rt.queue) return;
      await rt.queue.idle();
      rt.check('sync');
      rt.queue.throwUnreported();
    },
    stats: () => s.stats(),
    loseContext: () => rt.markLost(),
    dispose: () => {
      host.dispose();
      s.dispose();
    },
  };
}

/** WebGPU's readSync: there is no synchronous read-back to offer. */
function noSyncRead(name: string) {
  return (): never => {
    throw new BackendError(
      `${name}.readSync: this device runs on WebGPU, which has no synchronous read-back ` +
        `(caps.syncRead is false); use \`await t.data()\` (or another awaited read)`,
    );
  };
}

/** A bounded description of a caller's value for an error message. */
function describe(v: unknown): string {
  return typeof v === 'string' ? `'${v.slice(0, 40)}'` : typeof v;
}

/** Refuses dead input buffers and use after dispose before a kernel runs. */
function guard<F>(s: Store, op: string, fn: F): F {
  const f = fn as (...args: unknown[]) => unknown;
  return ((...args: unknown[]) => {
    s.rt.check(op);
    for (const a of args)
      if (typeof a === 'object' && a !== null && 'buf' in a) s.expectLive(op, a.buf as GBuf);
    return f(...args);
  }) as F;
}

function guardAll<T extends object>(s: Store, table: T): T {
  return Object.freeze(
    Object.fromEntries(Object.entries(table).map(([k, f]) => [k, guard(s, k, f)])),
  ) as T;
}
