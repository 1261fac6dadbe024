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
  /**
   * Indices of the non-zero elements (NaN counts as non-zero) as an int32 `[n, ndim]` tensor,
   * torch.nonzero. Reads the values, so a device without synchronous read-back refuses it:
   * use `nonzeroAsync` there.
   */
  (input: Tensor, options?: { asTuple?: false }): Tensor;
  /** The same as one 1-D int32 index tensor per dim (torch's `as_tuple=True`). */
  (input: Tensor, options: { asTuple: true }): Tensor[];
};
export const nonzeroAsync = op('nonzeroAsync', PX.nonzero, nz.nonzeroAsync, true) as {
  /** `nonzero`, awaiting the read-back: works on every device (as tfjs's `whereAsync`). */
  (input: Tensor, options?: { asTuple?: false }): Promise<Tensor>;
  /** `nonzero` with `asTuple: true`, awaiting the read-back: one index tensor per dim. */
  (input: Tensor, options: { asTuple: true }): Promise<Tensor[]>;
};
export const argwhere = op('argwhere', {}, nz.argwhere);
export const indexPut = op('indexPut', PX.indexPut, ip.indexPut);
export const einsum = guard(sig('fl.einsum', einsumSpec, { rest: tensor }), einsumOp);
