/** Linear, dropout and embedding lookups in functional form. */
import { DTypeError, ShapeError, fmtShape, ArgumentError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { tidy } from '../../scope.js';
import { noGrad } from '../../autograd/mode.js';
import { checkOnDevice } from '../../ops/checks.js';
import { rand } from '../../ops/creation.js';
import { where } from '../../ops/elementwise.js';

/**
 * y = x·Wᵀ + b for x [..., in], weight [out, in], bias [out].
 * @example
 * nn.F.linear(fl.randn([32, 784]), fl.randn([128, 784])).shape; // [32, 128]
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  if (weight.ndim !== 2)
    throw new ShapeError(
      `linear: weight must be 2-D [out_features, in_features], got ${fmtShape(weight.shape)}`,
    );
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== weight.shape[1])
    throw new ShapeError(
      `linear: expected input with last dimension ${weight.shape[1]} (weight ${fmtShape(weight.shape)}), got ${fmtShape(x.shape)}`,
    );
  return tidy(() => {
    const y = x.matmul(weight.T);
    return bias ? y.add(bias) : y;
  });
}

/**
 * Zero each element with probability p and scale the survivors by 1/(1 − p) while training;
 * the identity otherwise.
 * @example
 * const y = nn.F.dropout(fl.ones([4, 4]), 0.5); // entries are 0 or 2
 */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  if (!(p >= 0 && p <= 1))
    throw new ArgumentError(`dropout: probability has to be between 0 and 1, got ${p}`);
  if (!training || p === 0) return x;
  return tidy(() => {
    if (p === 1) return x.mul(0);
    const keep = noGrad(() =>
      rand(x.shape, { dtype: x.dtype === 'float64' ? 'float64' : 'float32', device: x.device }).ge(
        p,
      ),
    );
    return where(keep, x.mul(1 / (1 - p)), 0).to(x.dtype);
  });
}

/**
 * Channel-wise dropout: zero whole channels x[n, c] with probability p (one draw per channel)
 * and scale the rest by 1/(1 − p), as torch's feature dropout. `rank` is the batched rank.
 */
function featureDropout(
  op: string,
  x: Tensor,
  p: number,
  training: boolean,
  ranks: number[],
): Tensor {
  if (!(p >= 0 && p <= 1))
    throw new ArgumentError(`${op}: probability has to be between 0 and 1, got ${p}`);
  if (!ranks.includes(x.ndim))
    throw new ShapeError(
      `${op}: expected input of rank ${ranks.join(' or ')} (${op === 'dropout1d' ? '[N,C,L] or [C,L]' : '[N,C,H,W] or [N,C,L]'}), got ${fmtShape(x.shape)}`,
    );
  if (!training || p === 0) return x;
  return tidy(() => {
    // dropout1d's unbatched [C, L] is one sample; dropout2d keeps torch's reading of 3-D as [N, C, L].
    const b = op === 'dropout1d' && x.ndim === 2 ? x.unsqueeze(0) : x;
    let y: Tensor;
    if (p === 1) y = b.mul(0);
    else {
      const maskShape = b.shape.map((d, i) => (i < 2 ? d : 1));
      const dtype = x.dtype === 'float64' ? 'float64' : 'float32';
      const keep = noGrad(() => rand(maskShape, { dtype, device: x.device }).ge(p));
      y = where(keep, b.mul(1 / (1 - p)), 0).to(x.dtype);
    }
    return b === x ? y : y.squeeze(0);
  });
}

/**
 * Zero whole channels of x [N,C,L] or [C,L] with probability p while training, scaling the rest
 * by 1/(1 − p) (torch.nn.functional.dropout1d); the identity otherwise.
 * @example
 * const y = nn.F.dropout1d(fl.ones([2, 4, 5]), 0.5); // each [5] row is all 0 or all 2
 */
export function dropout1d(x: Tensor, p = 0.5, training = true): Tensor {
  return featureDropout('dropout1d', x, p, training, [2, 3]);
}

/**
 * Zero whole channels of x [N,C,H,W] with probability p while training, scaling the rest by
 * 1/(1 − p) (torch.nn.functional.dropout2d); the identity otherwise. A 3-D input is read as
 * [N,C,L], as torch does.
 * @example
 * const y = nn.F.dropout2d(fl.ones([2, 4, 3, 3]), 0.5); // each [3, 3] plane is all 0 or all 2
 */
export function dropout2d(x: Tensor, p = 0.5, training = true): Tensor {
  return featureDropout('dropout2d', x, p, training, [3, 4]);
}

/** Options of `F.embedding`. */
export interface EmbeddingOptions {
  /** Rows at this index get no gradient (they stay as initialised, usually zero). */
  paddingIdx?: number | null;
}

/**
 * Rows of `weight` [num, dim] picked by the int32 `indices` (any shape) → [...indices.shape, dim].
 * @example
 * nn.F.embedding(fl.tensor([[0, 2]], { dtype: 'int32' }), fl.randn([3, 4])).shape; // [1, 2, 4]
 */
export function embedding(indices: Tensor, weight: Tensor, opts: EmbeddingOptions = {}): Tensor {
  return lookup('embedding', indices, weight, opts);
}

/** @internal embedding with the caller's name in its errors (the Embedding layer passes its own). */
export function lookup(
  op: string,
  indices: Tensor,
  weight: Tensor,
  opts: EmbeddingOptions,
): Tensor {
  if (indices.dtype !== 'int32')
    throw new DTypeError(`${op}: indices must be an int32 tensor, got ${indices.dtype}`);
  if (weight.ndim !== 2)
    throw new ShapeError(
      `${op}: weight must be 2-D [num_embeddings, embedding_dim], got ${fmtShape(weight.shape)}`,
    );
  const [num, dim] = weight.shape as [number, number];
  // At once, or at the device's next read (ops/checks.ts); meanwhile indexSelect's own deferred
  // check clamps the index, so no kernel reads outside the weight.
  if (indices.size > 0)
    checkOnDevice(
      indices,
      () => [indices.amin(), indices.amax()],
      ([lo, hi]) =>
        lo! < 0 || hi! >= num
          ? new ShapeError(
              `${op}: index ${lo! < 0 ? lo : hi} is out of range for ${num} embeddings (valid: 0 to ${num - 1})`,
            )
          : undefined,
    );
  return tidy(() => {
    const flat = indices.reshape([-1]);
    const rows = weight.indexSelect(0, flat);
    const pad = opts.paddingIdx;
    // Detaching the padding rows' outputs keeps their gradient out of the weight, as torch does.
    const out =
      pad === null || pad === undefined
        ? rows
        : where(flat.eq(pad < 0 ? pad + num : pad).unsqueeze(1), rows.detach(), rows);
    return out.reshape([...indices.shape, dim]);
  });
}
