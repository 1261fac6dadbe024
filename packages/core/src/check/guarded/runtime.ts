/**
 * Tensor creation, devices, scopes, autograd entry points and the small helpers of `fl`, as
 * exported: each guarded by its signature. `fl.zeros(2, 3)` and friends also accept PyTorch's
 * variadic sizes (`variadicShape`).
 */
import * as cr from '../../ops/creation.js';
import * as dev from '../../device.js';
import * as scope from '../../scope.js';
import * as mode from '../../autograd/mode.js';
import { grad as gradImpl } from '../../autograd/backward.js';
import { resultType as resultTypeImpl } from '../../dtype.js';
import { fmtShape as fmtShapeImpl } from '../../errors.js';
import { isTensor as isTensorImpl } from '../../tensor.js';
import { guard, sig } from '../args.js';
import {
  any,
  arrayOf,
  bool,
  device,
  dtype,
  finite,
  func,
  int,
  named,
  nonNegInt,
  optional,
  options,
  or,
  scalar,
  shape,
  shapeArg,
  type Spec,
  tensor as aTensor,
  number,
  typedArray,
} from '../spec.js';
import { backwardOptions } from '../specs/tensor.js';
import { createOptions } from '../specs/common.js';

/** fl.tensor's data: a number, a boolean, nested arrays of them, or a typed array. */
const data: Spec = named(
  or(scalar, arrayOf(any), typedArray),
  'a number, a boolean, a (nested) array of them or a typed array',
);

export const tensor = guard(
  sig('fl.tensor', { data, options: options({ dtype, device, requiresGrad: bool, shape }) }),
  cr.tensor,
);
const created = { shape: shapeArg, options: createOptions };
export const zeros = guard(sig('fl.zeros', created, { variadicShape: true }), cr.zeros);
export const ones = guard(sig('fl.ones', created, { variadicShape: true }), cr.ones);
export const rand = guard(sig('fl.rand', created, { variadicShape: true }), cr.rand);
export const randn = guard(sig('fl.randn', created, { variadicShape: true }), cr.randn);
export const full = guard(
  sig('fl.full', { shape: shapeArg, fillValue: scalar, options: createOptions }),
  cr.full,
);
const like = { input: aTensor, options: createOptions };
export const zerosLike = guard(sig('fl.zerosLike', like), cr.zerosLike);
export const onesLike = guard(sig('fl.onesLike', like), cr.onesLike);
export const fullLike = guard(
  sig('fl.fullLike', { input: aTensor, fillValue: scalar, options: createOptions }),
  cr.fullLike,
);
export const arange = guard(
  sig('fl.arange', {
    start: finite,
    end: optional(finite),
    step: optional(finite),
    options: createOptions,
  }),
  cr.arange,
);
export const linspace = guard(
  sig('fl.linspace', { start: finite, end: finite, steps: nonNegInt, options: createOptions }),
  cr.linspace,
);
export const eye = guard(
  sig('fl.eye', { n: nonNegInt, m: optional(nonNegInt), options: createOptions }),
  cr.eye,
);
export const randint = guard(
  // randint(low, high, shape, options?) or torch's randint(high, shape, options?).
  sig('fl.randint', {
    low: int,
    high: or(int, shapeArg),
    shape: optional(or(shapeArg, createOptions)),
    options: createOptions,
  }),
  cr.randint,
);
export const manualSeed = guard(sig('fl.manualSeed', { seed: nonNegInt }), cr.manualSeed);

// ---- devices ----
/** A backend object (what fl.use takes): its `name` is checked here, the rest by fl.use. */
const backend: Spec = {
  kind: 'backend',
  what: 'a backend (e.g. cpuBackend() from @flint/backend-cpu)',
  test: (v) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { name?: unknown }).name === 'string' &&
    typeof (v as { kernels?: unknown }).kernels === 'object',
};
export const use = guard(sig('fl.use', { backend }), dev.use);
export const register = guard(sig('fl.register', { backend }), dev.register);
export const setDefaultDevice = guard(sig('fl.setDefaultDevice', { device }), dev.setDefaultDevice);
export const getDefaultDevice = guard(sig('fl.getDefaultDevice', {}), dev.getDefaultDevice);
export const getBackend = guard(sig('fl.getBackend', { device: optional(device) }), dev.getBackend);
export const listDevices = guard(sig('fl.listDevices', {}), dev.listDevices);
export const removeBackend = guard(sig('fl.removeBackend', { device }), dev.removeBackend);
export const memory = guard(sig('fl.memory', {}), dev.memory);

// ---- scopes and autograd ----
export const tidy = guard(sig('fl.tidy', { fn: func }), scope.tidy);
export const tidyAsync = guard(sig('fl.tidyAsync', { fn: func }), scope.tidyAsync);
export const keep = guard(sig('fl.keep', { tensor: aTensor }), scope.keep);
export const noGrad = guard(sig('fl.noGrad', { fn: func }), mode.noGrad);
export const enableGrad = guard(sig('fl.enableGrad', { fn: func }), mode.enableGrad);
export const isGradEnabled = guard(sig('fl.isGradEnabled', {}), mode.isGradEnabled);
const tensors = or(aTensor, arrayOf(aTensor, 'an array of Tensors'));
export const grad = guard(
  sig('fl.grad', {
    outputs: tensors,
    inputs: tensors,
    options: options({
      ...backwardOptions.fields,
      gradOutputs: arrayOf(aTensor, 'an array of Tensors'),
      allowUnused: bool,
    }),
  }),
  gradImpl,
);

// ---- small helpers ----
export const isTensor = guard(sig('fl.isTensor', { value: any }), isTensorImpl);
export const resultType = guard(
  sig('fl.resultType', {
    dims: arrayOf(dtype, 'an array of dtypes'),
    zeroDims: optional(arrayOf(dtype, 'an array of dtypes')),
    scalars: optional(arrayOf(scalar, 'an array of numbers and booleans')),
  }),
  resultTypeImpl,
);
export const fmtShape = guard(
  sig('fl.fmtShape', { shape: arrayOf(number, 'an array of numbers') }),
  fmtShapeImpl,
);
