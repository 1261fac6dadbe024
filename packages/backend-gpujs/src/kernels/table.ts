/**
 * The primitive table of the gpujs backend. Float32 and bool work runs as gpu.js kernels on the
 * device; anything that reads or produces int32 runs on the host fallback (host.ts), so integer
 * results are exact. The split is decided per call from the dtypes, never by shape.
 */
import { BackendError, PRIM_NAMES, PRIMS, sizeOf } from '@flint/core/backend';
import type {
  ArgReducePrim,
  BinaryPrim,
  ComparePrim,
  DType,
  Kernels,
  KView,
  PadWidths,
  PrimName,
  ReducePrim,
  TypedArray,
  UnaryPrim,
} from '@flint/core/backend';
import type { Host } from '../host.js';
import type { GBuf, Store } from '../storage.js';
import {
  binarySrc,
  compareSrc,
  COPY_SRC,
  FILL_SRC,
  TO_BOOL_SRC,
  unarySrc,
  WHERE_SRC,
} from './elementwise.js';
import { isContiguous, PAD_SRC, STRIDED_SRC, stridedMeta } from './layout.js';
import { gatherOnDevice } from './gather.js';
import { DEFAULT_SHARED_KERNEL_MAX, shared } from './family.js';
import { matmulOnDevice } from './matmul.js';
import { binaryBroadcast } from './broadcast.js';
import { CUMSUM_SRC, reduceSrc, rowStrides } from './reduce.js';
import { sortKernel } from './sort.js';

type V = KView<GBuf>;
type HostKernels = Kernels<TypedArray>;

/** Device-side helpers shared by the kernel families and the overrides. */
export class Device {
  constructor(
    readonly s: Store,
    readonly host: Host,
    /** Largest output the shared element-wise kernel computes (family.ts); 0: never. */
    readonly sharedMax: number = DEFAULT_SHARED_KERNEL_MAX,
  ) {}

  /** Runs a cached kernel over n outputs and wraps the result as a `dtype` buffer. */
  out(dtype: DType, key: string, src: string, n: number, args: unknown[]): GBuf {
    // cheap element-wise ops share one compiled kernel up to a size (family.ts)
    const [k, code, a] = n <= this.sharedMax ? shared(key, src, args) : [key, src, args];
    return this.s.fromDev(dtype, n, this.s.rt.run(k, code, n, a as never));
  }

  data(v: V) {
    this.s.expectLive('kernel', v.buf);
    return this.s.dev(v.buf);
  }

  /** A contiguous copy of any strided view. */
  strided(v: V): GBuf {
    const n = sizeOf(v.shape);
    return this.out(v.dtype, 'contiguous', STRIDED_SRC, n, [
      this.data(v),
      stridedMeta(v.shape, v.strides, v.offset),
    ]);
  }

  /** The view as contiguous data plus its offset, copying only when it is strided. */
  flat(v: V, temps: GBuf[]): [unknown, number] {
    if (isContiguous(v)) return [this.data(v), v.offset];
    const c = this.strided(v);
    temps.push(c);
    return [this.s.dev(c), 0];
  }

  free(temps: GBuf[]): void {
    for (const t of temps) this.s.free(t);
  }
}

const hostCall =
  (d: Device, p: PrimName) =>
  (...args: unknown[]): GBuf => {
    const views = args.map((a) => (isView(a) ? a : null));
    return d.host.run(views, (cv) => {
      const k = d.host.cpu.kernels[p] as (...a: unknown[]) => TypedArray;
      return k(...args.map((a, i) => (cv[i] ? cv[i] : a)));
    });
  };

function isView(a: unknown): a is V {
  return typeof a === 'object' && a !== null && 'buf' in a && 'shape' in a;
}

function unary(d: Device, p: UnaryPrim) {
  const host = hostCall(d, p);
  return (x: V): GBuf => {
    if (x.dtype === 'int32') return host(x);
    const t: GBuf[] = [];
    const [xd, xo] = d.flat(x, t);
    const r = d.out(x.dtype, p, unarySrc(p), sizeOf(x.shape), [xd, xo, NaN, Infinity]);
    d.free(t);
    return r;
  };
}

function binaryLike(d: Device, p: BinaryPrim | ComparePrim, compare: boolean) {
  const host = hostCall(d, p);
  const src = compare ? compareSrc(p as ComparePrim) : binarySrc(p as BinaryPrim);
  return (a: V, b: V): GBuf => {
    if (a.dtype === 'int32') return host(a, b);
    // a broadcast operand read in place instead of copied at full size (broadcast.ts)
    const out = compare ? 'bool' : a.dtype;
    const bc = binaryBroadcast(d, p, src, out, [a, b], compare ? [] : [NaN, Infinity]);
    if (bc) return bc;
    const t: GBuf[] = [];
    const [ad, ao] = d.flat(a, t);
    const [bd, bo] = d.flat(b, t);
    const args = compare ? [ad, ao, bd, bo] : [ad, ao, bd, bo, NaN, Infinity];
    const r = d.out(compare ? 'bool' : a.dtype, p, src, sizeOf(a.shape), args);
    d.free(t);
    return r;
  };
}

