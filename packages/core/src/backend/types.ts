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
  /** The backend's buffer holding the data. */
  readonly buf: B;
  /** Element type of the buffer. */
  readonly dtype: DType;
  /** Shape of the view. */
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
  /**
   * Convert to `dtype` element by element, as `coerce` does (float to int32 truncates; nonzero to
   * bool is true).
   */
  cast: (x: KView<B>, dtype: DType) => B;
  /** Materialise a strided view as a contiguous buffer. */
  contiguous: (x: KView<B>) => B;
  /** A fresh contiguous buffer of `shape` with every element `value`. */
  fill: (shape: readonly number[], dtype: DType, value: number) => B;
  /** Constant padding; output shape[i] = before + shape[i] + after. */
  pad: (x: KView<B>, widths: PadWidths, value: number) => B;
  /**
   * A copy of `base` (a whole buffer: contiguous, offset 0, shape [n]) in which the view of it
   * with `values`' shape, element `strides` (possibly negative) and `offset` holds `values`
   * (same dtype as base, possibly strided). Core guarantees the view lies inside [0, n) and that no
   * two of its elements share a position; `base` itself is not written.
   */
  stridedWrite: (base: KView<B>, values: KView<B>, strides: readonly number[], offset: number) => B;
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
  /**
   * Stable sort of every row along the last axis of `x` (any dtype; row-major contiguous, maybe
   * at a non-zero offset; rows may be empty). Returns [values (x's dtype and shape), indices
   * (int32, the source position of each value in its row)]. Order as `sortCompare`: NaN above
   * +∞ (last ascending, first with `descending`), −0 and +0 equal; equal elements keep their order.
   */
  sort: (x: KView<B>, descending: boolean) => readonly [B, B];
}

type KindOf<P extends PrimName> = (typeof PRIMS)[P]['kind'];

/** Exhaustive kernel table: one kernel per primitive, typed by its kind. */
export type Kernels<B> = { readonly [P in PrimName]: KernelSignatures<B>[KindOf<P>] };

/** Re-exported for backends that want per-kind typing. */
export type { UnaryPrim, BinaryPrim, ComparePrim, ReducePrim, ArgReducePrim, PrimName };

/** Resolved geometry of a 2-D convolution, as the conv2d override receives it. */
export interface Conv2dParams {
  /** Step between windows [vertical, horizontal]. */
  stride: [number, number];
  /** Zero padding [top, bottom, left, right] — asymmetric for 'same' with even kernels. */
  padding: [number, number, number, number];
  /** Spacing between kernel taps [vertical, horizontal]. */
  dilation: [number, number];
  /** Number of channel groups. */
  groups: number;
}

/** Hyper-parameters of one Adam/AdamW step (`step` counts from 1; amsgrad is never fused). */
export interface AdamStepParams {
  /** Learning rate. */
  lr: number;
  /** Decay rate of the first-moment (mean) estimate. */
  beta1: number;
  /** Decay rate of the second-moment (uncentred variance) estimate. */
  beta2: number;
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** Weight decay factor (an L2 penalty, or decoupled with `decoupled`). */
  weightDecay: number;
  /** AdamW: decay the parameter directly instead of adding weightDecay·p to the gradient. */
  decoupled: boolean;
  /** Ascend the objective instead of descending it. */
  maximize: boolean;
  /** Number of this step, counting from 1 (for bias correction). */
  step: number;
  /**
   * Core allows the kernel to write its results into p, m and v (see `Overrides.adamStep`).
   * Absent or false: fresh buffers.
   */
  inPlace?: boolean;
}

/** Geometry of a 2-D max pool as the override receives it (already resolved by core). */
export interface Pool2dParams {
  /** Window size [kH, kW]. */
  kernel: [number, number];
  /** Step between windows [vertical, horizontal]. */
  stride: [number, number];
  /** Implicit −∞ padding [top/bottom, left/right], at most half the kernel. */
  padding: [number, number];
  /** Spacing between window taps [vertical, horizontal]. */
  dilation: [number, number];
  /** Output size rounds up (a last partial window that starts inside the input or left padding counts). */
  ceilMode: boolean;
}

/** Hyper-parameters of one SGD step (torch.optim.SGD semantics). */
export interface SgdStepParams {
  /** Learning rate. */
  lr: number;
  /** Momentum factor (0 for plain SGD). */
  momentum: number;
  /** Dampening of the momentum's gradient term. */
  dampening: number;
  /** L2 penalty added to the gradient. */
  weightDecay: number;
  /** Use Nesterov momentum. */
  nesterov: boolean;
  /** Ascend the objective instead of descending it. */
  maximize: boolean;
  /** true on the first step: the momentum buffer is initialised to the gradient (buf arg is null then). */
  firstStep: boolean;
  /**
   * Core allows the kernel to write its results into p and buf (see `Overrides.sgdStep`); never
   * on a first step with momentum, which has no buffer yet. Absent or false: fresh buffers.
   */
  inPlace?: boolean;
}

