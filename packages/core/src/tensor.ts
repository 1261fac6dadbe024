/**
 * The Tensor: a strided view (shape, strides, offset, dtype) of a reference-counted Storage on one
 * device, plus autograd state. Every op method is a one-liner delegating to the op families under
 * ops/, so this file is the index of the public Tensor API.
 */
import { countTensor, type Storage } from './device.js';
import { type DType, isDType } from './dtype.js';
import { DisposedTensorError, GradError, ShapeError } from './errors.js';
import { noGrad } from './autograd/mode.js';
import { isContiguous, sizeOf } from './shape.js';
import { checkView } from './check/view.js';
import { bindTensorClass } from './check/spec.js';
import { guardMethods } from './check/args.js';
import { TENSOR_METHODS } from './check/specs/tensor.js';
import {
  type RemovableHandle,
  type TensorHook,
  registerHook as registerHookImpl,
  retainGrad as retainGradImpl,
  retainsGrad as retainsGradImpl,
} from './autograd/hooks.js';
import { track } from './scope.js';
import type { Node } from './autograd/node.js';
import { backward, type BackwardOptions } from './autograd/backward.js';
import { formatTensor } from './format.js';
import * as ip from './ops/inplace.js';
import { applyInPlace, setIndex, writeInto } from './ops/inplace.js';
import { viewOfGraph } from './autograd/inplace.js';
import { replaceGrad } from './autograd/grad-slot.js';
import { INSPECT, type TensorJSON, showTensor, tensorJSON } from './show.js';
import * as ew from './ops/elementwise.js';
import * as act from './ops/activation.js';
import * as actPiece from './ops/activation-piecewise.js';
import * as red from './ops/reduce.js';
import * as vw from './ops/views.js';
import * as sh from './ops/shape.js';
import * as ix from './ops/indexing.js';
import * as nz from './ops/nonzero.js';
import * as la from './ops/linalg.js';
import * as cv from './ops/convert.js';
import * as cr from './ops/creation.js';
import * as rnd from './ops/random.js';
import * as trig from './ops/trig.js';
import * as cmp from './ops/compare.js';
import * as ra from './ops/rearrange.js';
import * as so from './ops/sort.js';
import type { IndexSpec } from './ops/views.js';

/** A plain JS scalar operand: numbers, and booleans (which act as bool values). */
export type Scalar = number | boolean;
/** Either operand of a binary op: a tensor, or a scalar broadcast to the other operand's shape. */
export type Operand = Tensor | Scalar;
/** Nested JS arrays of scalars, as taken by `fl.tensor` and returned by `toArray()`. */
export type NestedArray = Scalar | readonly NestedArray[];

/** What the FinalizationRegistry frees when a tensor is collected without dispose(). */
interface Held {
  storage: Storage;
  node: Node | null;
}
const registry = new FinalizationRegistry<Held>((h) => {
  // Runs at an arbitrary later time, possibly after its backend was disposed: never throw here.
  try {
    countTensor(h.storage.backend.name, -1);
    h.storage.release();
    h.node?.decRef();
  } catch {
    /* the backend is gone; its memory went with it */
  }
});

/**
 * Dimension(s) to reduce: one (negative counts from the end), several, or `null`/`undefined` for
 * all.
 */
export type DimArg = number | readonly number[] | null | undefined;
/** Options form of a reduction's arguments: `x.sum({ dim: 1, keepdim: true })`. */
export interface ReduceOptions {
  /** Dimension(s) to reduce; all by default. */
  dim?: DimArg;
  /** Keep each reduced dimension with size 1 (default false), as in PyTorch. */
  keepdim?: boolean;
}
/** Options of `var` and `std`: the reduction options plus the divisor's correction. */
export interface VarOptions extends ReduceOptions {
  /** Subtracted from the count in the divisor: 1 (default) is the unbiased estimate. */
  correction?: number;
}

/**
 * An n-dimensional array on one device: a strided view (shape, strides, offset, dtype) of a shared
 * storage, with autograd state. Create tensors with `fl.tensor`, `fl.zeros`, `fl.randn` and
 * friends; views share storage with their base, as in PyTorch.
 */
export class Tensor {
  /** @internal */ readonly _isTensor = true;
  /** @internal Exempt from tidy scopes (parameters, gradients, saved tensors). */
  _kept = false;
  /** @internal Whether the FinalizationRegistry watches this tensor (see _register). */
  _registered = false;
  /** @internal For aliases saved by autograd: the leaf whose gradient they stand for. */
  _leaf: Tensor | undefined = undefined;
  private held: Held | null;
  /** Size of each dimension, e.g. `[2, 3]`; `[]` for a 0-d (scalar) tensor. */
  readonly shape: readonly number[];
  // Strides and offset change only when an in-place op re-points the tensor (see _assign).
  private _strides: readonly number[];
  private _offset: number;
  /** Element type: `'float32'`, `'float64'`, `'int32'` or `'bool'`. */
  readonly dtype: DType;
  private _requiresGrad = false;
  /**
   * The storage's autograd epoch this tensor's gradFn belongs to (see autograd/inplace.ts); -1
   * for tensors that never take a new one (detached tensors, tensors saved for backward).
   */
  private _epoch: number;
  /** Whether autograd tracks ops on this tensor. */
  get requiresGrad(): boolean {
    const h = this.held;
    if (h !== null && this._epoch !== h.storage.epoch) this._syncGraph();
    return this._requiresGrad;
  }
  /** Turn autograd tracking on or off; prefer `requiresGrad_()`, which checks the dtype. */
  set requiresGrad(on: boolean) {
    this._requiresGrad = on;
    if (on && this.held) this.held.storage.tracked = true;
  }
  private _grad: Tensor | null = null;
  /**
   * Accumulated gradient of a leaf after `backward()`. The tensor owns it: assigning `null` or
   * another tensor (checked for shape, dtype and device) disposes the previous gradient.
   */
  get grad(): Tensor | null {
    return this._grad;
  }
  /** Replace the gradient (disposing the previous one); `null` clears it. */
  set grad(g: Tensor | null) {
    this._grad = replaceGrad(this, this._grad, g);
  }

