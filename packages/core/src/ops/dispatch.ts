/**
 * The one path from an op to a kernel: device checks, materialising strided inputs for backends
 * that cannot read them, calling the kernel with backend errors made typed, wrapping the result
 * in a Tensor and recording the autograd node.
 */
import { kview } from '../backend/kview.js';
import type { Backend, KView } from '../backend/types.js';
import { getBackend, Storage } from '../device.js';
import type { DType } from '../dtype.js';
import {
  BackendError,
  DeviceError,
  DisposedTensorError,
  FlintError,
  ShapeError,
  fmtShape,
} from '../errors.js';
import type { PrimName } from '../prims.js';
import { contiguousStrides, isContiguous, sizeOf } from '../shape.js';
import { type Tensor, fmt, trustedTensor } from '../tensor.js';
import { record } from '../autograd/record.js';
import { GRADS } from '../autograd/rules.js';
import type { GradRule } from '../autograd/node.js';

/** The backend all `inputs` live on; throws DeviceError naming every device involved. */
export function deviceOf(op: string, inputs: readonly Tensor[]): Backend {
  for (const t of inputs) live(op, t);
  const first = inputs[0]!.storage.backend;
  for (const t of inputs) {
    const b = t.storage.backend;
    if (b !== first)
      throw new DeviceError(
        `${op}: expected all tensors on one device, got ${inputs.map((x) => `${fmt(x)} on '${x.device}'`).join(', ')}; move them with .to('${first.name}')`,
      );
  }
  return first;
}

/** Throws DisposedTensorError naming `op` when `t` was disposed. */
export function live(op: string, t: Tensor): Tensor {
  if (t.disposed)
    throw new DisposedTensorError(
      `${op}: a ${t.dtype} tensor of shape ${fmtShape(t.shape)} was used after dispose()`,
    );
  return t;
}

/** Wrap a fresh kernel result as a contiguous tensor. */
export function wrap(
  backend: Backend,
  buf: unknown,
  shape: readonly number[],
  dtype: DType,
): Tensor {
  return trustedTensor(
    new Storage(backend, buf, dtype, sizeOf(shape)),
    shape.slice(),
    contiguousStrides(shape),
    0,
  );
}

export interface ExecOptions {
  /** Device for ops without tensor inputs (fill, randomBits). */
  device?: string;
  /** Parameters passed to the gradient rule. */
  gradParams?: unknown;
}

/** Run primitive `name` on `inputs` with extra kernel `args`; records autograd. */
export function exec(
  name: PrimName,
  inputs: readonly Tensor[],
  args: readonly unknown[],
  outShape: readonly number[],
  outDtype: DType,
  // Optional rather than defaulted: a default `{}` would be a fresh object on every op.
  opts?: ExecOptions,
): Tensor {
  const backend = inputs.length > 0 ? deviceOf(name, inputs) : getBackend(opts?.device);
  const kernel = backend.kernels[name] as (...a: unknown[]) => unknown;
  return launch(
    backend,
    name,
    kernel,
    GRADS[name],
    inputs,
    args,
    outShape,
    outDtype,
    opts?.gradParams,
  );
}

/** Run a backend's fused override `name` (a composite) with the composite's closed-form gradient. */
export function execKernel(
  name: string,
  kernel: (...a: never[]) => unknown,
  rule: GradRule<never>,
  inputs: readonly Tensor[],
  args: readonly unknown[],
  outShape: readonly number[],
  outDtype: DType,
  gradParams?: unknown,
): Tensor {
  const backend = deviceOf(name, inputs);
  return launch(
    backend,
    name,
    kernel as (...a: unknown[]) => unknown,
    rule,
    inputs,
    args,
    outShape,
    outDtype,
    gradParams,
  );
}

/**
 * Call `kernel` on views of `inputs`, with typed errors. With `contiguousOnly`, strided inputs
 * are first copied by the backend's contiguous kernel (which accepts any strides whatever
 * caps.strided says); the copies are freed once the kernel is queued. Written as one loop that
 * allocates nothing but the views: this is every op's path, and per-op overhead is measured.
 */
function invoke<T>(
  backend: Backend,
  name: string,
  inputs: readonly Tensor[],
  contiguousOnly: boolean,
  kernel: (views: KView<unknown>[]) => T,
): T {
  const views: KView<unknown>[] = [];
  let temps: Tensor[] | undefined;
  try {
    for (let i = 0; i < inputs.length; i++) {
      const t = inputs[i]!;
      checkRank(backend, name, t.shape.length);
      if (!contiguousOnly || isContiguous(t.shape, t.strides)) {
        views.push(kview(t));
        continue;
      }
      const c = wrap(backend, backend.kernels.contiguous(kview(t)), t.shape, t.dtype);
      (temps ??= []).push(c);
      views.push(kview(c));
    }
    return kernel(views);
  } catch (e) {
    throw failure(backend, name, inputs, e);
  } finally {
    if (temps) for (const c of temps) c.dispose();
  }
}

