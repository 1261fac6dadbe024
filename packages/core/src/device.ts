/**
 * Devices and storage. A device is a registered backend instance; every tensor's data lives in a
 * `Storage` on exactly one device. Storages are reference counted because views, and tensors
 * saved for backward, share them: the buffer is freed when the last holder lets go.
 */
import type { Backend } from './backend/types.js';
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

export function setDefaultDevice(name: string): void {
  getBackend(name);
  defaultDevice = name;
}

export function getDefaultDevice(): string {
  if (defaultDevice === null)
    throw new DeviceError(
      'no backend registered: call fl.use(backend) first, e.g. fl.use(cpuBackend()) from @flint/backend-cpu',
    );
  return defaultDevice;
}

export function getBackend(name?: string): Backend {
  const dev = name ?? getDefaultDevice();
  const b = devices.get(dev);
  if (!b)
    throw new DeviceError(
      `unknown device '${dev}': registered devices are [${[...devices.keys()].join(', ')}]`,
    );
  return b;
}

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
function countsFor(device: string): DeviceCounts {
  let c = counts.get(device);
  if (!c) counts.set(device, (c = { tensors: 0, bytes: 0, buffers: 0 }));
  return c;
}

export class Storage {
  private refs = 1;
  constructor(
    readonly backend: Backend,
    readonly buf: unknown,
    readonly dtype: DType,
    readonly size: number,
  ) {
    const c = countsFor(backend.name);
    c.buffers++;
    c.bytes += size * BYTES[dtype];
  }
  get alive(): boolean {
    return this.refs > 0;
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
      this.backend.free(this.buf);
    }
  }
}

export function countTensor(device: string, delta: number): void {
  countsFor(device).tensors += delta;
}

export interface MemoryInfo {
  /** Live tensors (including views and tensors saved for backward). */
  tensors: number;
  /** Bytes held by live buffers. */
  bytes: number;
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
