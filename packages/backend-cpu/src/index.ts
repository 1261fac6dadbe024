/**
 * `@flint/backend-cpu`: Flint's reference backend in pure TypeScript. Buffers are plain typed
 * arrays (float32 → Float32Array, float64 → Float64Array, int32 → Int32Array, bool → Uint8Array
 * of 0/1); every kernel returns a fresh contiguous row-major buffer. The other backends are
 * compared against this one, so its kernels transcribe the PRIMS reference functions exactly.
 */
import { BackendError, PRIM_NAMES, PRIMS } from '@flint/core/backend';
import type {
  ArgReducePrim,
  Backend,
  BinaryPrim,
  Caps,
  ComparePrim,
  DType,
  Kernels,
  PrimName,
  ReducePrim,
  TypedArray,
  UnaryPrim,
} from '@flint/core/backend';
import { elementwiseKernels } from './kernels/elementwise.js';
import { indexingKernels } from './kernels/indexing.js';
import { matmulKernel } from './kernels/matmul.js';
import { overrideKernels } from './kernels/overrides.js';
import { randomBitsKernel } from './kernels/random.js';
import { reduceKernels } from './kernels/reduce.js';
import { sortKernel } from './kernels/sort.js';
import { ARRAY_DTYPE, Storage } from './storage.js';
import type { Alloc, Release } from './types.js';

/** Options of `cpuBackend()`. */
export interface CpuBackendOptions {
  /** Device name tensors report; defaults to `'cpu'`. Lets tests register two instances. */
  name?: string;
  /**
   * Bytes of freed buffers kept for reuse (default 64 MiB). Reusing a buffer avoids the page
   * faults and GC pressure of a fresh multi-megabyte allocation, which otherwise costs more
   * than the kernel itself; 0 disables pooling (every free returns memory to the GC).
   */
  poolBytes?: number;
}

/**
 * The CPU backend's capabilities: every dtype, strided kernels, rank up to 64, synchronous reads.
 */
export const CPU_CAPS: Caps = Object.freeze<Caps>({
  dtypes: ['float32', 'float64', 'int32', 'bool'],
  strided: true,
  maxRank: 64, // as the native addon; core checks it (a typed ShapeError on every backend)
  syncRead: true, // readSync copies out of the JS array at once
  tolerance: {
    float32: { rtol: 1e-5, atol: 1e-6 },
    float64: { rtol: 1e-12, atol: 1e-12 },
    int32: { rtol: 0, atol: 0 },
    bool: { rtol: 0, atol: 0 },
  },
  features: [],
});

function readOut(s: Storage, buf: TypedArray, dtype: DType, size: number): TypedArray {
  s.expectLive('read', buf);
  if (ARRAY_DTYPE.get(buf.constructor) !== dtype || size > buf.length)
    throw new BackendError(
      `cpu.read: asked for ${size} × ${dtype} from a buffer of ${buf.length} × ` +
        `${ARRAY_DTYPE.get(buf.constructor)}`,
    );
  return buf.slice(0, size);
}

function writeIn(s: Storage, buf: TypedArray, data: TypedArray, at?: number): void {
  s.expectLive('write', buf);
  if (at === undefined && data.length !== buf.length)
    throw new BackendError(
      `cpu.write: data has ${data.length} elements but the buffer holds ${buf.length}`,
    );
  const from = at ?? 0;
  if (!Number.isSafeInteger(from) || from < 0 || from + data.length > buf.length)
    throw new BackendError(
      `cpu.write: writing ${data.length} elements at element ${String(from)} overruns a buffer ` +
        `of ${buf.length}`,
    );
  // bool buffers hold 0/1: `set` would store 2 as 2 and 0.5 as 0, so coerce like a cast.
  if (buf instanceof Uint8Array && !(data instanceof Uint8Array))
    for (let i = 0; i < data.length; i++) buf[from + i] = data[i] !== 0 ? 1 : 0;
  else buf.set(data, from);
}

type Families = ReturnType<typeof families>;