function structural(d: Device) {
  const hostWhere = hostCall(d, 'where');
  const hostCast = hostCall(d, 'cast');
  const hostFill = hostCall(d, 'fill');
  const hostPad = hostCall(d, 'pad');
  return {
    where: (c: V, a: V, b: V): GBuf => {
      if (a.dtype === 'int32') return hostWhere(c, a, b);
      const t: GBuf[] = [];
      const [cd, co] = d.flat(c, t);
      const [ad, ao] = d.flat(a, t);
      const [bd, bo] = d.flat(b, t);
      const r = d.out(a.dtype, 'where', WHERE_SRC, sizeOf(a.shape), [cd, co, ad, ao, bd, bo]);
      d.free(t);
      return r;
    },
    cast: (x: V, dtype: DType): GBuf => {
      if (x.dtype === 'int32' || dtype === 'int32') return hostCast(x, dtype);
      const t: GBuf[] = [];
      const [xd, xo] = d.flat(x, t);
      const toBool = dtype === 'bool' && x.dtype !== 'bool';
      const r = d.out(
        dtype,
        toBool ? 'toBool' : 'copy',
        toBool ? TO_BOOL_SRC : COPY_SRC,
        sizeOf(x.shape),
        [xd, xo],
      );
      d.free(t);
      return r;
    },
    contiguous: (x: V): GBuf => {
      if (x.dtype === 'int32') return hostCall(d, 'contiguous')(x);
      return d.strided(x);
    },
    fill: (shape: readonly number[], dtype: DType, value: number): GBuf => {
      if (dtype === 'int32') return hostFill(shape, dtype, value);
      const v = dtype === 'bool' ? (value !== 0 ? 1 : 0) : value;
      return d.out(dtype, 'fill', FILL_SRC, sizeOf(shape), [v]);
    },
    pad: (x: V, widths: PadWidths, value: number): GBuf => {
      if (x.dtype === 'int32') return hostPad(x, widths, value);
      const t: GBuf[] = [];
      const [xd, xo] = d.flat(x, t);
      const outShape = x.shape.map((n, i) => widths[i]![0] + n + widths[i]![1]);
      const meta = Float32Array.from([
        x.shape.length,
        xo,
        ...outShape,
        ...x.shape,
        ...widths.map((w) => w[0]),
      ]);
      const v = x.dtype === 'bool' ? (value !== 0 ? 1 : 0) : value;
      const r = d.out(x.dtype, 'pad', PAD_SRC, sizeOf(outShape), [xd, meta, v]);
      d.free(t);
      return r;
    },
  };
}

/** x with `axes` moved last (a strided view of the same buffer), and the reduced row length. */
function axesLast(x: V, axes: readonly number[]): { view: V; n: number } {
  const keep = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const order = [...keep, ...axes];
  const n = axes.reduce((a, i) => a * x.shape[i]!, 1);
  return {
    view: { ...x, shape: order.map((i) => x.shape[i]!), strides: order.map((i) => x.strides[i]!) },
    n,
  };
}

function reduce(d: Device, p: ReducePrim) {
  const host = hostCall(d, p);
  return (x: V, axes: readonly number[]): GBuf => {
    const outDType = p === 'max' || p === 'min' ? x.dtype : x.dtype === 'bool' ? 'int32' : x.dtype;
    if (outDType === 'int32') return host(x, axes);
    const t: GBuf[] = [];
    const { view, n } = axesLast(x, axes);
    // read in place when kept and reduced axes each have one stride, else copy (reduce.ts)
    const ts = rowStrides(view, x.shape.length - axes.length);
    const [xd, xo] = ts ? [d.data(view), view.offset] : d.flat(view, t);
    const [rowStep, step] = ts ?? [n, 1];
    const outSize =
      n === 0 ? sizeOf(x.shape.filter((_, i) => !axes.includes(i))) : sizeOf(x.shape) / n;
    const r = d.out(outDType, p, reduceSrc(p), outSize, [xd, xo, n, rowStep, step]);
    d.free(t);
    return r;
  };
}

function scan(d: Device) {
  const host = hostCall(d, 'cumsum');
  return (x: V, axis: number): GBuf => {
    if (x.dtype !== 'float32') return host(x, axis);
    const t: GBuf[] = [];
    const [xd, xo] = d.flat(x, t);
    const L = x.shape[axis] ?? 1;
    const inner = sizeOf(x.shape.slice(axis + 1));
    const r = d.out('float32', 'cumsum', CUMSUM_SRC, sizeOf(x.shape), [xd, xo, L, inner]);
    d.free(t);
    return r;
  };
}

