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
import { track } from './scope.js';
import type { Node } from './autograd/node.js';
import { backward, type BackwardOptions } from './autograd/backward.js';
import { formatTensor } from './format.js';
import { applyInPlace, setIndex, writeInto } from './ops/inplace.js';
import { viewOfGraph } from './autograd/inplace.js';
import { replaceGrad } from './autograd/grad-slot.js';
import { INSPECT, type TensorJSON, showTensor, tensorJSON } from './show.js';
import * as ew from './ops/elementwise.js';
import * as act from './ops/activation.js';
import * as red from './ops/reduce.js';
import * as vw from './ops/views.js';
import * as sh from './ops/shape.js';
import * as ix from './ops/indexing.js';
import * as la from './ops/linalg.js';
import * as cv from './ops/convert.js';
import * as cr from './ops/creation.js';
import type { IndexSpec } from './ops/views.js';

export type Scalar = number | boolean;
export type Operand = Tensor | Scalar;
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

export type DimArg = number | readonly number[] | null | undefined;
export interface ReduceOptions {
  dim?: DimArg;
  keepdim?: boolean;
}
export interface VarOptions extends ReduceOptions {
  /** Subtracted from the count in the divisor: 1 (default) is the unbiased estimate. */
  correction?: number;
}

export class Tensor {
  /** @internal */ readonly _isTensor = true;
  /** @internal Exempt from tidy scopes (parameters, gradients, saved tensors). */
  _kept = false;
  /** @internal Whether the FinalizationRegistry watches this tensor (see _register). */
  _registered = false;
  /** @internal For aliases saved by autograd: the leaf whose gradient they stand for. */
  _leaf: Tensor | undefined = undefined;
  private held: Held | null;
  readonly shape: readonly number[];
  // Strides and offset change only when an in-place op re-points the tensor (see _assign).
  private _strides: readonly number[];
  private _offset: number;
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
  get device(): string {
    return this.storage.backend.name;
  }
  get ndim(): number {
    return this.shape.length;
  }
  get size(): number {
    return sizeOf(this.shape);
  }
  get disposed(): boolean {
    return this.held === null;
  }
  get isLeaf(): boolean {
    return this.gradFn === null;
  }
  numel(): number {
    return sizeOf(this.shape);
  }
  dim(): number {
    return this.shape.length;
  }
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
  [Symbol.dispose](): void {
    this.dispose();
  }

