/**
 * Buffers of the gpujs backend. float32 and bool live on the device as float32 (bool as 0/1,
 * exact); int32 lives on the host as an Int32Array, because float32 holds integers exactly only
 * below 2^24 and int32 arithmetic must wrap at 2^31 — the host copy is the "correct fallback"
 * that keeps every int32 result exact. A device buffer may also hold a staged host copy (after a
 * `write`), uploaded on first use.
 *
 * On WebGPU device data is a cell filled by a queued job (webgpu.ts), and an int32 result of a
 * host fallback that needed device values is filled by a job too (`ready`). So in that mode
 * nothing here mutates an array a queued job may still read: writes make new arrays.
 */
import { BackendError, BYTES } from '@flint/core/backend';
import type { BackendStats, DType, TypedArray } from '@flint/core/backend';
import { limitError, MAX_ELEMENTS } from './runtime.js';
import type { DevData, Runtime } from './runtime.js';
import { isCell } from './webgpu.js';
import type { Fuser } from './fuse.js';

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
  /** WebGPU: settles when a queued job has filled `host` (null once settled or never pending). */
  ready: Promise<void> | null;
  /** WebGPU: why the job that should have filled `host` failed. */
  error: BackendError | null;
}

/** Live allocations of the gpu.js backend, with its device data and compiled kernels. */
export interface GpujsStats extends BackendStats {
  /** Device data objects alive (WebGL textures, or typed arrays in webasm/cpu mode). */
  textures: number;
  /** Distinct kernels compiled so far (a training loop adds none after its first step). */
  compiles: number;
  /** WebGPU: queued jobs not yet run (0 on the synchronous modes, and after `await sync()`). */
  pendingJobs: number;
  /** WebGPU: freed buffers whose release waits behind queued work (counted in `textures`). */
  pendingFrees: number;
}

const HOST_ARRAY = { float32: Float32Array, int32: Int32Array, bool: Uint8Array } as const;

export class Store {
  private live = new Set<GBuf>();
  private bytes = 0;
  private nextId = 1;
  /**
   * Buffers of at most this many elements keep their host copy next to the device copy (after
   * an upload, or a synchronous read-back), so small host-side calls (dispatch.ts) need neither
   * transfer again; 0 keeps none, as before host execution.
   */
  keepHost = 0;
  /** Lazy element-wise fusion (fuse.ts), where enabled: its buffers materialise on first use. */
  fuser: Fuser | null = null;

  constructor(readonly rt: Runtime) {}

  get name(): string {
    return this.rt.name;
  }

