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
import { DEFAULT_HOST_THRESHOLD, hostFirst, hostFirstOverrides } from './dispatch.js';
import { DEFAULT_SHARED_KERNEL_MAX } from './kernels/family.js';
import { Host } from './host.js';
import { overrideTable } from './kernels/overrides.js';
import { Device, kernelTable } from './kernels/table.js';
import { Fuser, fuseFirst } from './fuse.js';
import { Runtime } from './runtime.js';
import type { GpujsMode } from './runtime.js';
import { Store } from './storage.js';
import type { GBuf, GpujsStats } from './storage.js';

export type { GBuf, GpujsStats, GpujsMode };
export { MAX_ELEMENTS } from './runtime.js';
export { DEFAULT_HOST_THRESHOLD } from './dispatch.js';
export { DEFAULT_SHARED_KERNEL_MAX } from './kernels/family.js';

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
  /**
   * Largest tensor, in elements, that runs on the host instead of the device when all of a
   * call's inputs are already there (as tfjs-webgl forwards tiny tensors to the CPU: a kernel
   * launch costs far more than a few additions). Default `DEFAULT_HOST_THRESHOLD` (1024); 0
   * runs every float32/bool primitive on the device. Results are the same within `caps.tolerance`.
   */
  hostThreshold?: number;
  /**
   * Largest output, in elements, that the cheap element-wise ops compute in the one kernel they
   * share (`kernels/family.ts`: fewer kernels to compile in a first training step); larger outputs
   * run on each op's own kernel, where the per-element branch on the op would cost more than the
   * compile saves (measured 1.6–1.8× slower on 1M-element ops). Default
   * `DEFAULT_SHARED_KERNEL_MAX` (65536); 0 gives every op its own kernel.
   */
  sharedKernelMax?: number;
  /**
   * Fuse chains of element-wise primitives into one kernel each (`fuse.ts`): an element-wise
   * result larger than `sharedKernelMax` is computed only when something needs it, by one
   * kernel for the whole expression (smaller ones use the shared kernel, which compiles less).
   * Default true; ignored on WebGPU, whose kernels already run batched behind a queue.
   */
  fuse?: boolean;
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

/** An element-count option: a non-negative integer, or its default when left out. */
function elementCount(option: string, value: unknown, fallback: number): number {
  const v = value === undefined ? fallback : value;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    throw new BackendError(
      `gpujsBackend: ${option} must be a non-negative integer (elements), got ` +
        `${typeof v === 'number' ? String(v) : describe(v)}`,
    );
  return v;
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

const FLUSHING_MODES = new Set(['webgl2', 'webgl', 'headlessgl', 'webgpu']);

function capsFor(mode: string): Caps {
  return Object.freeze<Caps>({
    dtypes: ['float32', 'int32', 'bool'],
    // every kernel reads a strided input through Device.flat (a copy only where its layout
    // needs one), and binary kernels read broadcast operands in place (kernels/broadcast.ts)
    strided: true,
    maxRank: 64,
    // WebGL2 and WebAssembly read back synchronously; WebGPU only through mapAsync
    syncRead: mode !== 'webgpu',
    // GLSL ES 3.0 and WGSL let shaders flush subnormals (SwiftShader does); WebAssembly and the
    // cpu mode compute in IEEE float32/float64 and keep them
    flushesSubnormals: FLUSHING_MODES.has(mode),
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
  const hostMax = elementCount('hostThreshold', options.hostThreshold, DEFAULT_HOST_THRESHOLD);
  const sharedMax = elementCount(
    'sharedKernelMax',
    options.sharedKernelMax,
    DEFAULT_SHARED_KERNEL_MAX,
  );
  const fuse = options.fuse ?? true;
  if (typeof fuse !== 'boolean')
    throw new BackendError(`gpujsBackend: fuse must be a boolean, got ${describe(fuse)}`);
  const rt = new Runtime(name, mode);
  const s = new Store(rt);
  s.keepHost = hostMax;
  const host = new Host(s);
  const dev = new Device(s, host, sharedMax);
  const running = probe(rt);
  if (fuse && !rt.async) s.fuser = new Fuser(s, sharedMax);
  const table = s.fuser ? fuseFirst(s.fuser, kernelTable(dev)) : kernelTable(dev);
  const caps = capsFor(running);
  const guarded = <F>(op: string, f: F): F => guard(s, op, f);
  const overrides = hostFirstOverrides(host, overrideTable(dev), hostMax);
  return {
    name,
    mode: running,
    caps,
    alloc: s.alloc,
    free: s.free,
    write: s.write,
    read: rt.async ? s.readAsync : async (b, dtype, size) => s.read(b, dtype, size),
    readSync: rt.async ? noSyncRead(name) : s.read,
    kernels: guardAll(s, hostFirst(host, table, hostMax)),
    overrides: Object.fromEntries(
      Object.entries(overrides).map(([k, f]) => [k, guarded(k, f)]),
    ) as typeof overrides,
    sync: async () => {
      rt.check('sync');
      if (!rt.queue) return;
      await rt.queue.idle();
      await rt.queue.acquired;
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