  // ---- data access ----
  /** Contiguous copy of the data, synchronously. */
  dataSync(): ReturnType<typeof cv.dataSync> {
    return cv.dataSync(this);
  }
  data(): ReturnType<typeof cv.data> {
    return cv.data(this);
  }
  toArray(): NestedArray {
    return cv.toArray(this);
  }
  item(): number {
    return cv.item(this);
  }
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
  backward(gradient?: Tensor, opts?: BackwardOptions): void {
    backward([this], gradient ? [gradient] : undefined, opts);
  }
  detach(): Tensor {
    return vw.detach(this);
  }
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
  float(): Tensor {
    return cv.cast(this, 'float32');
  }
  double(): Tensor {
    return cv.cast(this, 'float64');
  }
  int(): Tensor {
    return cv.cast(this, 'int32');
  }
  bool(): Tensor {
    return cv.cast(this, 'bool');
  }
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
  copy_(src: Tensor): this {
    return this.inPlace('copy_', () => cv.cast(src, this.dtype).expand(this.shape), src);
  }
  fill_(value: number): this {
    // One value everywhere: allowed on expanded views too, as in torch.
    const f = () => cr.full(this.shape, value, { dtype: this.dtype, device: this.device });
    applyInPlace(this, 'fill_', f, [], true);
    return this;
  }
  zero_(): this {
    return this.fill_(0);
  }
  add_(other: Operand): this {
    return this.inPlace('add_', (s) => ew.castInPlace('add_', ew.add(s, other), s.dtype), other);
  }
  sub_(other: Operand): this {
    return this.inPlace('sub_', (s) => ew.castInPlace('sub_', ew.sub(s, other), s.dtype), other);
  }
  mul_(other: Operand): this {
    return this.inPlace('mul_', (s) => ew.castInPlace('mul_', ew.mul(s, other), s.dtype), other);
  }
  div_(other: Operand): this {
    return this.inPlace('div_', (s) => ew.castInPlace('div_', ew.div(s, other), s.dtype), other);
  }
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
  neg(): Tensor {
    return ew.neg(this);
  }
  abs(): Tensor {
    return ew.abs(this);
  }
  sign(): Tensor {
    return ew.sign(this);
  }
  exp(): Tensor {
    return ew.exp(this);
  }
  expm1(): Tensor {
    return ew.expm1(this);
  }
  log(): Tensor {
    return ew.log(this);
  }
  log1p(): Tensor {
    return ew.log1p(this);
  }
  log2(): Tensor {
    return ew.log2(this);
  }
  sqrt(): Tensor {
    return ew.sqrt(this);
  }
  rsqrt(): Tensor {
    return ew.rsqrt(this);
  }
  square(): Tensor {
    return ew.square(this);
  }
  reciprocal(): Tensor {
    return ew.reciprocal(this);
  }
  sin(): Tensor {
    return ew.sin(this);
  }
  cos(): Tensor {
    return ew.cos(this);
  }
  tanh(): Tensor {
    return ew.tanh(this);
  }
  sigmoid(): Tensor {
    return ew.sigmoid(this);
  }
  erf(): Tensor {
    return ew.erf(this);
  }
  floor(): Tensor {
    return ew.floor(this);
  }
  ceil(): Tensor {
    return ew.ceil(this);
  }
  round(): Tensor {
    return ew.round(this);
  }
  trunc(): Tensor {
    return ew.trunc(this);
  }
  relu(): Tensor {
    return act.relu(this);
  }
  leakyRelu(negativeSlope = 0.01): Tensor {
    return act.leakyRelu(this, negativeSlope);
  }
  elu(alpha = 1): Tensor {
    return act.elu(this, alpha);
  }
  gelu(approximate: 'none' | 'tanh' = 'none'): Tensor {
    return act.gelu(this, approximate);
  }
  silu(): Tensor {
    return act.silu(this);
  }
  softplus(beta = 1, threshold = 20): Tensor {
    return act.softplus(this, beta, threshold);
  }
  clamp(min?: Operand | null, max?: Operand | null): Tensor {
    return ew.clamp(this, min, max);
  }
  add(other: Operand): Tensor {
    return ew.add(this, other);
  }
  sub(other: Operand): Tensor {
    return ew.sub(this, other);
  }
  mul(other: Operand): Tensor {
    return ew.mul(this, other);
  }
  div(other: Operand): Tensor {
    return ew.div(this, other);
  }
  remainder(other: Operand): Tensor {
    return ew.remainder(this, other);
  }
  pow(exponent: Operand): Tensor {
    return ew.pow(this, exponent);
  }
  maximum(other: Operand): Tensor {
    return ew.maximum(this, other);
  }
  minimum(other: Operand): Tensor {
    return ew.minimum(this, other);
  }
  eq(other: Operand): Tensor {
    return ew.eq(this, other);
  }
  ne(other: Operand): Tensor {
    return ew.ne(this, other);
  }
  lt(other: Operand): Tensor {
    return ew.lt(this, other);
  }
  le(other: Operand): Tensor {
    return ew.le(this, other);
  }
  gt(other: Operand): Tensor {
    return ew.gt(this, other);
  }
  ge(other: Operand): Tensor {
    return ew.ge(this, other);
  }
  logicalAnd(other: Operand): Tensor {
    return ew.logicalAnd(this, other);
  }
  logicalOr(other: Operand): Tensor {
    return ew.logicalOr(this, other);
  }
  logicalNot(): Tensor {
    return ew.logicalNot(this);
  }
  isnan(): Tensor {
    return ew.isnan(this);
  }
  isfinite(): Tensor {
    return ew.isfinite(this);
  }
  nanToNum(nan = 0, posinf?: number, neginf?: number): Tensor {
    return ew.nanToNum(this, nan, posinf, neginf);
  }
  /** `x.where(cond, y)` is `where(cond, x, y)`, as in PyTorch. */
  where(cond: Tensor, other: Operand): Tensor {
    return ew.where(cond, this, other);
  }

