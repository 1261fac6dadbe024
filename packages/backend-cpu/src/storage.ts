/**
 * Buffer bookkeeping for one CPU backend instance: the live set behind `stats()` and the
 * use-after-free checks, plus a bounded pool of freed buffers for reuse.
 */
import { BackendError, BYTES, typedArrayFor } from '@flint/core/backend';
import type { DType, TypedArray } from '@flint/core/backend';
import type { Alloc, Release } from './types.js';

export const ARRAY_DTYPE = new Map<unknown, DType>([
  [Float32Array, 'float32'],
  [Float64Array, 'float64'],
  [Int32Array, 'int32'],
  [Uint8Array, 'bool'],
]);

// Below this a fresh typed array is about as cheap as a pool lookup.
const MIN_POOLED_BYTES = 256;
// Charged per pooled buffer on top of its data, so many tiny buffers cannot exceed the cap.
const OVERHEAD_BYTES = 128;

/**
 * Freed buffers by dtype and length. A training loop allocates the same shapes every step, so
 * most allocations become a lookup instead of a new zeroed array and later garbage collection.
 */
class Pool {
  private bins = new Map<DType, Map<number, TypedArray[]>>();
  private bytes = 0;

  constructor(private readonly capacity: number) {}

  take(dtype: DType, size: number): TypedArray | undefined {
    const buf = this.bins.get(dtype)?.get(size)?.pop();
    if (buf !== undefined) this.bytes -= buf.byteLength + OVERHEAD_BYTES;
    return buf;
  }

  put(buf: TypedArray): void {
    const cost = buf.byteLength + OVERHEAD_BYTES;
    if (buf.byteLength < MIN_POOLED_BYTES || this.bytes + cost > this.capacity) return;
    const dtype = ARRAY_DTYPE.get(buf.constructor)!;
    let bySize = this.bins.get(dtype);
    if (bySize === undefined) this.bins.set(dtype, (bySize = new Map()));
    const bin = bySize.get(buf.length);
    if (bin === undefined) bySize.set(buf.length, [buf]);
    else bin.push(buf);
    this.bytes += cost;
  }

  clear(): void {
    this.bins.clear();
    this.bytes = 0;
  }
}

/** Live buffers of one backend instance; every kernel output is allocated through `alloc`. */
export class Storage {
  private live = new Set<TypedArray>();
  private bytes = 0;
  private disposed = false;
  private pool: Pool;

  constructor(
    private readonly name: string,
    poolBytes: number,
  ) {
    this.pool = new Pool(poolBytes);
  }

  check(op: string): void {
    if (this.disposed) throw new BackendError(`${this.name}.${op}: the backend was disposed`);
  }

  /** A buffer of `size` elements; contents unspecified (pooled buffers hold stale data). */
  alloc: Alloc = (dtype, size) => {
    this.check('alloc');
    if (!Number.isInteger(size) || size < 0)
      throw new BackendError(
        `${this.name}.alloc: size must be a non-negative integer, got ${size}`,
      );
    const bytes = size * BYTES[dtype];
    const pooled = bytes >= MIN_POOLED_BYTES ? this.pool.take(dtype, size) : undefined;
    const buf = pooled ?? typedArrayFor(dtype, size);
    this.live.add(buf);
    this.bytes += bytes;
    return buf;
  };

  release: Release = (buf) => {
    this.check('free');
    if (!this.live.delete(buf))
      throw new BackendError(
        `${this.name}.free: buffer is not live (already freed, or not allocated by this backend)`,
      );
    this.bytes -= buf.byteLength;
    this.pool.put(buf);
  };

  /** Throws unless `buf` is a live buffer of this backend. */
  expectLive(op: string, buf: TypedArray): void {
    this.check(op);
    if (!this.live.has(buf))
      throw new BackendError(
        `${this.name}.${op}: buffer is not live (freed, or not allocated by this backend)`,
      );
  }

  stats() {
    return { buffers: this.live.size, bytes: this.bytes };
  }

  dispose(): void {
    this.live.clear();
    this.pool.clear();
    this.bytes = 0;
    this.disposed = true;
  }
}