/**
 * Fused replacements for composites (DESIGN §2, tier 3). Optional; each must match the
 * composite's decomposition (checked by conformance L3).
 *
 * Every override receives inputs that core has already validated, and (for all but softmax,
 * logSoftmax and conv2d, which follow `caps.strided`) row-major contiguous views, possibly at a
 * non-zero offset. Outputs are fresh contiguous buffers; inputs are never written.
 */
export interface Overrides<B> {
  /**
   * One fused Adam/AdamW update over contiguous, same-dtype param, grad, first and second
   * moments; returns the new [param, expAvg, expAvgSq] buffers (the inputs are not written).
   *
   * The one exception to "inputs are never written", as torch's optimizers update in place:
   * with `params.inPlace`, core has checked that p, m and v are contiguous views on three
   * buffers of their own (grad on a fourth) that no kernel reads meanwhile, so a backend may
   * write the results into them and return nothing; a step then needs no parameter-sized
   * buffer at all. A backend that cannot (textures, queued devices) ignores the flag and
   * returns fresh buffers as usual; core accepts either answer.
   */
  adamStep?: (
    p: KView<B>,
    grad: KView<B>,
    m: KView<B>,
    v: KView<B>,
    params: AdamStepParams,
  ) => [B, B, B] | void;
  /** x [N,C,H,W], weight [O,C/groups,kH,kW], bias [O] or null → [N,O,OH,OW], contiguous, same dtype. */
  conv2d?: (x: KView<B>, weight: KView<B>, bias: KView<B> | null, p: Conv2dParams) => B;
  /** Softmax along `axis` of a float tensor. */
  softmax?: (x: KView<B>, axis: number) => B;
  /** Log-softmax along `axis` of a float tensor. */
  logSoftmax?: (x: KView<B>, axis: number) => B;
  /**
   * Gradients of conv2d. grad is [N,O,OH,OW]. Returns [gx [N,C,H,W] or null, gw
   * [O,C/groups,kH,kW] or null], computing only those with needs[i] true. Inputs contiguous.
   */
  conv2dBackward?: (
    x: KView<B>,
    weight: KView<B>,
    grad: KView<B>,
    p: Conv2dParams,
    needs: readonly [boolean, boolean],
  ) => [B | null, B | null];
  /**
   * Max pool of x [N,C,H,W] (float; padding counts as -inf) → [values [N,C,OH,OW], indices
   * int32 [N,C,OH,OW]]: index of the max within its input H·W plane (h*W+w), as torch's
   * return_indices; first max wins, NaN counts as the max.
   */
  maxPool2d?: (x: KView<B>, p: Pool2dParams) => [B, B];
  /**
   * Layer norm over the last `normSize` elements of contiguous x: returns [y (x's shape), mean
   * [rows], rstd [rows]] with rows = size / normSize; rstd = 1/sqrt(var_biased + eps);
   * y = (x-mean)*rstd*weight + bias (weight/bias [normSize] or null).
   */
  layerNorm?: (
    x: KView<B>,
    weight: KView<B> | null,
    bias: KView<B> | null,
    normSize: number,
    eps: number,
  ) => [B, B, B];
  /** GELU of a float tensor, exact (erf) or the tanh approximation, as torch. */
  gelu?: (x: KView<B>, approximate: 'none' | 'tanh') => B;
  /**
   * Per-row cross-entropy of logits [N,C] (float) against int32 class targets [N]:
   * −logSoftmax(x)[i, t_i], and exactly 0 for rows whose target equals ignoreIndex.
   * Out-of-range targets (other than ignoreIndex) must throw. Returns [N].
   */
  crossEntropy?: (logits: KView<B>, target: KView<B>, ignoreIndex: number) => B;
  /**
   * One fused SGD update over contiguous same-dtype param and grad (and momentum buffer, null on
   * the first step or when momentum is 0): returns [new param, new momentum buffer or null when
   * momentum is 0]. Inputs are not written, except with `params.inPlace`: as for adamStep, p
   * and buf (when given) may then be written in place, returning nothing.
   */
  sgdStep?: (
    p: KView<B>,
    grad: KView<B>,
    buf: KView<B> | null,
    params: SgdStepParams,
  ) => [B, B | null] | void;
  /**
   * One LSTM layer in one direction over a projected sequence (torch's gate order i, f, g, o).
   * gi [T,B,4H] = x·W_ihᵀ + b_ih + b_hh, weightHh [4H,H], h0 and c0 [B,H]; `reverse` walks t
   * from T−1 down to 0. Returns [y [2,T,B,H] (every h_t, then every c_t, indexed by t), gates
   * [T,B,4H] (σ(i), σ(f), tanh(g), σ(o) of each step), which only lstmSequenceBackward reads].
   */
  lstmSequence?: (
    gi: KView<B>,
    weightHh: KView<B>,
    h0: KView<B>,
    c0: KView<B>,
    reverse: boolean,
  ) => [B, B];
  /**
   * Gradients of lstmSequence from its saved y and gates and gy [2,T,B,H] (the gradient of y):
   * returns [dGi [T,B,4H], dWeightHh [4H,H], dh0 [B,H], dc0 [B,H]].
   */
  lstmSequenceBackward?: (
    gates: KView<B>,
    y: KView<B>,
    weightHh: KView<B>,
    h0: KView<B>,
    c0: KView<B>,
    gy: KView<B>,
    reverse: boolean,
  ) => [B, B, B, B];
  /**
   * One GRU layer in one direction (torch's gate order r, z, n; b_hn inside the reset product):
   * gi [T,B,3H] = x·W_ihᵀ + b_ih, weightHh [3H,H], biasHh [3H] or null, h0 [B,H]. Returns
   * [hs [T,B,H] (h_t indexed by t), saved [T,B,4H] (r, z, n and h·W_hnᵀ + b_hn of each step)].
   */
  gruSequence?: (
    gi: KView<B>,
    weightHh: KView<B>,
    biasHh: KView<B> | null,
    h0: KView<B>,
    reverse: boolean,
  ) => [B, B];
  /**
   * Gradients of gruSequence from its saved outputs and ghs [T,B,H] (the gradient of hs):
   * returns [dGi [T,B,3H], dWeightHh [3H,H], dBiasHh [3H] (null when hasBias is false), dh0 [B,H]].
   */
  gruSequenceBackward?: (
    saved: KView<B>,
    hs: KView<B>,
    weightHh: KView<B>,
    h0: KView<B>,
    ghs: KView<B>,
    reverse: boolean,
    hasBias: boolean,
  ) => [B, B, B | null, B];
}
/** Names of the composites a backend may replace with a fused kernel. */
export type OverrideName = keyof Overrides<unknown>;

