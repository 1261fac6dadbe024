/**
 * Checking what a custom Function's backward returned, as torch validates it: one gradient (or
 * null) per argument of apply, a tensor only where the argument is one, on its device, of a
 * float dtype (cast to the input's), of the input's shape or one that sums to it (torch's
 * sum_to for gradients of broadcast inputs).
 */
import {
  DTypeError,
  DeviceError,
  DisposedTensorError,
  GradError,
  ShapeError,
  fmtShape,
} from '../errors.js';
import { describe } from '../check/describe.js';
import { type DType, isFloat } from '../dtype.js';
import { isTensor, type Tensor } from '../tensor.js';

function asList(name: string, result: unknown): unknown[] {
  if (result === null || result === undefined || isTensor(result)) return [result];
  if (Array.isArray(result)) return result;
  throw new GradError(
    `${name}.backward must return a Tensor, null or an array of them (one per argument of apply), got ${describe(result)}`,
  );
}

/** `g` summed over the dims it broadcast `shape` to, or null when it cannot come from `shape`. */
function sumTo(g: Tensor, shape: readonly number[]): Tensor | null {
  const lead = g.ndim - shape.length;
  if (lead < 0) return null;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    const s = i < lead ? -1 : shape[i - lead]!;
    if (s === g.shape[i]) continue;
    if (s !== -1 && s !== 1) return null;
    axes.push(i);
  }
  return axes.length ? g.sum(axes, true).reshape(shape) : g;
}

/** What backward checks a gradient against: the input as it was at apply (it may be gone now). */
export interface InputMeta {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly device: string;
  readonly needsGrad: boolean;
}

function gradientFor(name: string, i: number, g: Tensor, x: InputMeta): Tensor {
  const at = `${name}.backward: the gradient of argument ${i}`;
  if (g.disposed) throw new DisposedTensorError(`${at} was disposed`);
  if (g.device !== x.device)
    throw new DeviceError(`${at} is on '${g.device}', but the input is on '${x.device}'`);
  if (!isFloat(g.dtype))
    throw new DTypeError(`${at} must be a float tensor, got ${g.dtype} (input is ${x.dtype})`);
  const summed = sumTo(g, x.shape);
  if (!summed)
    throw new ShapeError(
      `${at} has shape ${fmtShape(g.shape)}, expected the input's shape ${fmtShape(x.shape)} (or one that broadcasts from it)`,
    );
  const cast = summed.dtype === x.dtype ? summed : summed.to(x.dtype);
  // A fresh view: the backward pass frees gradients it is done with, never the caller's tensor.
  return cast.reshape(x.shape);
}

/**
 * The gradient of each tensor input (aligned with `inputs`), checked. `args` describes each
 * argument of apply: null for a tensor, else what it was.
 */
export function checkGradients(
  name: string,
  result: unknown,
  args: readonly (string | null)[],
  tensorAt: readonly number[],
  inputs: readonly InputMeta[],
): (Tensor | null)[] {
  const list = asList(name, result);
  const extra = list.slice(args.length).some((g) => g !== null && g !== undefined);
  if (list.length < args.length || extra)
    throw new GradError(
      `${name}.backward returned ${list.length} gradients, expected ${args.length} (one per argument of apply; null where there is none)`,
    );
  list.forEach((g, i) => {
    if (g === null || g === undefined) return;
    if (!isTensor(g))
      throw new GradError(
        `${name}.backward: gradient ${i} must be a Tensor or null, got ${describe(g)}`,
      );
    if (args[i] !== null)
      throw new GradError(
        `${name}.backward returned a gradient for argument ${i}, which is not a tensor (${args[i]}); return null there`,
      );
  });
  return inputs.map((x, k) => {
    const g = list[tensorAt[k]!] as Tensor | null | undefined;
    return g && x.needsGrad ? gradientFor(name, tensorAt[k]!, g, x) : null;
  });
}
