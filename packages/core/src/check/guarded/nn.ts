/**
 * `nn.Parameter`, `nn.isParameter` and the gradient-clipping functions (exported by `nn.utils`
 * and by `optim`) as exported, guarded.
 */
import { Parameter as parameterImpl, isParameter as isParameterImpl } from '../../nn/module.js';
import * as clip from '../../optim/clip.js';
import { guard, sig } from '../args.js';
import {
  any,
  bool,
  number,
  optional,
  options,
  or,
  type Spec,
  tensor,
  arrayOf,
  named,
} from '../spec.js';

export const Parameter = guard(
  sig('nn.Parameter', { tensor, requiresGrad: optional(bool) }),
  parameterImpl,
);
export const isParameter = guard(sig('nn.isParameter', { value: any }), isParameterImpl);

/** A tensor, or an iterable of them (model.parameters()); the items are checked by the call. */
const params: Spec = named(
  or(tensor, arrayOf(tensor), {
    kind: 'iterable',
    what: 'an iterable of Tensors',
    test: (v) =>
      typeof v === 'object' &&
      v !== null &&
      typeof (v as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function',
  }),
  'a Tensor or an iterable of Tensors (e.g. model.parameters())',
);
/** `name` is `nn.utils` or `optim`: the same functions are exported in both places. */
export function clipFunctions(ns: string) {
  return {
    clipGradNorm_: guard(
      sig(`${ns}.clipGradNorm_`, {
        parameters: params,
        maxNorm: number,
        normType: optional(number),
        options: options({ errorIfNonfinite: bool }),
      }),
      clip.clipGradNorm_,
    ),
    clipGradValue_: guard(
      sig(`${ns}.clipGradValue_`, { parameters: params, clipValue: number }),
      clip.clipGradValue_,
    ),
  };
}