/** Allowed deviation |actual − expected| ≤ atol + rtol·|expected|, as in torch.allclose. */
export interface Tolerance {
  /** Relative tolerance. */
  rtol: number;
  /** Absolute tolerance. */
  atol: number;
}

/**
 * What a backend supports; core and the conformance suite adapt to it (skips are by capability).
 */
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
  /**
   * false: `readSync` cannot work on this device (WebGPU has no synchronous read-back), so core's
   * `dataSync()`, `item()` and `toArray()` throw a BackendError pointing to `await t.data()`, and
   * the conformance suite reads through `read()` only. Absent means true.
   */
  readonly syncRead?: boolean;
  /**
   * true: float32 arithmetic on this device may flush subnormal inputs and results to zero (of
   * either sign), as GLSL ES 3.0 and WGSL allow and GPU drivers (SwiftShader included) do, so
   * `exp(-100)` is 0 there and a subnormal counts as zero in comparisons. The conformance suite
   * skips cases that need subnormal arithmetic (`needs.subnormals`). Absent means false.
   */
  readonly flushesSubnormals?: boolean;
  /** Agreement with the float64 reference expected for each dtype. */
  readonly tolerance: Readonly<Partial<Record<DType, Tolerance>>>;
  /** Feature flags: 'blas', 'cuda', 'webgl2', 'float16', 'threads' … */
  readonly features: readonly string[];
}

/** Live allocations of a backend, used by leak checks. */
export interface BackendStats {
  /** Live buffers owned by the backend. */
  buffers: number;
  /** Bytes held by those buffers. */
  bytes: number;
}

/**
 * A compute backend: storage, one kernel per primitive, optional fused overrides. Register one with
 * `fl.use`.
 */
export interface Backend<B = unknown> {
  /** The device name tensors report (`'cpu'`, `'gpujs'`, `'native'`, `'cuda'`). */
  readonly name: string;
  /** What the backend supports. */
  readonly caps: Caps;
  /** A buffer of `size` elements of `dtype`; contents unspecified. */
  alloc(dtype: DType, size: number): B;
  /** Release a buffer; core calls it once its last tensor is gone. */
  free(buf: B): void;
  /**
   * Copy host data into a buffer: the whole buffer (`data.length` = its size), or, given `at`,
   * elements `at … at + data.length − 1` (a ranged write: loaders stream big tensors through a
   * small host buffer with it). Out-of-range writes are a BackendError.
   */
  write(buf: B, data: TypedArray, at?: number): void;
  /** Copy a whole buffer to the host. */
  read(buf: B, dtype: DType, size: number): Promise<TypedArray>;
  /** Copy a whole buffer to the host synchronously (where `caps.syncRead` allows). */
  readSync(buf: B, dtype: DType, size: number): TypedArray;
  /** One kernel per primitive. */
  readonly kernels: Kernels<B>;
  /** Fused replacements for some composites (optional). */
  readonly overrides?: Overrides<B>;
  /** Resolves when every queued kernel has finished. */
  sync(): Promise<void>;
  /** Live buffers and bytes. */
  stats(): BackendStats;
  /** Free every buffer and resource of the backend; it cannot be used afterwards. */
  dispose(): void;
}