function families(alloc: Alloc, release: Release) {
  return {
    ew: elementwiseKernels(alloc),
    red: reduceKernels(alloc),
    idx: indexingKernels(alloc, release),
    matmul: matmulKernel(alloc),
    randomBits: randomBitsKernel(alloc),
    sort: sortKernel(alloc),
  };
}

/** The kernel for primitive `p`, picked by its kind in PRIMS. */
function kernelFor(p: PrimName, f: Families): unknown {
  const kind = PRIMS[p].kind;
  switch (kind) {
    case 'unary':
      return f.ew.unary(p as UnaryPrim);
    case 'binary':
      return f.ew.binary(p as BinaryPrim);
    case 'compare':
      return f.ew.compare(p as ComparePrim);
    case 'reduce':
      return f.red.reduce(p as ReducePrim);
    case 'argReduce':
      return f.red.argReduce(p as ArgReducePrim);
    case 'scan':
      return f.red.scan;
    case 'where':
    case 'cast':
      return f.ew[kind];
    case 'contiguous':
    case 'fill':
    case 'pad':
    case 'stridedWrite':
    case 'gather':
    case 'scatterAdd':
      return f.idx[kind];
    case 'matmul':
    case 'randomBits':
    case 'sort':
      return f[kind];
    default:
      throw new BackendError(`cpu: no kernel for primitive ${String(kind satisfies never)}`);
  }
}

/** Wraps a kernel so that it refuses dead input buffers and use after dispose. */
function guard<F>(s: Storage, name: string, fn: F): F {
  const f = fn as (...args: unknown[]) => unknown;
  return ((...args: unknown[]) => {
    s.check(name);
    for (const a of args)
      if (typeof a === 'object' && a !== null && 'buf' in a)
        s.expectLive(name, a.buf as TypedArray);
    return f(...args);
  }) as F;
}

function kernelTable(s: Storage): Kernels<TypedArray> {
  const f = families(s.alloc, s.release);
  const entries = PRIM_NAMES.map((p) => [p, guard(s, p, kernelFor(p, f))]);
  return Object.freeze(Object.fromEntries(entries)) as Kernels<TypedArray>;
}

/**
 * Creates a CPU backend instance. Register it with core to make it a device.
 *
 * @example
 * ```ts
 * import { cpuBackend } from '@flint/backend-cpu';
 * const cpu = cpuBackend();
 * const buf = cpu.alloc('float32', 3);
 * cpu.write(buf, new Float32Array([1, 2, 3]));
 * const y = cpu.kernels.exp({ buf, dtype: 'float32', shape: [3], strides: [1], offset: 0 });
 * cpu.readSync(y, 'float32', 3); // Float32Array [2.718…, 7.389…, 20.08…]
 * ```
 */
export function cpuBackend(options: CpuBackendOptions = {}): Backend<TypedArray> {
  const name = options.name ?? 'cpu';
  const s = new Storage(name, options.poolBytes ?? 64 * 2 ** 20);
  const overrides = overrideKernels(s.alloc, s.release);
  return {
    name,
    caps: CPU_CAPS,
    alloc: s.alloc,
    free: s.release,
    write: (buf, data, at) => writeIn(s, buf, data, at),
    read: async (buf, dtype, size) => readOut(s, buf, dtype, size),
    readSync: (buf, dtype, size) => readOut(s, buf, dtype, size),
    kernels: kernelTable(s),
    overrides: {
      softmax: guard(s, 'softmax', overrides.softmax),
      logSoftmax: guard(s, 'logSoftmax', overrides.logSoftmax),
      adamStep: guard(s, 'adamStep', overrides.adamStep),
      sgdStep: guard(s, 'sgdStep', overrides.sgdStep),
      conv2dBackward: guard(s, 'conv2dBackward', overrides.conv2dBackward),
      maxPool2d: guard(s, 'maxPool2d', overrides.maxPool2d),
      layerNorm: guard(s, 'layerNorm', overrides.layerNorm),
      gelu: guard(s, 'gelu', overrides.gelu),
      crossEntropy: guard(s, 'crossEntropy', overrides.crossEntropy),
    },
    sync: async () => s.check('sync'),
    stats: () => s.stats(),
    dispose: () => s.dispose(),
  };
}