  private make(dtype: DType, size: number, dev: DevData | null, host: TypedArray | null): GBuf {
    const b: GBuf = { id: this.nextId++, dtype, size, dev, host, ready: null, error: null };
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

  /** A buffer whose values a pending fused expression will compute (fuse.ts). */
  fromLazy(dtype: DType, size: number): GBuf {
    return this.make(dtype, size, null, null);
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
    // a pending fused expression still reading b keeps its data until it has run (fuse.ts)
    if (this.fuser?.onFree(b)) return;
    this.releaseData(b);
  };

  /** Releases a freed buffer's device data and host copy. */
  releaseData(b: GBuf): void {
    if (b.dev) this.rt.release(b.dev);
    b.dev = null;
    b.host = null;
  }

  /** The buffer's values as float32 device data, uploading a staged host copy if needed. */
  dev(b: GBuf): DevData {
    if (b.dev) return b.dev;
    if (this.fuser?.isLazy(b)) {
      this.fuser.materialize(b);
      return b.dev!;
    }
    if (b.ready) {
      // an int32 host result still being computed: convert it when its job has run
      const h = b.host!;
      const err = () => b.error;
      b.dev = this.rt.uploadLater(b.size, () => {
        const e = err();
        if (e) throw e;
        checkExactInt(this.name, h);
        return Float32Array.from(h);
      });
      return b.dev;
    }
    const h = b.host ?? new Float32Array(b.size);
    if (b.dtype === 'int32') checkExactInt(this.name, h);
    const f = h instanceof Float32Array ? h : Float32Array.from(h);
    b.dev = this.rt.upload(f);
    // int32 keeps its exact host copy; a large float/bool staging copy is no longer needed
    if (b.dtype !== 'int32' && b.size > this.keepHost) b.host = null;
    return b.dev;
  }

  /** The buffer's exact values on the host, in the dtype's natural array. */
  host(b: GBuf): TypedArray {
    if (this.rt.async && !this.hostReadable(b))
      throw new BackendError(
        `${this.name}: a host-side step needs values the WebGPU device is still computing, and ` +
          `WebGPU cannot wait for them synchronously; read them first with \`await t.data()\``,
      );
    if (b.host) return b.host;
    if (this.fuser?.isLazy(b)) this.fuser.materialize(b);
    const f = b.dev ? this.rt.download(b.dev, b.size) : new Float32Array(b.size);
    let out: TypedArray = f;
    if (b.dtype !== 'float32') {
      out = new HOST_ARRAY[b.dtype as 'bool'](b.size);
      // int32 device data (a kernel's exact float32 indices, e.g. maxPool2d's) converts as is
      if (b.dtype === 'int32') out.set(f);
      else for (let i = 0; i < f.length; i++) out[i] = f[i] !== 0 ? 1 : 0;
    }
    // device data never changes in place, so a small copy stays valid until the next write
    if (b.dev && b.size <= this.keepHost) b.host = out;
    return out;
  }

  /** Whether `host(b)` can answer now: no queued job will still change the values it returns. */
  hostReadable(b: GBuf): boolean {
    return b.ready === null && (b.host !== null || b.dev === null || !isCell(b.dev));
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
    // expressions reading b run on its old values; a lazy b runs too unless all of it is written
    this.fuser?.beforeWrite(b, at === undefined);
    if (this.rt.async && at !== undefined && !this.hostReadable(b))
      return writeLater(this, b, data, from);
    const next = at === undefined ? new HOST_ARRAY[b.dtype as 'float32'](b.size) : this.host(b);
    // WebGPU: a queued job may still read the old array, so a partial write copies it
    const target = this.rt.async && at !== undefined ? next.slice() : next;
    if (b.dtype === 'bool')
      for (let i = 0; i < data.length; i++) target[from + i] = data[i] !== 0 ? 1 : 0;
    else target.set(data, from);
    if (b.dev) this.rt.release(b.dev);
    b.dev = null;
    b.host = target;
    b.ready = null;
    b.error = null;
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

  /** WebGPU read: waits for the work queued before it, then copies back. */
  readAsync = async (b: GBuf, dtype: DType, size: number): Promise<TypedArray> => {
    this.rt.check('read');
    this.expectLive('read', b);
    if (dtype !== b.dtype || !Number.isSafeInteger(size) || size < 0 || size > b.size)
      throw new BackendError(
        `${this.name}.read: asked for ${String(size)} × ${String(dtype)} from a buffer of ` +
          `${b.size} × ${b.dtype}`,
      );
    const q = this.rt.queue!;
    try {
      return await this.readQueued(b, dtype, size);
    } catch (e) {
      // the failure this read reports is reported: it must not resurface at an unrelated read
      if (e === q.unreported) q.unreported = null;
      throw e;
    }
  };

  private async readQueued(b: GBuf, dtype: DType, size: number): Promise<TypedArray> {
    const q = this.rt.queue!;
    if (this.hostReadable(b)) {
      const h = this.host(b);
      await q.idle();
      await q.acquired;
      this.rt.check('read');
      q.throwUnreported();
      return h.slice(0, size);
    }
    if (b.ready) {
      const [h, ready] = [b.host!, b.ready];
      await ready;
      if (b.error) throw b.error;
      q.throwUnreported();
      return h.slice(0, size);
    }
    const f = await this.rt.readLater(b.dev!, size);
    q.throwUnreported();
    if (dtype === 'float32') return f;
    const out = new HOST_ARRAY[b.dtype as 'bool'](size);
    for (let i = 0; i < size; i++) out[i] = f[i] !== 0 ? 1 : 0;
    return out;
  }

  stats(): GpujsStats {
    const p = this.rt.pending;
    return {
      buffers: this.live.size,
      bytes: this.bytes,
      textures: this.rt.textures,
      compiles: this.rt.compiles,
      pendingJobs: p.jobs,
      pendingFrees: p.frees,
    };
  }

  dispose(): void {
    this.fuser?.dispose();
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

/**
 * WebGPU partial write into values a queued job still produces: a new buffer state whose values
 * are the old ones (once their job has run) with `data` spliced in, in program order.
 */
function writeLater(s: Store, b: GBuf, data: TypedArray, from: number): void {
  const copy = b.dtype === 'bool' ? Uint8Array.from(data, (v) => (v !== 0 ? 1 : 0)) : data.slice();
  if (b.dtype === 'int32') {
    const [old, ready] = [b.host!, b.ready!];
    const target = new Int32Array(b.size);
    b.host = target;
    // a device copy of the old values is stale now (queued readers keep their own reference)
    if (b.dev) s.rt.release(b.dev);
    b.dev = null;
    settleLater(
      b,
      ready.then(() => {
        target.set(old);
        target.set(copy, from);
      }),
    );
    return;
  }
  const old = b.dev!;
  b.dev = s.rt.uploadLater(b.size, async () => {
    const f = await s.rt.readNowInJob(old, b.size);
    f.set(copy, from);
    return f;
  });
  s.rt.release(old);
}

/** Marks `b.host` as filled by `p` (which never rejects); `ready` clears when the latest settles. */
export function settleLater(b: GBuf, p: Promise<void>): void {
  b.ready = p;
  void p.then(() => {
    if (b.ready === p) b.ready = null;
  });
}
