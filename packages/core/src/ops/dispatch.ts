/**
 * The one path from an op to a kernel: device checks, materialising strided inputs for backends
 * that cannot read them, calling the kernel with backend errors made typed, wrapping the result
 * in a Tensor and recording the autograd node.
 */
import type { Backend, KView } from '../backend/types.js';
import { getBackend, Storage } from '../device.js';
import type { DType } from '../dtype.js';
import { BackendError, DeviceError, DisposedTensorError, FlintError, fmtShape } from '../errors.js';
import type { PrimName } from '../prims.js';
import { contiguousStrides, isContiguous, sizeOf } from '../shape.js';
import { Tensor, fmt } from '../tensor.js';
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

function kview(t: Tensor): KView<unknown> {
  return {
    buf: t.storage.buf,
    dtype: t.dtype,
    shape: t.shape,
    strides: t.strides,
    offset: t.offset,
  };
}

/** Wrap a fresh kernel result as a contiguous tensor. */
export function wrap(
  backend: Backend,
  buf: unknown,
  shape: readonly number[],
  dtype: DType,
): Tensor {
  return new Tensor(
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
  opts: ExecOptions = {},
): Tensor {
  const backend = inputs.length > 0 ? deviceOf(name, inputs) : getBackend(opts.device);
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
    opts.gradParams,
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
 * Kernel views of `inputs`; with `contiguousOnly`, strided ones are first copied (into `temps`,
 * which the caller frees once the kernel is queued) by the backend's contiguous kernel, which
 * accepts any strides whatever caps.strided says.
 */
function viewsFor(
  backend: Backend,
  inputs: readonly Tensor[],
  contiguousOnly: boolean,
  temps: Tensor[],
): KView<unknown>[] {
  return inputs.map((t) => {
    if (!contiguousOnly || isContiguous(t.shape, t.strides)) return kview(t);
    const c = wrap(backend, backend.kernels.contiguous(kview(t)), t.shape, t.dtype);
    temps.push(c);
    return kview(c);
  });
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
  const temps: Tensor[] = [];
  try {
    const bufs = call(viewsFor(backend, inputs, true, temps));
    return bufs.map((b) => wrap(backend, b, inputs[0]!.shape, inputs[0]!.dtype));
  } catch (e) {
    if (e instanceof FlintError) throw e;
    throw new BackendError(
      `${name}: backend '${backend.name}' failed on ${inputs.map(fmt).join(', ')}: ${(e as Error).message}`,
    );
  } finally {
    for (const c of temps) c.dispose();
  }
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
  if (!backend.caps.dtypes.includes(outDtype))
    throw new BackendError(
      `${name}: device '${backend.name}' does not support dtype ${outDtype} (supports ${backend.caps.dtypes.join(', ')})`,
    );
  const temps: Tensor[] = [];
  const views = viewsFor(backend, inputs, !backend.caps.strided, temps);
  let buf: unknown;
  try {
    buf = kernel(...views, ...args);
  } catch (e) {
    if (e instanceof FlintError) throw e;
    throw new BackendError(
      `${name}: backend '${backend.name}' failed on ${inputs.map(fmt).join(', ')}: ${(e as Error).message}`,
    );
  } finally {
    for (const c of temps) c.dispose();
  }
  const out = wrap(backend, buf, outShape, outDtype);
  record(name, rule, inputs, out, gradParams);
  return out;
}
