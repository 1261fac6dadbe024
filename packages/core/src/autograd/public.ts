/**
 * `fl.autograd`: custom autograd functions (`Function`, torch.autograd.Function's shape) and
 * `customGrad` (tfjs's shape), as exported: guarded by their signatures.
 */
import { guard, sig } from '../check/args.js';
import { func } from '../check/spec.js';
import { customGrad as customGradImpl } from './function.js';

export { Function } from './function.js';
export type { FunctionCtx, ApplyArgs, GradValue, SaveFunc, CustomGradResult } from './function.js';
export { grad } from '../check/guarded/runtime.js';

/**
 * tfjs-style custom gradient: `f(...inputs, save)` returns `{ value, gradFunc }`; the result is a
 * function of the inputs whose gradient is `gradFunc(dy, saved)` (one gradient per input).
 * @example
 * const square = fl.customGrad((x: fl.Tensor, save: fl.autograd.SaveFunc) => {
 *   save([x]);
 *   return { value: x.square(), gradFunc: (dy, [s]) => dy.mul(s!).mul(2) };
 * });
 */
export const customGrad = guard(sig('fl.customGrad', { f: func }), customGradImpl);
