/**
 * Buffers of the gpujs backend. float32 and bool live on the device as float32 (bool as 0/1,
 * exact); int32 lives on the host as an Int32Array, because float32 holds integers exactly only
 * below 2^24 and int32 arithmetic must wrap at 2^31 — the host copy is the "correct fallback"
 * that keeps every int32 result exact. A device buffer may also hold a staged host copy (after a
 * `write`), uploaded on first use.
 */
import { BackendError, BYTES } from '@flint/core/backend';
import type { BackendStats, DType, TypedArray } from '@flint/core/backend';
import { limitError, MAX_ELEMENTS } from './runtime.js';
import type { DevData, Runtime } from './runtime.js';

/** A gpu.js backend buffer: device data (float32 textures or arrays) and/or exact host values. */
export interface GBuf {
  /** Unique id of the buffer, for bookkeeping. */
  readonly id: number;
  /** Element type the buffer holds. */
  readonly dtype: DType;
  /** Number of elements. */
  readonly size: number;
  /** float32 values on the device (float32 and bool buffers). */
  dev: DevData | null;
  /** Exact host values: always for int32; a staged write (or nothing yet) otherwise. */
  host: TypedArray | null;
}

/** Live allocations of the gpu.js backend, with its device data and compiled kernels. */
export interface GpujsStats extends BackendStats {
  /** Device data objects alive (WebGL textures, or typed arrays in webasm/cpu mode). */
  textures: number;
  /** Distinct kernels compiled so far (a training loop adds none after its first step). */
  compiles: number;
}

const HOST_ARRAY = { float32: Float32Array, int32: Int32Array, bool: Uint8Array } as const;

export class Store {
  private live = new Set<GBuf>();
  private bytes = 0;
  private nextId = 1;

  constructor(readonly rt: Runtime) {}

  get name(): string {
    return this.rt.name;
  }

  private make(dtype: DType, size: number, dev: DevData | null, host: TypedArray | null): GBuf {
    const b: GBuf = { id: this.nextId++, dtype, size, dev, host };
    this.live.add(b);
    this.bytes += size * BYTES[dtype];
    return b;
  }

  alloc = (dtype: DType, size: number): GBuf => {
    this.rt.check('alloc');
    if (!(dtype in HOST_ARRAY))
      throw new BackendError(
        `${this.name}.alloc: dtype ${String(dtype)} is not stored by this backend ` +
          `(float32, int32 and bool are)`,
      );
    if (!Number.isSafeInteger(size) || size < 0)
      throw new BackendError(
        `${this.name}.alloc: size must be a non-negative integer, got ${String(size)}`,
      );
    if (size > MAX_ELEMENTS) throw limitError(this.name, 'alloc', size);
    return this.make(dtype, size, null, dtype === 'int32' ? new Int32Array(size) : null);
  };

  /** Wraps a kernel result in a new buffer. */
  fromDev(dtype: DType, size: number, dev: DevData): GBuf {
    return this.make(dtype, size, dev, null);
  }

  /** Wraps exact host values (int32 stays on the host; others are uploaded on first use). */
  fromHost(dtype: DType, data: TypedArray): GBuf {
    return this.make(dtype, data.length, null, data);
  }

  expectLive(op: string, b: GBuf): void {
    if (typeof b !== 'object' || b === null || !this.live.has(b))
      throw new BackendError(`${this.name}.${op}: the buffer is not live on this backend (freed?)`);
  }

  free = (b: GBuf): void => {
    this.rt.check('free');
    this.expectLive('free', b);
    this.live.delete(b);
    this.bytes -= b.size * BYTES[b.dtype];
    if (b.dev) this.rt.release(b.dev);
    b.dev = null;
    b.host = null;
  };

  /** The buffer's values as float32 device data, uploading a staged host copy if needed. */
  dev(b: GBuf): DevData {
    if (b.dev) return b.dev;
    const h = b.host ?? new Float32Array(b.size);
    if (b.dtype === 'int32') checkExactInt(this.name, h);
    const f = h instanceof Float32Array ? h : Float32Array.from(h);
    b.dev = this.rt.upload(f);
    // int32 keeps its exact host copy; a float/bool staging copy is no longer needed
    if (b.dtype !== 'int32') b.host = null;
    return b.dev;
  }

  /** The buffer's exact values on the host, in the dtype's natural array. */
  host(b: GBuf): TypedArray {
    if (b.host) return b.host;
    const f = b.dev ? this.rt.download(b.dev, b.size) : new Float32Array(b.size);
    if (b.dtype === 'float32') return f;
    const out = new HOST_ARRAY[b.dtype as 'bool'](b.size);
    for (let i = 0; i < f.length; i++) out[i] = f[i] !== 0 ? 1 : 0;
    return out;
  }

  write = (b: GBuf, data: TypedArray, at?: number): void => {
    this.rt.check('write');
    this.expectLive('write', b);
    if (at === undefined && data.length !== b.size)
      throw new BackendError(
        `${this.name}.write: data has ${data.length} elements but the buffer holds ${b.size}`,
      );
    const from = at ?? 0;
    if (!Number.isSafeInteger(from) || from < 0 || from + data.length > b.size)
      throw new BackendError(
        `${this.name}.write: writing ${data.length} elements at element ${String(from)} ` +
          `overruns a buffer of ${b.size}`,
      );
    const next = at === undefined ? new HOST_ARRAY[b.dtype as 'float32'](b.size) : this.host(b);
    const target = next;
    if (b.dtype === 'bool')
      for (let i = 0; i < data.length; i++) target[from + i] = data[i] !== 0 ? 1 : 0;
    else target.set(data, from);
    if (b.dev) this.rt.release(b.dev);
    b.dev = null;
    b.host = target;
  };

  read = (b: GBuf, dtype: DType, size: number): TypedArray => {
    this.rt.check('read');
    this.expectLive('read', b);
    if (dtype !== b.dtype || !Number.isSafeInteger(size) || size < 0 || size > b.size)
      throw new BackendError(
        `${this.name}.read: asked for ${String(size)} × ${String(dtype)} from a buffer of ` +
          `${b.size} × ${b.dtype}`,
      );
    const h = this.host(b);
    return h.length === size && h !== b.host ? h : h.slice(0, size);
  };

  stats(): GpujsStats {
    return {
      buffers: this.live.size,
      bytes: this.bytes,
      textures: this.rt.textures,
      compiles: this.rt.compiles,
    };
  }

  dispose(): void {
    this.live.clear();
    this.bytes = 0;
    this.rt.dispose();
  }
}

/** int32 goes to the device only as indices/targets; refuse values float32 cannot hold exactly. */
function checkExactInt(name: string, h: TypedArray): void {
  for (let i = 0; i < h.length; i++)
    if (Math.abs(h[i]!) > MAX_ELEMENTS)
      throw new BackendError(
        `${name}: int32 value ${h[i]} at element ${i} cannot be used on the device: float32 ` +
          `kernels hold integers exactly only within ±2^24 = ±${MAX_ELEMENTS}`,
      );
}