  /**
   * A view (shape, strides, offset) of `storage`. Prefer fl.tensor() and friends: this public
   * constructor checks that every element the view addresses lies inside the storage (ShapeError
   * otherwise, see check/view.ts). The dtype is always the storage's. It takes over one reference
   * to `storage` (pass `x.storage.retain()`), and releases it again when the check fails.
   */
  constructor(
    storage: Storage,
    shape: readonly number[],
    strides: readonly number[],
    offset: number,
    internal = false,
  ) {
    // Core's own constructions (fresh outputs, checked views) come through trustedTensor().
    if (trustNext) trustNext = false;
    else ({ shape, strides, offset } = checkView(storage, shape, strides, offset));
    this.held = { storage, node: null };
    this.shape = shape;
    this._strides = strides;
    this._offset = offset;
    this.dtype = storage.dtype;
    countTensor(storage.backend.name, 1);
    this._epoch = storage.epoch;
    if (internal) this._kept = true;
    // A tensor made inside a tidy scope is disposed by it unless it escapes, so it is registered
    // with the FinalizationRegistry only when it does (endScope, keep): registering and
    // unregistering every intermediate was a large share of a small op's cost.
    if (internal || !track(this)) this._register();
  }

  /** @internal Let the FinalizationRegistry free this tensor's buffer if it is collected. */
  _register(): void {
    if (this._registered || !this.held) return;
    registry.register(this, this.held, this);
    this._registered = true;
  }

  /** Element strides of this view. */
  get strides(): readonly number[] {
    return this._strides;
  }
  /** Element offset of this view into its buffer. */
  get offset(): number {
    return this._offset;
  }

  /**
   * @internal Write `src` (same shape and dtype) into this tensor's elements of its storage: the
   * basis of in-place ops. Every view of the storage sees the new values (ops/inplace.ts). With
   * `consume`, `src` is a result the caller made and disposes next, whose buffer may be taken
   * over instead of copied (the optimizers' fused updates). `'to'` (a device move) re-points
   * this tensor at `src`'s storage instead: a storage lives on one device.
   */
  _assign(src: Tensor, op: string, consume = false): this {
    if (op !== 'to') {
      writeInto(this, src, op, consume);
      return this;
    }
    const h = this.held;
    if (!h) throw new DisposedTensorError(`${op}: tensor ${fmt(this)} was used after dispose()`);
    if (
      src.dtype !== this.dtype ||
      src.shape.length !== this.shape.length ||
      src.shape.some((d, i) => d !== this.shape[i])
    )
      throw new ShapeError(`${op}: cannot write ${fmt(src)} into ${fmt(this)} in place`);
    const storage = src.storage.retain();
    if (storage.backend !== h.storage.backend) {
      countTensor(h.storage.backend.name, -1);
      countTensor(storage.backend.name, 1);
    }
    h.storage.release();
    h.storage = storage;
    this._strides = src.strides;
    this._offset = src.offset;
    this._epoch = this._epoch < 0 ? -1 : storage.epoch;
    if (src.gradFn) this._setGradFn(src.gradFn);
    return this;
  }

  /**
   * @internal After an in-place write recorded by autograd through another tensor on this
   * storage, take this tensor's gradFn anew as a view of the storage's new graph (torch
   * regenerates a view's grad_fn the same way).
   */
  _syncGraph(): void {
    const h = this.held;
    if (h === null || this._epoch < 0 || this._epoch === h.storage.epoch) return;
    this._epoch = h.storage.epoch;
    const g = h.storage.graph;
    if (g) this._setGradFn(viewOfGraph(this, g));
  }

  /** @internal Never take a new gradFn from the storage (detached and saved tensors). */
  _untrack(): void {
    this._epoch = -1;
  }
  /** @internal Whether _untrack() was called (views of such a tensor are untracked too). */
  get _untracked(): boolean {
    return this._epoch < 0;
  }

  /** @internal Move a leaf's data to another device in place (Module.to). */
  _moveTo(src: Tensor): this {
    return noGrad(() => this._assign(src, 'to'));
  }

