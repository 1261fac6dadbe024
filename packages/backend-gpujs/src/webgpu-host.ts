/**
 * The host fallback on WebGPU, when an input lives on the device (argmax of a float tensor,
 * gather from one, a cast to int32): its values can only be read asynchronously, but the kernel
 * must return its buffers now. So the call is run twice on the host CPU backend: once at once on
 * zeros of the same shapes, which fixes the outputs' dtypes and sizes (every primitive's output
 * shape depends on shapes and arguments only, never on values), and once as a queued job on the
 * real values, which fills those outputs. int32 outputs settle through `ready`; float and bool
 * outputs are cells uploaded by the same job.
 */
import { BackendError } from '@flint/core/backend';
import type { Backend, DType, KView, TypedArray } from '@flint/core/backend';
import type { GBuf, Store } from './storage.js';
import { settleLater } from './storage.js';
import type { Cell } from './webgpu.js';

type CpuFn = (views: (KView<TypedArray> | null)[]) => TypedArray | (TypedArray | null)[];

const DTYPE_OF = new Map<unknown, DType>([
  [Float32Array, 'float32'],
  [Int32Array, 'int32'],
  [Uint8Array, 'bool'],
]);

/** Whether every input's values are on the host now, so the call may run synchronously. */
export function hostSettled(s: Store, views: readonly (KView<GBuf> | null)[]): boolean {
  return views.every((v) => v === null || s.hostReadable(v.buf));
}

/** Runs `fn` on `cpu` over the given arrays (copied in); returns the cpu result arrays. */
function onCpu(
  cpu: Backend<TypedArray>,
  views: readonly (KView<GBuf> | null)[],
  arrays: readonly (TypedArray | null)[],
  fn: CpuFn,
): { list: (TypedArray | null)[]; many: boolean } {
  const temps: TypedArray[] = [];
  try {
    const cv = views.map((v, i) => {
      if (!v) return null;
      const buf = cpu.alloc(v.dtype, v.buf.size);
      temps.push(buf);
      cpu.write(buf, arrays[i]!);
      return { buf, dtype: v.dtype, shape: v.shape, strides: v.strides, offset: v.offset };
    });
    const out = fn(cv);
    const list = Array.isArray(out) ? out : [out];
    const copies = list.map((t) => {
      if (!t) return null;
      const copy = t.slice();
      cpu.free(t);
      return copy;
    });
    return { list: copies, many: Array.isArray(out) };
  } finally {
    for (const t of temps) cpu.free(t);
  }
}

/**
 * Where an input's values will be, captured when the call is made: the caller may free the
 * buffer (which clears its fields) before the job runs, but never changes these arrays or cells.
 */
interface Source {
  readonly buf: GBuf;
  readonly host: TypedArray | null;
  readonly dev: GBuf['dev'];
}

const sourceOf = (b: GBuf): Source => ({ buf: b, host: b.host, dev: b.dev });

/** The input's values inside the job (its producers have run by then). */
async function valuesOf(s: Store, src: Source): Promise<TypedArray> {
  const b = src.buf;
  if (b.error) throw b.error;
  if (src.host && (b.dtype === 'int32' || !src.dev)) return src.host;
  if (!src.dev) return new (arrayOf(b.dtype))(b.size);
  const f = await s.rt.readNowInJob(src.dev, b.size);
  if (b.dtype === 'float32') return f;
  return Uint8Array.from(f, (v) => (v !== 0 ? 1 : 0));
}

/** Result buffers shaped like the dry run's arrays: int32 on the host, the rest as cells. */
function outputsLike(s: Store, dry: (TypedArray | null)[]): (GBuf | null)[] {
  return dry.map((t) => {
    if (!t) return null;
    const dtype = DTYPE_OF.get(t.constructor);
    if (dtype === undefined)
      throw new BackendError(`${s.name}: host fallback returned an unsupported array`);
    if (dtype === 'int32') return s.fromHost('int32', new Int32Array(t.length));
    return s.fromDev(dtype, t.length, s.rt.newCell(t.length));
  });
}

