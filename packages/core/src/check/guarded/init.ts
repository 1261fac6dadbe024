/**
 * `nn.init` as exported: everything of nn/init.ts (types too), with each initialiser replaced by
 * its guarded form (a module's own export wins over one it re-exports with `export *`).
 */
import * as init from '../../nn/init.js';
import { guard, sig } from '../args.js';
import {
  finite,
  nonNegative,
  number,
  oneOf,
  optional,
  options,
  type Spec,
  tensor,
  scalar,
} from '../spec.js';

export * from '../../nn/init.js';

const nonlinearity = oneOf(
  'linear',
  'identity',
  'conv1d',
  'conv2d',
  'conv3d',
  'convTranspose1d',
  'convTranspose2d',
  'convTranspose3d',
  'sigmoid',
  'tanh',
  'relu',
  'leakyRelu',
  'leaky_relu',
  'selu',
);
const initFn = <G extends (...a: never[]) => unknown>(
  name: string,
  params: Record<string, Spec>,
  f: G,
) => guard(sig(`nn.init.${name}`, { tensor, ...params }), f);

export const calculateGain = guard(
  sig('nn.init.calculateGain', { nonlinearity, param: optional(number) }),
  init.calculateGain,
);
export const calculateFans = initFn('calculateFans', {}, init.calculateFans);
export const uniform_ = initFn(
  'uniform_',
  { a: optional(finite), b: optional(finite) },
  init.uniform_,
);
export const normal_ = initFn(
  'normal_',
  { mean: optional(finite), std: optional(nonNegative) },
  init.normal_,
);
export const constant_ = initFn('constant_', { value: scalar }, init.constant_);
export const zeros_ = initFn('zeros_', {}, init.zeros_);
export const ones_ = initFn('ones_', {}, init.ones_);
export const xavierUniform_ = initFn(
  'xavierUniform_',
  { gain: optional(finite) },
  init.xavierUniform_,
);
export const xavierNormal_ = initFn(
  'xavierNormal_',
  { gain: optional(finite) },
  init.xavierNormal_,
);
const kaiming = {
  options: options({ a: finite, mode: oneOf('fanIn', 'fanOut'), nonlinearity }),
};
export const kaimingUniform_ = initFn('kaimingUniform_', kaiming, init.kaimingUniform_);
export const kaimingNormal_ = initFn('kaimingNormal_', kaiming, init.kaimingNormal_);
export const orthogonal_ = initFn('orthogonal_', { gain: optional(finite) }, init.orthogonal_);