function matmul(d: Device) {
  const host = hostCall(d, 'matmul');
  return (a: V, b: V): GBuf => {
    if (a.dtype !== 'float32') return host(a, b);
    // strided operands: matmul.ts reads transposed ones in place where it can
    return matmulOnDevice(d, a, b);
  };
}

/**
 * stridedWrite as a gather: the host lists, for every position of base, which element of
 * `values` lands there (−1: keep base), and one kernel picks per position. The positions are
 * plain arithmetic on the view's shape and strides, exact on the host.
 */
const STRIDED_WRITE_SRC = `function(base, bo, vals, vo, inv) {
  const k = inv[this.thread.x];
  if (k < 0) { return base[bo + this.thread.x]; }
  return vals[vo + k];
}`;

/** The view (shape, strides, offset) lies inside [0, n), else a BackendError. */
function checkInside(
  n: number,
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
  count: number,
): void {
  if (count === 0) return;
  let lo = offset;
  let hi = offset;
  shape.forEach((d, i) => {
    const s = (d - 1) * (strides[i] ?? 0);
    if (s < 0) lo += s;
    else hi += s;
  });
  if (lo < 0 || hi >= n || strides.length !== shape.length)
    throw new BackendError(
      `gpujs: stridedWrite view (offset ${offset}, strides [${strides.slice(0, 8).join(',')}]) ` +
        `reaches outside a base of ${n} elements`,
    );
}

function stridedWrite(d: Device) {
  const host = hostCall(d, 'stridedWrite');
  return (base: V, values: V, strides: readonly number[], offset: number): GBuf => {
    if (base.dtype === 'int32') return host(base, values, strides, offset);
    const n = sizeOf(base.shape);
    const shape = values.shape;
    const count = sizeOf(shape);
    checkInside(n, shape, strides, offset, count);
    const inv = new Float32Array(n).fill(-1);
    const idx = shape.map(() => 0);
    for (let k = 0; k < count; k++) {
      let pos = offset;
      for (let j = 0; j < idx.length; j++) pos += idx[j]! * strides[j]!;
      inv[pos] = k;
      for (let j = idx.length - 1; j >= 0 && ++idx[j]! === shape[j]; j--) idx[j] = 0;
    }
    const t: GBuf[] = [];
    const [bd, bo] = d.flat(base, t);
    const [vd, vo] = d.flat(values, t);
    const ib = d.s.fromHost('float32', inv);
    t.push(ib);
    const r = d.out(base.dtype, 'stridedWrite', STRIDED_WRITE_SRC, n, [
      bd,
      bo,
      vd,
      vo,
      d.s.dev(ib),
    ]);
    d.free(t);
    return r;
  };
}

/** float32/bool data gathers on the device (gather.ts); int32 data, or an index still being computed, on the host. */
function gather(d: Device) {
  const host = hostCall(d, 'gather');
  return (x: V, index: V, axis: number): GBuf =>
    x.dtype === 'int32' || !d.s.hostReadable(index.buf)
      ? host(x, index, axis)
      : gatherOnDevice(d, x, index, axis);
}

function kernelFor(d: Device, p: PrimName, st: ReturnType<typeof structural>): unknown {
  const kind = PRIMS[p].kind;
  switch (kind) {
    case 'unary':
      return unary(d, p as UnaryPrim);
    case 'binary':
      return binaryLike(d, p as BinaryPrim, false);
    case 'compare':
      return binaryLike(d, p as ComparePrim, true);
    case 'reduce':
      return reduce(d, p as ReducePrim);
    case 'scan':
      return scan(d);
    case 'matmul':
      return matmul(d);
    case 'stridedWrite':
      return stridedWrite(d);
    case 'where':
    case 'cast':
    case 'contiguous':
    case 'fill':
    case 'pad':
      return st[kind];
    // int32 in or out, or scatter: exact on the host (argmax indices, scatter indices, Threefry bits)
    case 'gather':
      return gather(d);
    case 'argReduce':
    case 'scatterAdd':
    case 'randomBits':
      return hostCall(d, p as ArgReducePrim);
    case 'sort':
      return sortKernel(d, hostCall(d, p));
    default:
      throw new BackendError(`gpujs: no kernel for primitive ${String(kind satisfies never)}`);
  }
}

export function kernelTable(d: Device): Kernels<GBuf> {
  const st = structural(d);
  const entries = PRIM_NAMES.map((p) => [p, kernelFor(d, p, st)]);
  return Object.freeze(Object.fromEntries(entries)) as Kernels<GBuf>;
}

export type { HostKernels };
