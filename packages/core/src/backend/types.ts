/**
 * The backend contract (DESIGN §3). A backend owns storage and implements every primitive of
 * PRIMS; core does all argument checking, dtype promotion and broadcasting before a kernel runs,
 * so kernels see already-valid, same-dtype, same-shape (possibly strided) inputs.
 *
 * `B` is the backend's opaque buffer handle: a typed array for the CPU backend, a texture for
 * gpu.js, device memory for CUDA. Kernels return a fresh buffer holding a contiguous, row-major
 * result; they never write into their inputs.
 */
import type { DType, TypedArray } from '../dtype.js';
import type {
  ArgReducePrim,
  BinaryPrim,
  ComparePrim,
  PrimName,
  PRIMS,
  ReducePrim,
  UnaryPrim,
} from '../prims.js';

/** A (possibly strided) read-only view of a buffer, as passed to kernels. */
export interface KView<B> {
  readonly buf: B;
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** Element strides; may be 0 (broadcast) or negative (flip). */
  readonly strides: readonly number[];
  /** Element offset of index [0, …, 0]. */
  readonly offset: number;
}

/** [before, after] padding per axis, both ≥ 0. */
export type PadWidths = readonly (readonly [number, number])[];

/** The call signature of each kind of primitive. */
export interface KernelSignatures<B> {
  /** Output dtype = input dtype. */
  unary: (x: KView<B>) => B;
  /** Inputs share shape and dtype; output has the same dtype. */
  binary: (a: KView<B>, b: KView<B>) => B;
  /** Inputs share shape and dtype; output is bool. */
  compare: (a: KView<B>, b: KView<B>) => B;
  /** `cond` is bool; `a`, `b` share a dtype. */
  where: (cond: KView<B>, a: KView<B>, b: KView<B>) => B;
  cast: (x: KView<B>, dtype: DType) => B;
  /** Materialise a strided view as a contiguous buffer. */
  contiguous: (x: KView<B>) => B;
  fill: (shape: readonly number[], dtype: DType, value: number) => B;
  /** Constant padding; output shape[i] = before + shape[i] + after. */
  pad: (x: KView<B>, widths: PadWidths, value: number) => B;
  /**
   * Reduce over `axes` (sorted, unique, non-empty unless x is 0-d); output shape drops them.
   * sum/prod of bool or int32 accumulate to int32; max/min keep the dtype and propagate NaN.
   * Reducing an empty axis gives 0 (sum), 1 (prod); max/min of empty are rejected by core.
   */
  reduce: (x: KView<B>, axes: readonly number[]) => B;
  /** Index (int32) of the first max/min along `axis` (NaN counts as the extreme); drops `axis`. */
  argReduce: (x: KView<B>, axis: number) => B;
  /** Inclusive prefix sum along `axis`; bool/int32 → int32. */
  scan: (x: KView<B>, axis: number) => B;
  /** a: [batch, m, k], b: [batch, k, n] → [batch, m, n]; transposes arrive as strides. */
  matmul: (a: KView<B>, b: KView<B>) => B;
  /** out[...i...] = x[... index[...i...] at axis ...]; index is int32 with x's rank, out shape = index shape. */
  gather: (x: KView<B>, index: KView<B>, axis: number) => B;
  /** out = copy of x; out[... index[j] at axis ...] += src[j]; index and src share a shape. */
  scatterAdd: (x: KView<B>, index: KView<B>, src: KView<B>, axis: number) => B;
  /**
   * Counter-based random words: element i is word 0 of Threefry-2x32-20 with key `key` and
   * 64-bit counter `offset + i` (low word first), stored as int32. Same seed → same bits on every backend.
   */
  randomBits: (shape: readonly number[], key: readonly [number, number], offset: number) => B;
}

type KindOf<P extends PrimName> = (typeof PRIMS)[P]['kind'];

/** Exhaustive kernel table: one kernel per primitive, typed by its kind. */
export type Kernels<B> = { readonly [P in PrimName]: KernelSignatures<B>[KindOf<P>] };

/** Re-exported for backends that want per-kind typing. */
export type { UnaryPrim, BinaryPrim, ComparePrim, ReducePrim, ArgReducePrim, PrimName };

/**
 * Fused replacements for composites (DESIGN §2, tier 3). Optional; each must match the
 * composite's decomposition (checked by conformance L3).
 */
/** Resolved geometry of a 2-D convolution, as the conv2d override receives it. */
export interface Conv2dParams {
  stride: [number, number];
  /** Zero padding [top, bottom, left, right] — asymmetric for 'same' with even kernels. */
  padding: [number, number, number, number];
  dilation: [number, number];
  groups: number;
}

/** Hyper-parameters of one Adam/AdamW step (`step` counts from 1; amsgrad is never fused). */
export interface AdamStepParams {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** AdamW: decay the parameter directly instead of adding weightDecay·p to the gradient. */
  decoupled: boolean;
  maximize: boolean;
  step: number;
}

export interface Overrides<B> {
  /**
   * One fused Adam/AdamW update over contiguous, same-dtype param, grad, first and second
   * moments; returns the new [param, expAvg, expAvgSq] buffers (the inputs are not written).
   */
  adamStep?: (
    p: KView<B>,
    grad: KView<B>,
    m: KView<B>,
    v: KView<B>,
    params: AdamStepParams,
  ) => [B, B, B];
  /** x [N,C,H,W], weight [O,C/groups,kH,kW], bias [O] or null → [N,O,OH,OW], contiguous, same dtype. */
  conv2d?: (x: KView<B>, weight: KView<B>, bias: KView<B> | null, p: Conv2dParams) => B;
  /** Softmax along `axis` of a float tensor. */
  softmax?: (x: KView<B>, axis: number) => B;
  /** Log-softmax along `axis` of a float tensor. */
  logSoftmax?: (x: KView<B>, axis: number) => B;
}
export type OverrideName = keyof Overrides<unknown>;

export interface Tolerance {
  rtol: number;
  atol: number;
}

export interface Caps {
  /** DTypes this backend stores and computes in. */
  readonly dtypes: readonly DType[];
  /**
   * Whether kernels accept strided views. If false, core passes row-major contiguous inputs (which
   * may still start at a non-zero offset), made with the backend's own `contiguous` kernel — that
   * one kernel must accept any strides.
   */
  readonly strided: boolean;
  /** Largest rank of any kernel input/output. */
  readonly maxRank: number;
  /** Agreement with the float64 reference expected for each dtype. */
  readonly tolerance: Readonly<Partial<Record<DType, Tolerance>>>;
  /** Feature flags: 'blas', 'cuda', 'webgl2', 'float16', 'threads' … */
  readonly features: readonly string[];
}

export interface BackendStats {
  /** Live buffers owned by the backend. */
  buffers: number;
  bytes: number;
}

export interface Backend<B = unknown> {
  /** The device name tensors report (`'cpu'`, `'gpujs'`, `'native'`, `'cuda'`). */
  readonly name: string;
  readonly caps: Caps;
  /** A buffer of `size` elements of `dtype`; contents unspecified. */
  alloc(dtype: DType, size: number): B;
  free(buf: B): void;
  /** Copy host data (length = buffer size) into a buffer. */
  write(buf: B, data: TypedArray): void;
  /** Copy a whole buffer to the host. */
  read(buf: B, dtype: DType, size: number): Promise<TypedArray>;
  readSync(buf: B, dtype: DType, size: number): TypedArray;
  readonly kernels: Kernels<B>;
  readonly overrides?: Overrides<B>;
  /** Resolves when every queued kernel has finished. */
  sync(): Promise<void>;
  stats(): BackendStats;
  dispose(): void;
}
