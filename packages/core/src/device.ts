/**
 * Devices and storage. A device is a registered backend instance; every tensor's data lives in a
 * `Storage` on exactly one device. Storages are reference counted because views, and tensors
 * saved for backward, share them: the buffer is freed when the last holder lets go.
 */
import type { Backend } from './backend/types.js';
import type { Node } from './autograd/node.js';
import { BYTES, type DType } from './dtype.js';
import { BackendError, DeviceError } from './errors.js';

const devices = new Map<string, Backend>();
let defaultDevice: string | null = null;

/** Register a backend and make it the default device. Returns its device name. */
export function use<B>(backend: Backend<B>): string {
  const existing = devices.get(backend.name);
  if (existing && existing !== backend)
    throw new DeviceError(
      `use: a different backend is already registered as device '${backend.name}'`,
    );
  devices.set(backend.name, backend as Backend);
  defaultDevice = backend.name;
  return backend.name;
}

/** Register a backend without changing the default device. */
export function register<B>(backend: Backend<B>): string {
  const prev = defaultDevice;
  use(backend);
  defaultDevice = prev ?? backend.name;
  return backend.name;
}

/** Make the registered device `name` the default for new tensors (DeviceError if unknown). */
export function setDefaultDevice(name: string): void {
  getBackend(name);
  defaultDevice = name;
}

/**
 * The default device of new tensors; DeviceError before any backend is registered with `fl.use`.
 */
export function getDefaultDevice(): string {
  if (defaultDevice === null)
    throw new DeviceError(
      'no backend registered: call fl.use(backend) first, e.g. fl.use(cpuBackend()) from @flint/backend-cpu',
    );
  return defaultDevice;
}

/** The backend registered as `name` (the default device when omitted); DeviceError if unknown. */
export function getBackend(name?: string): Backend {
  const dev = name ?? getDefaultDevice();
  const b = devices.get(dev);
  if (!b)
    throw new DeviceError(
      `unknown device '${dev}': registered devices are [${[...devices.keys()].join(', ')}]`,
    );
  return b;
}

/** Names of the registered devices, in registration order. */
export function listDevices(): string[] {
  return [...devices.keys()];
}

/** Dispose a backend's resources and unregister it. */
export function removeBackend(name: string): void {
  const b = devices.get(name);
  if (!b) return;
  devices.delete(name);
  if (defaultDevice === name) defaultDevice = devices.size > 0 ? [...devices.keys()][0]! : null;
  b.dispose();
}

interface DeviceCounts {
  tensors: number;
  bytes: number;
  buffers: number;
}
const counts = new Map<string, DeviceCounts>();
// The last device counted: nearly every call in a program names the same one, and this runs
// several times per op (entries are never removed, so the cached one stays current).
let lastDevice: string | undefined;
let lastCounts: DeviceCounts | undefined;
function countsFor(device: string): DeviceCounts {
  if (device === lastDevice) return lastCounts!;
  let c = counts.get(device);
  if (!c) counts.set(device, (c = { tensors: 0, bytes: 0, buffers: 0 }));
  lastDevice = device;
  lastCounts = c;
  return c;
}

let nextSerial = 0;
/** The serial the next storage will get: storages made after this call have one at least as high. */
export function nextStorageSerial(): number {
  return nextSerial;
}

/**
 * A buffer and its reference count. Views share one Storage; an in-place write swaps a new
 * buffer in (kernels never write into their inputs), so every tensor on the storage sees it.
 */
export class Storage {
  private refs = 1;
  /** Increases with every storage made: tells a storage made during an op from older ones. */
  readonly serial = nextSerial++;
  /** Count of in-place writes: autograd compares it with the version a saved tensor had. */
  version = 0;
  /**
   * @internal The autograd graph of the whole buffer after an in-place write recorded under
   * autograd (see ops/inplace.ts); `epoch` counts those writes, and a tensor whose own epoch
   * differs takes its gradFn anew from this graph.
   */
  graph: StorageGraph | null = null;
  /** @internal How many writes recorded by autograd changed `graph`. */
  epoch = 0;
  /** @internal Some tensor on this storage is or was tracked by autograd. */
  tracked = false;
  /** @internal The in-place op that last wrote, for error messages. */
  lastWrite = '';
  private _buf: unknown;
  constructor(
    readonly backend: Backend,
    buf: unknown,
    readonly dtype: DType,
    readonly size: number,
  ) {
    this._buf = buf;
    const c = countsFor(backend.name);
    c.buffers++;
    c.bytes += size * BYTES[dtype];
  }
  /** The backend's buffer; an in-place write swaps in a new one (see swapBuffers). */
  get buf(): unknown {
    return this._buf;
  }
  get alive(): boolean {
    return this.refs > 0;
  }
  /** Holders of this storage (tensors, views, saved tensors). */
  get refCount(): number {
    return this.refs;
  }
  retain(): this {
    if (this.refs <= 0) throw new BackendError('internal: retain of a freed storage');
    this.refs++;
    return this;
  }
  release(): void {
    if (this.refs <= 0) return;
    if (--this.refs === 0) {
      const c = countsFor(this.backend.name);
      c.buffers--;
      c.bytes -= this.size * BYTES[this.dtype];
      this.backend.free(this._buf);
      const g = this.graph;
      this.graph = null;
      g?.node.decRef();
    }
  }
  /**
   * @internal Exchange buffers with `other` (same backend, dtype and size): the in-place write's
   * new buffer comes in, the old one goes out with `other` when its holder releases it, so the
   * byte counts never change.
   */
  swapBuffers(other: Storage): void {
    if (other.backend !== this.backend || other.dtype !== this.dtype || other.size !== this.size)
      throw new BackendError('internal: swapBuffers of storages that differ');
    const b = this._buf;
    this._buf = other._buf;
    other._buf = b;
    this.version++;
  }
}

/** The graph of a storage's whole content: `node`'s output, of `shape` (row-major). */
export interface StorageGraph {
  /** The node whose output is the content. */
  readonly node: Node;
  /** The output's shape (its row-major positions are the storage's). */
  readonly shape: readonly number[];
}

export function countTensor(device: string, delta: number): void {
  countsFor(device).tensors += delta;
}

/** What `fl.memory()` returns. */
export interface MemoryInfo {
  /** Live tensors (including views and tensors saved for backward). */
  tensors: number;
  /** Bytes held by live buffers. */
  bytes: number;
  /** The same counts per device name. */
  perDevice: Record<string, DeviceCounts>;
}

/** Live tensors and bytes, in total and per device. */
export function memory(): MemoryInfo {
  const perDevice: Record<string, DeviceCounts> = {};
  let tensors = 0;
  let bytes = 0;
  for (const [d, c] of counts) {
    perDevice[d] = { ...c };
    tensors += c.tensors;
    bytes += c.bytes;
  }
  return { tensors, bytes, perDevice };
}