  // ---- reductions ----
  sum(dim?: DimArg | ReduceOptions, keepdim?: boolean): Tensor {
    return red.sum(this, dim, keepdim);
  }
  mean(dim?: DimArg | ReduceOptions, keepdim?: boolean): Tensor {
    return red.mean(this, dim, keepdim);
  }
  prod(dim?: DimArg | ReduceOptions, keepdim?: boolean): Tensor {
    return red.prod(this, dim, keepdim);
  }
  max(): Tensor;
  max(other: Tensor): Tensor;
  max(dim: number | (ReduceOptions & { dim: number }), keepdim?: boolean): red.ValuesIndices;
  max(dim?: number | Tensor | ReduceOptions, keepdim?: boolean): Tensor | red.ValuesIndices {
    return red.maxOf(this, dim, keepdim);
  }
  min(): Tensor;
  min(other: Tensor): Tensor;
  min(dim: number | (ReduceOptions & { dim: number }), keepdim?: boolean): red.ValuesIndices;
  min(dim?: number | Tensor | ReduceOptions, keepdim?: boolean): Tensor | red.ValuesIndices {
    return red.minOf(this, dim, keepdim);
  }
  amax(dim?: DimArg | ReduceOptions, keepdim?: boolean): Tensor {
    return red.amax(this, dim, keepdim);
  }
  amin(dim?: DimArg | ReduceOptions, keepdim?: boolean): Tensor {
    return red.amin(this, dim, keepdim);
  }
  argmax(dim?: number | ReduceOptions, keepdim?: boolean): Tensor {
    return red.argmax(this, dim, keepdim);
  }
  argmin(dim?: number | ReduceOptions, keepdim?: boolean): Tensor {
    return red.argmin(this, dim, keepdim);
  }
  var(dim?: DimArg | VarOptions, keepdim?: boolean): Tensor {
    return red.variance(this, dim, keepdim);
  }
  std(dim?: DimArg | VarOptions, keepdim?: boolean): Tensor {
    return red.std(this, dim, keepdim);
  }
  logsumexp(dim: DimArg, keepdim = false): Tensor {
    return red.logsumexp(this, dim, keepdim);
  }
  all(dim?: DimArg | ReduceOptions, keepdim?: boolean): Tensor {
    return red.all(this, dim, keepdim);
  }
  any(dim?: DimArg | ReduceOptions, keepdim?: boolean): Tensor {
    return red.any(this, dim, keepdim);
  }
  norm(p: number = 2, dim?: DimArg, keepdim = false): Tensor {
    return red.norm(this, p, dim, keepdim);
  }
  cumsum(dim: number): Tensor {
    return red.cumsum(this, dim);
  }
  softmax(dim: number): Tensor {
    return red.softmax(this, dim);
  }
  logSoftmax(dim: number): Tensor {
    return red.logSoftmax(this, dim);
  }

  // ---- views ----
  reshape(...shape: (number | readonly number[])[]): Tensor {
    return vw.reshape(this, vw.shapeArgs(shape));
  }
  view(...shape: (number | readonly number[])[]): Tensor {
    return vw.view(this, vw.shapeArgs(shape));
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return vw.flatten(this, startDim, endDim);
  }
  unsqueeze(dim: number): Tensor {
    return vw.unsqueeze(this, dim);
  }
  squeeze(dim?: number | readonly number[]): Tensor {
    return vw.squeeze(this, dim);
  }
  permute(...dims: (number | readonly number[])[]): Tensor {
    return vw.permute(this, vw.shapeArgs(dims));
  }
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
  expand(...sizes: (number | readonly number[])[]): Tensor {
    return vw.expand(this, vw.shapeArgs(sizes));
  }
  expandAs(other: Tensor): Tensor {
    return vw.expand(this, other.shape);
  }
  broadcastTo(shape: readonly number[]): Tensor {
    return vw.expand(this, shape);
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return vw.narrow(this, dim, start, length);
  }
  slice(dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
    return vw.slice(this, dim, start, end, step);
  }
  flip(dims: number | readonly number[]): Tensor {
    return vw.flip(this, dims);
  }
  contiguous(): Tensor {
    return vw.contiguous(this);
  }
  /** NumPy-style basic indexing: ints, 'start:stop:step' strings, null (new axis), '...'. */
  index(...specs: IndexSpec[]): Tensor {
    return vw.index(this, specs);
  }

  // ---- shape and indexing ----
  split(sizeOrSections: number | readonly number[], dim = 0): Tensor[] {
    return sh.split(this, sizeOrSections, dim);
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return sh.chunk(this, chunks, dim);
  }
  pad(pad: readonly number[], mode: sh.PadMode = 'constant', value = 0): Tensor {
    return sh.pad(this, pad, mode, value);
  }
  repeat(...sizes: (number | readonly number[])[]): Tensor {
    return sh.repeat(this, vw.shapeArgs(sizes));
  }
  tile(dims: readonly number[]): Tensor {
    return sh.tile(this, dims);
  }
  tril(diagonal = 0): Tensor {
    return sh.tril(this, diagonal);
  }
  triu(diagonal = 0): Tensor {
    return sh.triu(this, diagonal);
  }
  gather(dim: number, index: Tensor): Tensor {
    return ix.gather(this, dim, index);
  }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return ix.scatterAdd(this, dim, index, src);
  }
  indexSelect(dim: number, index: Tensor | readonly number[]): Tensor {
    return ix.indexSelect(this, dim, index);
  }
  maskedFill(mask: Tensor, value: Operand): Tensor {
    return ix.maskedFill(this, mask, value);
  }

  // ---- linear algebra ----
  matmul(other: Tensor): Tensor {
    return la.matmul(this, other);
  }
  bmm(other: Tensor): Tensor {
    return la.bmm(this, other);
  }
  outer(other: Tensor): Tensor {
    return la.outer(this, other);
  }
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

export function fmt(t: Tensor): string {
  return `[${t.shape.join(',')}] ${t.dtype}`;
}

export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}
