/**
 * The advanced-indexing, mask and einsum functions as exported (`fl.maskedSelect`, `fl.nonzero`,
 * `fl.einsum` …), each guarded by its signature; the parameter lists are the Tensor methods'
 * (specs/indexing.ts) with the input tensor in front.
 */
import * as nz from '../../ops/nonzero.js';
import * as ip from '../../ops/inplace.js';
import { einsum as einsumOp } from '../../ops/einsum.js';
import { guard, sig } from '../args.js';
import { type Spec, tensor } from '../spec.js';
import type { Tensor } from '../../tensor.js';
import { PX, einsumSpec } from '../specs/indexing.js';

const input = { input: tensor };
const op = <F extends (...a: never[]) => unknown>(
  name: string,
  params: Record<string, Spec>,
  f: F,
  async = false,
): F => guard(sig(`fl.${name}`, { ...input, ...params }, { async }), f);

export const maskedSelect = op('maskedSelect', PX.maskedSelect, nz.maskedSelect);
export const maskedSelectAsync = op(
  'maskedSelectAsync',
  PX.maskedSelect,
  nz.maskedSelectAsync,
  true,
);
export const nonzero = op('nonzero', PX.nonzero, nz.nonzero) as {
  (input: Tensor, options?: { asTuple?: false }): Tensor;
  (input: Tensor, options: { asTuple: true }): Tensor[];
};
export const nonzeroAsync = op('nonzeroAsync', PX.nonzero, nz.nonzeroAsync, true) as {
  (input: Tensor, options?: { asTuple?: false }): Promise<Tensor>;
  (input: Tensor, options: { asTuple: true }): Promise<Tensor[]>;
};
export const argwhere = op('argwhere', {}, nz.argwhere);
export const indexPut = op('indexPut', PX.indexPut, ip.indexPut);
export const einsum = guard(sig('fl.einsum', einsumSpec, { rest: tensor }), einsumOp);