/** An output's destination, captured when the call is made: its host array or its cell. */
interface Target {
  readonly buf: GBuf;
  readonly host: TypedArray | null;
  readonly cell: Cell | null;
}

const targetOf = (o: GBuf | null): Target | null =>
  o && { buf: o, host: o.dtype === 'int32' ? o.host : null, cell: o.dev as Cell | null };

/** Fills the outputs from the real run (inside the job). */
async function fill(s: Store, outs: (Target | null)[], res: (TypedArray | null)[]): Promise<void> {
  for (let i = 0; i < outs.length; i++) {
    const [o, r] = [outs[i], res[i]];
    if (!o || !r) continue;
    if (o.host) o.host.set(r);
    else if (o.cell)
      await s.rt.uploadNow(o.cell, r instanceof Float32Array ? r : Float32Array.from(r));
  }
}

/** Marks every output failed with `e` (their readers throw it). */
function failAll(outs: (Target | null)[], e: BackendError): void {
  for (const o of outs) {
    if (!o) continue;
    o.buf.error = e;
    if (o.cell) o.cell.error ??= e;
  }
}

/** The deferred host call (see the header); returns what `Host.run` returns. */
export function runLater(
  s: Store,
  cpu: Backend<TypedArray>,
  views: readonly (KView<GBuf> | null)[],
  fn: CpuFn,
): GBuf | (GBuf | null)[] {
  for (const v of views) if (v) s.expectLive('kernel', v.buf);
  const zeros = views.map((v) => (v ? new (arrayOf(v.dtype))(v.buf.size) : null));
  const dry = onCpu(cpu, views, zeros, fn);
  const outs = outputsLike(s, dry.list);
  const inputs = views.map((v) => (v ? sourceOf(v.buf) : null));
  const targets = outs.map(targetOf);
  const q = s.rt.queue!;
  const job = q.enqueue('host', async () => {
    try {
      const arrays = await Promise.all(inputs.map((b) => (b ? valuesOf(s, b) : null)));
      await fill(s, targets, onCpu(cpu, views, arrays, fn).list);
    } catch (e) {
      const err = e instanceof BackendError ? e : q.error('host fallback', e);
      failAll(targets, err);
      throw err;
    }
  });
  for (const o of outs) if (o?.dtype === 'int32') settleLater(o, job);
  return dry.many ? outs : outs[0]!;
}

function arrayOf(d: DType) {
  return d === 'int32' ? Int32Array : d === 'bool' ? Uint8Array : Float32Array;
}

/**
 * crossEntropy's class targets (int32 view, contiguous) as float32 device data, ignoreIndex as
 * −1, each checked against `classes`. At once when the targets are on the host; on WebGPU, when
 * they are still being computed by a queued job, converted and checked by a job after it (a bad
 * target then fails the loss's read with the same BackendError).
 */
export function classTargets(
  s: Store,
  target: KView<GBuf>,
  n: number,
  classes: number,
  ignoreIndex: number,
): GBuf {
  s.expectLive('crossEntropy', target.buf);
  const convert = (T: TypedArray): Float32Array => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const t = T[target.offset + i]!;
      if (t !== ignoreIndex && !(t >= 0 && t < classes))
        throw new BackendError(
          `gpujs: crossEntropy: target ${t} is out of bounds for ${classes} classes (ignoreIndex ${ignoreIndex})`,
        );
      // exact in float32: every value is a class index or ignoreIndex
      out[i] = t === ignoreIndex ? -1 : t;
    }
    return out;
  };
  if (!s.rt.async || s.hostReadable(target.buf))
    return s.fromHost('float32', convert(s.host(target.buf)));
  const [b, h] = [target.buf, target.buf.host!];
  return s.fromDev(
    'float32',
    n,
    s.rt.uploadLater(n, () => {
      if (b.error) throw b.error;
      return convert(h);
    }),
  );
}
