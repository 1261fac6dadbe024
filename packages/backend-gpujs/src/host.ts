/**
 * The host fallback: primitives that touch int32 (argmax, gather/scatter indices, integer
 * arithmetic, randomBits) run on an internal instance of the reference CPU backend, so their
 * results are exact 32-bit integers — never float32 approximations of them. It also runs small
 * calls whose inputs are all on the host (dispatch.ts). Results stay on the host; float and bool
 * ones are uploaded when a device kernel first reads them.
 */
import { cpuBackend } from '@flint/backend-cpu';
import { BackendError } from '@flint/core/backend';
import type { Backend, DType, KView, TypedArray } from '@flint/core/backend';
import type { GBuf, Store } from './storage.js';
import { hostSettled, runLater } from './webgpu-host.js';

const DTYPE_OF = new Map<unknown, DType>([
  [Float32Array, 'float32'],
  [Int32Array, 'int32'],
  [Uint8Array, 'bool'],
]);

export class Host {
  readonly cpu: Backend<TypedArray>;
  /** Primitive calls served by the host (reported in stats for transparency). */
  calls = 0;

  constructor(private readonly store: Store) {
    this.cpu = cpuBackend({ name: `${store.name}-host`, poolBytes: 0 });
  }

  private toCpu(v: KView<GBuf>, temps: TypedArray[]): KView<TypedArray> {
    this.store.expectLive('kernel', v.buf);
    const h = this.store.host(v.buf);
    const buf = this.cpu.alloc(v.dtype, h.length);
    temps.push(buf);
    this.cpu.write(buf, h);
    return { buf, dtype: v.dtype, shape: v.shape, strides: v.strides, offset: v.offset };
  }

  /**
   * A cpu result as a buffer of ours; the cpu buffer is freed. It stays on the host (float and
   * bool too): a device kernel that needs it uploads it then (Store.dev), while further small
   * host calls read it where it is.
   */
  private fromCpu(t: TypedArray): GBuf {
    const dtype = DTYPE_OF.get(t.constructor);
    if (dtype === undefined)
      throw new BackendError(`${this.store.name}: host fallback returned an unsupported array`);
    const data = t.slice();
    this.cpu.free(t);
    return this.store.fromHost(dtype, data);
  }

  /**
   * Calls `fn` on the cpu backend with `views` copied there; the results it returns (one
   * buffer, or an array with nulls) come back as our buffers.
   */
  run<R extends TypedArray | (TypedArray | null)[]>(
    views: readonly (KView<GBuf> | null)[],
    fn: (cpuViews: (KView<TypedArray> | null)[]) => R,
  ): R extends TypedArray ? GBuf : (GBuf | null)[] {
    this.store.rt.check('kernel');
    this.calls++;
    // WebGPU: device inputs can only be read asynchronously, so the call becomes a queued job
    if (this.store.rt.async && !hostSettled(this.store, views))
      return runLater(this.store, this.cpu, views, fn) as never;
    const temps: TypedArray[] = [];
    try {
      const out = fn(views.map((v) => (v ? this.toCpu(v, temps) : null)));
      if (Array.isArray(out)) return out.map((t) => (t ? this.fromCpu(t) : null)) as never;
      return this.fromCpu(out as TypedArray) as never;
    } finally {
      for (const t of temps) this.cpu.free(t);
    }
  }

  dispose(): void {
    this.cpu.dispose();
  }
}