/** A kernel's error as the op's: FlintErrors pass, anything else becomes a BackendError. */
function failure(backend: Backend, name: string, inputs: readonly Tensor[], e: unknown): Error {
  if (e instanceof FlintError) return e;
  return new BackendError(
    `${name}: backend '${backend.name}' failed on ${inputs.map(fmt).join(', ')}: ${(e as Error).message}`,
  );
}

/**
 * `invoke` for the commonest call, one or two inputs and no arguments on a backend that reads
 * strided views (element-wise ops): the views go straight to the kernel, with no array of them
 * and no closure — small ops are measured per op.
 */
function invokeDirect(
  backend: Backend,
  name: string,
  inputs: readonly Tensor[],
  kernel: (...a: unknown[]) => unknown,
): unknown {
  try {
    const a = inputs[0]!;
    checkRank(backend, name, a.shape.length);
    if (inputs.length === 1) return kernel(kview(a));
    const b = inputs[1]!;
    checkRank(backend, name, b.shape.length);
    return kernel(kview(a), kview(b));
  } catch (e) {
    throw failure(backend, name, inputs, e);
  }
}

/**
 * Kernels take at most `caps.maxRank` dims (64 on every backend, so that a program behaves the
 * same on each); views may have more, but no kernel is called on them.
 */
function checkRank(backend: Backend, name: string, rank: number): void {
  const max = backend.caps.maxRank;
  if (rank > max)
    throw new ShapeError(
      `${name}: a tensor of rank ${rank} exceeds device '${backend.name}''s limit of ${max} dims (caps.maxRank); reshape it to ${max} dims or fewer`,
    );
}

function checkDType(backend: Backend, name: string, dtype: DType): void {
  if (!backend.caps.dtypes.includes(dtype))
    throw new BackendError(
      `${name}: device '${backend.name}' does not support dtype ${dtype} (supports ${backend.caps.dtypes.join(', ')})`,
    );
}

/**
 * Run a fused multi-output override on contiguous inputs, without autograd (optimizer updates
 * run under noGrad). Outputs have the shape and dtype of the first input.
 */
export function execFused(
  name: string,
  inputs: readonly Tensor[],
  call: (views: KView<unknown>[]) => unknown[],
): Tensor[] {
  const backend = deviceOf(name, inputs);
  const bufs = invoke(backend, name, inputs, true, call);
  return bufs.map((b) => wrap(backend, b, inputs[0]!.shape, inputs[0]!.dtype));
}

/** Shape and dtype of one kernel output. */
export interface OutSpec {
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/**
 * Like `execFused`, with each output's shape and dtype given; a null buffer (an output the
 * caller did not ask for) gives null. Nothing is recorded for autograd.
 */
export function execFusedAs(
  name: string,
  inputs: readonly Tensor[],
  outs: readonly OutSpec[],
  call: (views: KView<unknown>[]) => readonly unknown[],
): (Tensor | null)[] {
  const backend = deviceOf(name, inputs);
  for (const o of outs) checkDType(backend, name, o.dtype);
  for (const o of outs) checkRank(backend, name, o.shape.length);
  const bufs = invoke(backend, name, inputs, true, call);
  return outs.map((o, i) =>
    bufs[i] === null || bufs[i] === undefined ? null : wrap(backend, bufs[i], o.shape, o.dtype),
  );
}

/**
 * Run a fused override with one or more outputs on contiguous inputs. Autograd records `rule` on
 * the first output only; the rule reads the other outputs as `ctx.aux`, which the node keeps
 * alive exactly as long as it lives. Every output is returned: the caller disposes those it
 * does not hand on.
 */
export function execOverride(
  name: string,
  call: (views: KView<unknown>[]) => readonly unknown[],
  rule: GradRule<never>,
  inputs: readonly Tensor[],
  outs: readonly OutSpec[],
  gradParams?: unknown,
): Tensor[] {
  const backend = deviceOf(name, inputs);
  for (const o of outs) checkDType(backend, name, o.dtype);
  for (const o of outs) checkRank(backend, name, o.shape.length);
  const bufs = invoke(backend, name, inputs, true, call);
  const tensors = outs.map((o, i) => wrap(backend, bufs[i], o.shape, o.dtype));
  record(name, rule, inputs, tensors[0]!, gradParams, tensors.slice(1));
  return tensors;
}

function launch(
  backend: Backend,
  name: string,
  kernel: (...a: unknown[]) => unknown,
  rule: GradRule<never> | null,
  inputs: readonly Tensor[],
  args: readonly unknown[],
  outShape: readonly number[],
  outDtype: DType,
  gradParams: unknown,
): Tensor {
  checkDType(backend, name, outDtype);
  checkRank(backend, name, outShape.length);
  const n = inputs.length;
  const buf =
    args.length === 0 && (n === 1 || n === 2) && backend.caps.strided
      ? invokeDirect(backend, name, inputs, kernel)
      : invoke(backend, name, inputs, !backend.caps.strided, (views) =>
          args.length > 0 ? kernel(...views, ...args) : kernel(...views),
        );
  const out = wrap(backend, buf, outShape, outDtype);
  record(name, rule, inputs, out, gradParams);
  return out;
}