  /** @internal */
  get storage(): Storage {
    if (!this.held) throw new DisposedTensorError(`tensor ${fmt(this)} was used after dispose()`);
    return this.held.storage;
  }
  /** The autograd node that produced this tensor (null for leaves and untracked results). */
  get gradFn(): Node | null {
    const h = this.held;
    if (h === null) return null;
    if (this._epoch !== h.storage.epoch) this._syncGraph();
    return h.node;
  }
  /** @internal */
  _setGradFn(node: Node | null): void {
    void this.storage; // throws if disposed
    const h = this.held!;
    node?.incRef();
    h.node?.decRef();
    h.node = node;
    this._requiresGrad = node !== null || this._requiresGrad;
  }
  /** Name of the device (registered backend) holding this tensor, e.g. `'cpu'`. */
  get device(): string {
    return this.storage.backend.name;
  }
  /** Number of dimensions (`shape.length`). */
  get ndim(): number {
    return this.shape.length;
  }
  /** Number of elements (the product of `shape`); a property, unlike torch's `size()`. */
  get size(): number {
    return sizeOf(this.shape);
  }
  /** Whether `dispose()` was called; using a disposed tensor throws `DisposedTensorError`. */
  get disposed(): boolean {
    return this.held === null;
  }
  /**
   * True when no recorded op produced this tensor (created tensors, parameters), as torch's
   * `is_leaf`.
   */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }
  /** Number of elements, as torch's `numel()`. */
  numel(): number {
    return sizeOf(this.shape);
  }
  /** Number of dimensions, as torch's `dim()`. */
  dim(): number {
    return this.shape.length;
  }
  /** Whether this view is laid out row-major in its storage (torch's `is_contiguous()`). */
  isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }

  /** Free this tensor's hold on its buffer, and its `.grad`. Idempotent. */
  dispose(): void {
    const h = this.held;
    if (!h) return;
    this.held = null;
    this.grad?.dispose();
    this.grad = null;
    if (this._registered) registry.unregister(this);
    countTensor(h.storage.backend.name, -1);
    h.storage.release();
    h.node?.decRef();
  }
  /** Same as `dispose()`, so that `using t = …` frees the tensor at the end of its block. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  // ---- data access ----
  /** Contiguous copy of the data, synchronously. */
  dataSync(): ReturnType<typeof cv.dataSync> {
    return cv.dataSync(this);
  }
  /**
   * Contiguous copy of the data as a typed array, asynchronously (awaits the device's read-back).
   */
  data(): ReturnType<typeof cv.data> {
    return cv.data(this);
  }
  /**
   * The values as nested JS arrays (booleans for bool tensors; a bare scalar for 0-d), like torch's
   * `tolist()`. Synchronous.
   */
  toArray(): NestedArray {
    return cv.toArray(this);
  }
  /**
   * The value of a one-element tensor as a number (ShapeError otherwise), like torch's `item()`.
   */
  item(): number {
    return cv.item(this);
  }
  /**
   * The values and metadata, e.g. `tensor([1., 2.], shape=[2], dtype=float32, device=cpu)`; long
   * tensors are summarised.
   */
  toString(): string {
    return formatTensor(this);
  }
  /** `console.log(t)` in Node shows `String(t)`, not the tensor's internals. */
  [INSPECT](): string {
    return showTensor(this);
  }
  /**
   * Print `String(t)` to the console, as tfjs's `t.print()`.
   * @example
   * fl.tensor([1, 2]).print(); // tensor([1., 2.], shape=[2], dtype=float32, device=cpu)
   */
  print(): void {
    console.log(showTensor(this));
  }
  /** `JSON.stringify(t)`: `{ dtype, shape, data }` with the values as nested arrays. */
  toJSON(): TensorJSON {
    return tensorJSON(this);
  }

  // ---- autograd ----
  /**
   * Backpropagate from this tensor: accumulates gradients into `.grad` of the leaves that require
   * grad. `gradient` (same shape) is required unless this tensor has one element, as in PyTorch.
   */
  backward(gradient?: Tensor, opts?: BackwardOptions): void {
    backward([this], gradient ? [gradient] : undefined, opts);
  }
  /**
   * A view sharing this tensor's storage, cut off from the autograd graph (`requiresGrad` false).
   */
  detach(): Tensor {
    return vw.detach(this);
  }
  /**
   * Call `fn` with this tensor's gradient whenever backward computes it; `fn` may return a
   * replacement (same shape, dtype and device). Returns a handle whose `remove()` unregisters it
   * (torch's `register_hook`).
   * @example
   * const x = fl.tensor([1, 2], { requiresGrad: true });
   * const h = x.registerHook((g) => g.clamp(-1, 1)); // clip what reaches x.grad
   * h.remove();
   */
  registerHook(fn: TensorHook): RemovableHandle {
    return registerHookImpl(this, fn);
  }
  /**
   * Keep this non-leaf tensor's gradient in `.grad` after backward, accumulated as a leaf's
   * (torch's `retain_grad`); a no-op on leaves, which always keep theirs.
   */
  retainGrad(): void {
    retainGradImpl(this);
  }
  /** Whether `retainGrad()` was called on this non-leaf tensor (torch's `retains_grad`). */
  get retainsGrad(): boolean {
    return retainsGradImpl(this);
  }
  /**
   * Set whether autograd tracks this tensor (float dtypes only; only a leaf can be switched off).
   * Returns `this`.
   */
  requiresGrad_(on = true): this {
    if (on && this.dtype !== 'float32' && this.dtype !== 'float64')
      throw new GradError(
        `requiresGrad_: only float tensors can require gradients, got ${this.dtype}`,
      );
    if (!on && this.gradFn)
      throw new GradError(
        'requiresGrad_(false): only leaf tensors can stop requiring grad; use detach()',
      );
    this.requiresGrad = on;
    return this;
  }

  // ---- conversion ----
  /** Convert to a dtype (`'float64'`) or copy to a device (`'cpu'`). */
  to(target: DType | string): Tensor {
    return isDType(target) ? cv.cast(this, target) : cv.toDevice(this, target);
  }
  /** Cast to float32 (`this` itself when already float32). */
  float(): Tensor {
    return cv.cast(this, 'float32');
  }
  /** Cast to float64 (`this` itself when already float64). */
  double(): Tensor {
    return cv.cast(this, 'float64');
  }
  /** Cast to int32 (`this` itself when already int32). */
  int(): Tensor {
    return cv.cast(this, 'int32');
  }
  /** Cast to bool: nonzero is true (`this` itself when already bool). */
  bool(): Tensor {
    return cv.cast(this, 'bool');
  }
  /** A contiguous copy with its own storage; differentiable, as torch's `clone()`. */
  clone(): Tensor {
    return vw.clone(this);
  }

  // ---- in place (PyTorch's trailing underscore); each returns `this` ----
  /**
   * In place: `f` computes the new values from `self` (this tensor, or a clone of it when autograd
   * records), written through to the storage so every view sees them (ops/inplace.ts).
   */
  private inPlace(op: string, f: (self: Tensor) => Tensor, ...operands: unknown[]): this {
    applyInPlace(this, op, f, operands);
    return this;
  }
  /**
   * In place: copy `src` (broadcast to this shape, cast to this dtype) into this tensor. Returns
   * `this`.
   */
  copy_(src: Tensor): this {
    return this.inPlace('copy_', () => cv.cast(src, this.dtype).expand(this.shape), src);
  }
  /** In place: set every element to `value`. Returns `this`. */
  fill_(value: number): this {
    // One value everywhere: allowed on expanded views too, as in torch.
    const f = () => cr.full(this.shape, value, { dtype: this.dtype, device: this.device });
    applyInPlace(this, 'fill_', f, [], true);
    return this;
  }
  /** In place: set every element to 0. Returns `this`. */
  zero_(): this {
    return this.fill_(0);
  }
  /** In place `this + other` (the result must keep this dtype). Returns `this`. */
  add_(other: Operand): this {
    return this.inPlace('add_', (s) => ew.castInPlace('add_', ew.add(s, other), s.dtype), other);
  }
  /** In place `this - other` (the result must keep this dtype). Returns `this`. */
  sub_(other: Operand): this {
    return this.inPlace('sub_', (s) => ew.castInPlace('sub_', ew.sub(s, other), s.dtype), other);
  }
  /** In place `this * other` (the result must keep this dtype). Returns `this`. */
  mul_(other: Operand): this {
    return this.inPlace('mul_', (s) => ew.castInPlace('mul_', ew.mul(s, other), s.dtype), other);
  }
  /** In place `this / other` (true division, so this tensor must be float). Returns `this`. */
  div_(other: Operand): this {
    return this.inPlace('div_', (s) => ew.castInPlace('div_', ew.div(s, other), s.dtype), other);
  }
  /** In place `clamp(min, max)`. Returns `this`. */
  clamp_(min?: Operand | null, max?: Operand | null): this {
    return this.inPlace(
      'clamp_',
      (s) => ew.castInPlace('clamp_', ew.clamp(s, min, max), s.dtype),
      min,
      max,
    );
  }
  /**
   * Slice assignment, torch's `x[index] = value`: writes `value` (a number, or a tensor broadcast
   * to the slice and cast to this dtype) into `x.index(...index)`, through to every view.
   * A single index is given as is, several as an array (Python's tuple): `x[0, 1:3] = v` is
   * `x.set([0, '1:3'], v)`. Returns `this`.
   * @example
   * const x = fl.zeros([2, 3]);
   * x.set(0, 5);                      // x[0] = 5
   * x.set([':', 1], fl.tensor([7, 8])); // x[:, 1] = [7, 8]
   */
  set(index: IndexSpec | readonly IndexSpec[], value: Operand): this {
    setIndex(this, index, value);
    return this;
  }
  /** Fill with samples from N(mean, std²). */
  normal_(mean = 0, std = 1): this {
    return this.inPlace('normal_', () =>
      cr.randn(this.shape, { dtype: this.dtype, device: this.device }).mul(std).add(mean),
    );
  }
  /** Fill with samples from U[low, high). */
  uniform_(low = 0, high = 1): this {
    return this.inPlace('uniform_', () =>
      cr
        .rand(this.shape, { dtype: this.dtype, device: this.device })
        .mul(high - low)
        .add(low),
    );
  }

  // ---- element-wise ----
  /** Element-wise `-x`. */
  neg(): Tensor {
    return ew.neg(this);
  }
  /** Element-wise absolute value. */
  abs(): Tensor {
    return ew.abs(this);
  }
  /** Element-wise sign: −1, 0 or 1 (NaN stays NaN). */
  sign(): Tensor {
    return ew.sign(this);
  }
  /** Element-wise eˣ. */
  exp(): Tensor {
    return ew.exp(this);
  }
  /** Element-wise eˣ − 1, accurate near 0. */
  expm1(): Tensor {
    return ew.expm1(this);
  }
  /** Element-wise natural logarithm. */
  log(): Tensor {
    return ew.log(this);
  }
  /** Element-wise ln(1 + x), accurate near 0. */
  log1p(): Tensor {
    return ew.log1p(this);
  }
  /** Element-wise base-2 logarithm. */
  log2(): Tensor {
    return ew.log2(this);
  }
  /** Element-wise square root (NaN for negative inputs). */
  sqrt(): Tensor {
    return ew.sqrt(this);
  }
  /** Element-wise 1/√x. */
  rsqrt(): Tensor {
    return ew.rsqrt(this);
  }
  /** Element-wise x². */
  square(): Tensor {
    return ew.square(this);
  }
  /** Element-wise 1/x. */
  reciprocal(): Tensor {
    return ew.reciprocal(this);
  }
  /** Element-wise sine (radians). */
  sin(): Tensor {
    return ew.sin(this);
  }
  /** Element-wise cosine (radians). */
  cos(): Tensor {
    return ew.cos(this);
  }
  /** Element-wise hyperbolic tangent. */
  tanh(): Tensor {
    return ew.tanh(this);
  }
  /** Element-wise logistic function 1/(1 + e⁻ˣ). */
  sigmoid(): Tensor {
    return ew.sigmoid(this);
  }
  /** Element-wise Gauss error function. */
  erf(): Tensor {
    return ew.erf(this);
  }
  /** Element-wise round down; integers are returned unchanged. */
  floor(): Tensor {
    return ew.floor(this);
  }
  /** Element-wise round up; integers are returned unchanged. */
  ceil(): Tensor {
    return ew.ceil(this);
  }
  /**
   * Element-wise round to nearest, ties to even (as torch.round); integers are returned unchanged.
   */
  round(): Tensor {
    return ew.round(this);
  }
  /** Element-wise round toward zero; integers are returned unchanged. */
  trunc(): Tensor {
    return ew.trunc(this);
  }
  /** Element-wise max(x, 0). */
  relu(): Tensor {
    return act.relu(this);
  }
  /** Element-wise x for x > 0, else `negativeSlope`·x (torch's leaky_relu). */
  leakyRelu(negativeSlope = 0.01): Tensor {
    return act.leakyRelu(this, negativeSlope);
  }
  /** Element-wise x for x > 0, else α·(eˣ − 1) (torch's elu). */
  elu(alpha = 1): Tensor {
    return act.elu(this, alpha);
  }
  /** Gaussian error linear unit x·Φ(x); `'tanh'` uses the tanh approximation, as torch's gelu. */
  gelu(approximate: 'none' | 'tanh' = 'none'): Tensor {
    return act.gelu(this, approximate);
  }
  /** Element-wise x·sigmoid(x) (swish). */
  silu(): Tensor {
    return act.silu(this);
  }
  /** Element-wise log(1 + e^(βx))/β, linear where βx > `threshold` (torch's softplus). */
  softplus(beta = 1, threshold = 20): Tensor {
    return act.softplus(this, beta, threshold);
  }
  /** Element-wise x for x > 0, else weight·x; `weight` has 1 value or one per channel (dim 1). */
  prelu(weight: Tensor): Tensor {
    return actPiece.prelu(this, weight);
  }
  /** Element-wise 0 where −λ ≤ x ≤ λ, else x (torch's hardshrink). */
  hardshrink(lambd = 0.5): Tensor {
    return actPiece.hardshrink(this, lambd);
  }
  /**
   * Clamp each element into [min, max]; either bound may be omitted (not both), and may be a
   * tensor.
   */
  clamp(min?: Operand | null, max?: Operand | null): Tensor {
    return ew.clamp(this, min, max);
  }
  /** Element-wise `this + other`, with broadcasting and dtype promotion. */
  add(other: Operand): Tensor {
    return ew.add(this, other);
  }
  /**
   * Element-wise `this - other`, with broadcasting and dtype promotion (no bool operands, as in
   * PyTorch).
   */
  sub(other: Operand): Tensor {
    return ew.sub(this, other);
  }
  /** Element-wise `this * other`, with broadcasting and dtype promotion. */
  mul(other: Operand): Tensor {
    return ew.mul(this, other);
  }
  /**
   * Element-wise true division `this / other` with broadcasting; integer inputs give float32, as in
   * PyTorch.
   */
  div(other: Operand): Tensor {
    return ew.div(this, other);
  }
  /**
   * Element-wise Python-style remainder (takes the divisor's sign); an int32 divisor of 0 is a
   * DTypeError.
   */
  remainder(other: Operand): Tensor {
    return ew.remainder(this, other);
  }
  /** Element-wise `this ** exponent`, with broadcasting and dtype promotion. */
  pow(exponent: Operand): Tensor {
    return ew.pow(this, exponent);
  }
  /** Element-wise larger of the two operands (NaN propagates), with broadcasting. */
  maximum(other: Operand): Tensor {
    return ew.maximum(this, other);
  }
  /** Element-wise smaller of the two operands (NaN propagates), with broadcasting. */
  minimum(other: Operand): Tensor {
    return ew.minimum(this, other);
  }
  /** Element-wise `==`, as a bool tensor. */
  eq(other: Operand): Tensor {
    return ew.eq(this, other);
  }
  /** Element-wise `!=`, as a bool tensor. */
  ne(other: Operand): Tensor {
    return ew.ne(this, other);
  }
  /** Element-wise `<`, as a bool tensor. */
  lt(other: Operand): Tensor {
    return ew.lt(this, other);
  }
  /** Element-wise `<=`, as a bool tensor. */
  le(other: Operand): Tensor {
    return ew.le(this, other);
  }
  /** Element-wise `>`, as a bool tensor. */
  gt(other: Operand): Tensor {
    return ew.gt(this, other);
  }
  /** Element-wise `>=`, as a bool tensor. */
  ge(other: Operand): Tensor {
    return ew.ge(this, other);
  }
  /** Element-wise logical AND of truthiness (nonzero is true), as a bool tensor. */
  logicalAnd(other: Operand): Tensor {
    return ew.logicalAnd(this, other);
  }
  /** Element-wise logical OR of truthiness (nonzero is true), as a bool tensor. */
  logicalOr(other: Operand): Tensor {
    return ew.logicalOr(this, other);
  }
  /** Element-wise logical NOT (zero becomes true), as a bool tensor. */
  logicalNot(): Tensor {
    return ew.logicalNot(this);
  }
  /** Bool tensor: true where the element is NaN. */
  isnan(): Tensor {
    return ew.isnan(this);
  }
  /** Bool tensor: true where the element is neither NaN nor ±∞. */
  isfinite(): Tensor {
    return ew.isfinite(this);
  }
  /**
   * Replace NaN by `nan`, +∞ by `posinf` and −∞ by `neginf` (default: the dtype's largest finite
   * values). Non-float tensors are copied unchanged.
   */
  nanToNum(nan = 0, posinf?: number, neginf?: number): Tensor {
    return ew.nanToNum(this, nan, posinf, neginf);
  }
  /** `x.where(cond, y)` is `where(cond, x, y)`, as in PyTorch. */
  where(cond: Tensor, other: Operand): Tensor {
    return ew.where(cond, this, other);
  }

  // ---- reductions ----
  /**
   * Sum over `dim` (all elements by default); `keepdim` keeps reduced dims with size 1. Bool sums
   * to int32.
   */
  sum(dim?: DimArg | ReduceOptions, keepdim?: boolean): Tensor {
    return red.sum(this, dim, keepdim);
  }
  /** Arithmetic mean over `dim` (all elements by default); `keepdim` as in `sum`. */
  mean(dim?: DimArg | ReduceOptions, keepdim?: boolean): Tensor {
    return red.mean(this, dim, keepdim);
  }
  /** Product over `dim` (all elements by default); `keepdim` as in `sum`. */
  prod(dim?: DimArg | ReduceOptions, keepdim?: boolean): Tensor {
    return red.prod(this, dim, keepdim);
  }
  /** The largest element, as a 0-d tensor. */
  max(): Tensor;
  /** Element-wise maximum with `other` (as `maximum`). */
  max(other: Tensor): Tensor;
  /** Largest values along `dim` and their (first) indices, as torch's `max(dim)`. */
  max(dim: number | (ReduceOptions & { dim: number }), keepdim?: boolean): red.ValuesIndices;
  max(dim?: number | Tensor | ReduceOptions, keepdim?: boolean): Tensor | red.ValuesIndices {
    return red.maxOf(this, dim, keepdim);
  }
  /** The smallest element, as a 0-d tensor. */
  min(): Tensor;
  /** Element-wise minimum with `other` (as `minimum`). */
  min(other: Tensor): Tensor;
  /** Smallest values along `dim` and their (first) indices, as torch's `min(dim)`. */
  min(dim: number | (ReduceOptions & { dim: number }), keepdim?: boolean): red.ValuesIndices;
  min(dim?: number | Tensor | ReduceOptions, keepdim?: boolean): Tensor | red.ValuesIndices {
    return red.minOf(this, dim, keepdim);
  }
  /** Largest values over `dim` (all by default), without indices; `keepdim` as in `sum`. */
  amax(dim?: DimArg | ReduceOptions, keepdim?: boolean): Tensor {
    return red.amax(this, dim, keepdim);
  }
  /** Smallest values over `dim` (all by default), without indices; `keepdim` as in `sum`. */
  amin(dim?: DimArg | ReduceOptions, keepdim?: boolean): Tensor {
    return red.amin(this, dim, keepdim);
  }
  /**
   * Index of the (first) largest value along `dim`, or in the flattened tensor when `dim` is
   * omitted.
   */
  argmax(dim?: number | ReduceOptions, keepdim?: boolean): Tensor {
    return red.argmax(this, dim, keepdim);
  }
  /**
   * Index of the (first) smallest value along `dim`, or in the flattened tensor when `dim` is
   * omitted.
   */
  argmin(dim?: number | ReduceOptions, keepdim?: boolean): Tensor {
    return red.argmin(this, dim, keepdim);
  }
  /**
   * Variance over `dim` (all by default); `correction` 1 (default) is the unbiased estimate, as in
   * PyTorch.
   */
  var(dim?: DimArg | VarOptions, keepdim?: boolean): Tensor {
    return red.variance(this, dim, keepdim);
  }
  /** Standard deviation over `dim` (all by default); `correction` as in `var`. */
  std(dim?: DimArg | VarOptions, keepdim?: boolean): Tensor {
    return red.std(this, dim, keepdim);
  }
  /** log Σ exp(x) over `dim`, computed stably (the max is subtracted first). */
  logsumexp(dim: DimArg, keepdim = false): Tensor {
    return red.logsumexp(this, dim, keepdim);
  }
  /** Bool: whether every element over `dim` (all by default) is nonzero. */
  all(dim?: DimArg | ReduceOptions, keepdim?: boolean): Tensor {
    return red.all(this, dim, keepdim);
  }
  /** Bool: whether any element over `dim` (all by default) is nonzero. */
  any(dim?: DimArg | ReduceOptions, keepdim?: boolean): Tensor {
    return red.any(this, dim, keepdim);
  }
  /**
   * Vector p-norm over `dim` (all elements by default); p may be 2, 1, ±∞, 0 or any real. Float
   * dtypes only.
   */
  norm(p: number = 2, dim?: DimArg, keepdim = false): Tensor {
    return red.norm(this, p, dim, keepdim);
  }
  /** Cumulative sum along `dim`, as torch.cumsum. */
  cumsum(dim: number): Tensor {
    return red.cumsum(this, dim);
  }
  /** Cumulative product along `dim`, as torch.cumprod (gradient exact where x has zeros). */
  cumprod(dim: number): Tensor {
    return ra.cumprod(this, dim);
  }
  /** Element-wise tangent (radians), as torch.tan. */
  tan(): Tensor {
    return trig.tan(this);
  }
  /** Element-wise arctangent, as torch.atan. */
  atan(): Tensor {
    return trig.atan(this);
  }
  /** Element-wise arcsine (NaN outside [−1, 1]), as torch.asin. */
  asin(): Tensor {
    return trig.asin(this);
  }
  /** Element-wise arccosine (NaN outside [−1, 1]), as torch.acos. */
  acos(): Tensor {
    return trig.acos(this);
  }
  /** Element-wise angle of (other, this) in [−π, π]: this is y, `other` is x, as torch.atan2. */
  atan2(other: Tensor): Tensor {
    return trig.atan2(this, other);
  }
  /** Element-wise |this − other| ≤ atol + rtol·|other|, as torch.isclose (see `fl.isclose`). */
  isclose(other: Tensor, opts?: cmp.CloseOptions): Tensor {
    return cmp.isclose(this, other, opts);
  }
  /** Whether every element is close to `other`, as a JS boolean, as torch.allclose. */
  allclose(other: Tensor, opts?: cmp.CloseOptions): boolean {
    return cmp.allclose(this, other, opts);
  }
  /** Element-wise logical XOR of truthiness, as a bool tensor, as torch.logical_xor. */
  logicalXor(other: Operand): Tensor {
    return cmp.logicalXor(this, other);
  }
  /** The slices along `dim` (default 0) without that dim, as views, as torch.unbind. */
  unbind(dim = 0): Tensor[] {
    return ra.unbind(this, dim);
  }
  /** Shift elements along `dims` by `shifts`, wrapping around; flattened without dims. */
  roll(shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
    return ra.roll(this, shifts, dims);
  }
  /** 1-D: a matrix with this on diagonal `diagonal`; 2-D: that diagonal, as torch.diag. */
  diag(diagonal = 0): Tensor {
    return ra.diag(this, diagonal);
  }
  /**
   * Samples 1 with probability given by this (float) tensor, else 0, as torch.bernoulli; with a
   * number `p`, this tensor gives only the shape and dtype.
   */
  bernoulli(p?: number): Tensor {
    return rnd.bernoulli(this, p);
  }
  /** In place: fill with 1 with probability `p` (a number, default 0.5, or a tensor), else 0. */
  bernoulli_(p: number | Tensor = 0.5): this {
    return this.inPlace('bernoulli_', () => rnd.bernoulliValues(this, p), p);
  }
  /** `numSamples` category indices per row of these weights, as torch.multinomial. */
  multinomial(numSamples: number, replacement = false): Tensor {
    return rnd.multinomial(this, numSamples, replacement);
  }
  /**
   * Sorted `values` along `dim` (last by default) and their `indices` (int32), as torch.sort;
   * stable, NaN last (first when `descending`).
   */
  sort(dim?: number | so.SortOptions, descending?: boolean): red.ValuesIndices {
    return so.sort(this, dim, descending);
  }
  /** The int32 indices that sort this tensor along `dim` (last by default), as torch.argsort. */
  argsort(dim?: number | so.SortOptions, descending?: boolean): Tensor {
    return so.argsort(this, dim, descending);
  }
  /** Sorted along the first dim, as torch.msort. */
  msort(): Tensor {
    return so.msort(this);
  }
  /** The `k` largest (or with `largest: false` smallest) values along `dim` and their indices. */
  topk(
    k: number,
    dim?: number | so.TopkOptions,
    largest?: boolean,
    sorted?: boolean,
  ): red.ValuesIndices {
    return so.topk(this, k, dim, largest, sorted);
  }
  /** The `k`-th smallest value (k from 1) along `dim` (last by default) and its index. */
  kthvalue(k: number, dim?: number | so.SelectOptions, keepdim?: boolean): red.ValuesIndices {
    return so.kthvalue(this, k, dim, keepdim);
  }
  /** The lower median of all elements, as a 0-d tensor (NaN if any element is NaN). */
  median(): Tensor;
  /** Lower medians along `dim` and their indices (int32), as torch.median(dim). */
  median(dim: number | so.SelectOptions, keepdim?: boolean): red.ValuesIndices;
  median(dim?: number | so.SelectOptions, keepdim?: boolean): Tensor | red.ValuesIndices {
    return dim === undefined ? so.median(this) : so.median(this, dim, keepdim);
  }
  /** Softmax along `dim`: exp(x) normalised to sum to 1, computed stably. */
  softmax(dim: number): Tensor {
    return red.softmax(this, dim);
  }
  /** log(softmax(x)) along `dim`, computed stably. */
  logSoftmax(dim: number): Tensor {
    return red.logSoftmax(this, dim);
  }

  // ---- views ----
  /**
   * The same elements in a new shape (one size may be −1): a view when the layout allows, else a
   * copy.
   */
  reshape(...shape: (number | readonly number[])[]): Tensor {
    return vw.reshape(this, vw.shapeArgs(shape));
  }
  /**
   * Like `reshape`, but always a view sharing storage: throws ShapeError when the layout cannot be
   * viewed.
   */
  view(...shape: (number | readonly number[])[]): Tensor {
    return vw.view(this, vw.shapeArgs(shape));
  }
  /** Merge dims `startDim`…`endDim` (all by default) into one. */
  flatten(startDim = 0, endDim = -1): Tensor {
    return vw.flatten(this, startDim, endDim);
  }
  /** View with a new size-1 dimension inserted at `dim`. */
  unsqueeze(dim: number): Tensor {
    return vw.unsqueeze(this, dim);
  }
  /** View without size-1 dimensions (all of them, or only those in `dim`). */
  squeeze(dim?: number | readonly number[]): Tensor {
    return vw.squeeze(this, dim);
  }
  /** View with the dimensions reordered: dim `i` of the result is dim `dims[i]` of this tensor. */
  permute(...dims: (number | readonly number[])[]): Tensor {
    return vw.permute(this, vw.shapeArgs(dims));
  }
  /** View with dimensions `dim0` and `dim1` swapped. */
  transpose(dim0: number, dim1: number): Tensor {
    return vw.transpose(this, dim0, dim1);
  }
  /** Reverses all dimensions (the matrix transpose for 2-D tensors). */
  get T(): Tensor {
    return vw.permute(
      this,
      this.shape.map((_, i) => this.shape.length - 1 - i),
    );
  }
  /** Broadcast view to `sizes` (−1 keeps a dim) using zero strides: no copy. */
  expand(...sizes: (number | readonly number[])[]): Tensor {
    return vw.expand(this, vw.shapeArgs(sizes));
  }
  /** Broadcast view to `other`'s shape. */
  expandAs(other: Tensor): Tensor {
    return vw.expand(this, other.shape);
  }
  /** Broadcast view to `shape` (as `expand`). */
  broadcastTo(shape: readonly number[]): Tensor {
    return vw.expand(this, shape);
  }
  /** View of `length` entries along `dim` starting at `start`. */
  narrow(dim: number, start: number, length: number): Tensor {
    return vw.narrow(this, dim, start, length);
  }
  /**
   * View of `start:end:step` along `dim`, with Python's rules (negative and out-of-range bounds
   * clamp; step ≥ 1).
   */
  slice(dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
    return vw.slice(this, dim, start, end, step);
  }
  /** View with the order of entries reversed along `dims`. */
  flip(dims: number | readonly number[]): Tensor {
    return vw.flip(this, dims);
  }
  /** This tensor if already contiguous, else a contiguous copy. */
  contiguous(): Tensor {
    return vw.contiguous(this);
  }
  /**
   * torch's `x[...]`. Basic indexing — ints, 'start:stop:step' strings, null (new axis), '...' —
   * gives a view. Advanced indexing — an int32 tensor or number array (gathers along its dim;
   * negative indices wrap; several broadcast together), a bool tensor or boolean array (a mask
   * over as many dims as it has) — gives a copy, differentiable (duplicates accumulate).
   * @example
   * const x = fl.arange(6).reshape([2, 3]);
   * x.index(':', [0, 2]);            // x[:, [0, 2]]: [[0, 2], [3, 5]]
   * x.index(x.gt(2));                // x[x > 2]: [3, 4, 5]
   */
  index(...specs: IndexSpec[]): Tensor {
    return vw.index(this, specs);
  }
  /**
   * torch's `index_put_`: writes `values` (this dtype, broadcast) at the positions the index
   * tensors (int32 or bool, one per leading dim) name; with `accumulate`, added (duplicates
   * accumulate), else the last duplicate wins. In place; returns `this`.
   */
  indexPut_(indices: readonly Tensor[], values: Tensor, accumulate = false): this {
    ip.indexPut_(this, indices, values, accumulate);
    return this;
  }
  /** Out-of-place `indexPut_` (torch's `index_put`): a copy with the values written. */
  indexPut(indices: readonly Tensor[], values: Tensor, accumulate = false): Tensor {
    return ip.indexPut(this, indices, values, accumulate);
  }

  // ---- shape and indexing ----
  /**
   * Views of consecutive pieces along `dim`: each of size `sizeOrSections` (the last may be
   * smaller), or of the listed sizes.
   */
  split(sizeOrSections: number | readonly number[], dim = 0): Tensor[] {
    return sh.split(this, sizeOrSections, dim);
  }
  /**
   * Split into at most `chunks` views of equal size along `dim` (the last may be smaller), as
   * torch.chunk.
   */
  chunk(chunks: number, dim = 0): Tensor[] {
    return sh.chunk(this, chunks, dim);
  }
  /**
   * Pad with F.pad's convention: `pad` lists (before, after) pairs from the last dim; mode
   * `'constant'` (with `value`), `'reflect'` or `'replicate'`. Negative padding crops.
   */
  pad(pad: readonly number[], mode: sh.PadMode = 'constant', value = 0): Tensor {
    return sh.pad(this, pad, mode, value);
  }
  /**
   * New contiguous tensor repeating the whole tensor `sizes[i]` times along each dim (torch's
   * `repeat`).
   */
  repeat(...sizes: (number | readonly number[])[]): Tensor {
    return sh.repeat(this, vw.shapeArgs(sizes));
  }
  /**
   * Repeat along each dim as torch.tile: like `repeat`, with fewer `dims` than dims padded with
   * leading 1s.
   */
  tile(dims: readonly number[]): Tensor {
    return sh.tile(this, dims);
  }
  /**
   * Copy keeping the lower triangle (on and below `diagonal`) of the last two dims, zeros
   * elsewhere.
   */
  tril(diagonal = 0): Tensor {
    return sh.tril(this, diagonal);
  }
  /**
   * Copy keeping the upper triangle (on and above `diagonal`) of the last two dims, zeros
   * elsewhere.
   */
  triu(diagonal = 0): Tensor {
    return sh.triu(this, diagonal);
  }
  /**
   * Values picked along `dim` by an int32 `index` of the output's shape: `out[i][j] =
   * x[i][index[i][j]]` for dim 1.
   */
  gather(dim: number, index: Tensor): Tensor {
    return ix.gather(this, dim, index);
  }
  /**
   * A copy with `src` added at the positions `index` names along `dim` (duplicates accumulate), as
   * torch's `scatter_add`.
   */
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return ix.scatterAdd(this, dim, index, src);
  }
  /**
   * Entries along `dim` chosen by a 1-D int32 index (or array of numbers), as torch's
   * `index_select`.
   */
  indexSelect(dim: number, index: Tensor | readonly number[]): Tensor {
    return ix.indexSelect(this, dim, index);
  }
  /** Copy with `value` where the bool `mask` (broadcast) is true; keeps this dtype. */
  maskedFill(mask: Tensor, value: Operand): Tensor {
    return ix.maskedFill(this, mask, value);
  }
  /** In place `maskedFill`: `value` (a number or 0-d tensor) where `mask` is true. Returns `this`. */
  maskedFill_(mask: Tensor, value: Operand): this {
    ip.maskedFill_(this, mask, value);
    return this;
  }
  /** The elements where the bool `mask` (broadcast) is true, as a new 1-D tensor. */
  maskedSelect(mask: Tensor): Tensor {
    return nz.maskedSelect(this, mask);
  }
  /** `maskedSelect` awaiting the read of the mask (devices without synchronous read-back). */
  maskedSelectAsync(mask: Tensor): Promise<Tensor> {
    return nz.maskedSelectAsync(this, mask);
  }
  /**
   * Indices of the non-zero elements: int32 `[n, ndim]`, or with `{ asTuple: true }` one int32
   * `[n]` tensor per dim (which `index` takes: `x.index(...m.nonzero({ asTuple: true }))`).
   */
  nonzero(options?: { asTuple?: false }): Tensor;
  nonzero(options: { asTuple: true }): Tensor[];
  nonzero(options: nz.NonzeroOptions = {}): Tensor | Tensor[] {
    return nz.nonzero(this, options);
  }
  /** `nonzero` awaiting the read (devices without synchronous read-back). */
  nonzeroAsync(options?: { asTuple?: false }): Promise<Tensor>;
  nonzeroAsync(options: { asTuple: true }): Promise<Tensor[]>;
  nonzeroAsync(options: nz.NonzeroOptions = {}): Promise<Tensor | Tensor[]> {
    return nz.nonzeroAsync(this, options);
  }
  /** Indices of the non-zero elements as int32 `[n, ndim]` (torch.argwhere). */
  argwhere(): Tensor {
    return nz.argwhere(this);
  }

  // ---- linear algebra ----
  /**
   * Matrix product with torch.matmul's rules: 1-D operands act as vectors, leading dims broadcast.
   */
  matmul(other: Tensor): Tensor {
    return la.matmul(this, other);
  }
  /** Batched matrix product of `[b, n, m]` and `[b, m, p]` tensors, giving `[b, n, p]`. */
  bmm(other: Tensor): Tensor {
    return la.bmm(this, other);
  }
  /** Outer product of two 1-D tensors: `[n]` and `[m]` give `[n, m]`. */
  outer(other: Tensor): Tensor {
    return la.outer(this, other);
  }
  /** Inner product of two 1-D tensors of equal length, as a 0-d tensor. */
  dot(other: Tensor): Tensor {
    return la.dot(this, other);
  }
}

// Every public method checks its arguments against its spec (check/specs/tensor.ts) first.
bindTensorClass(Tensor);
guardMethods(Tensor, TENSOR_METHODS);

let trustNext = false;
/**
 * @internal A tensor whose metadata core has already made valid (a fresh contiguous output, a
 * view checked by its op): skips the public constructor's check, which every op would pay.
 */
export function trustedTensor(
  storage: Storage,
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
  internal = false,
): Tensor {
  trustNext = true;
  return new Tensor(storage, shape, strides, offset, internal);
}

/** Short description of a tensor for error messages: `[2,3] float32`. */
export function fmt(t: Tensor): string {
  return `[${t.shape.join(',')}] ${t.dtype}`;
}

/** Whether `x` is a Flint Tensor. */
export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}
