/**
 * Scaled dot-product attention, softmax(q·kᵀ·scale + bias)·v, written once as a composite and
 * shared by `F.scaledDotProductAttention` and `MultiheadAttention`. Masks become one additive
 * float bias (−∞ where attention is not allowed) so bool and float masks combine by addition.
 */
import { DTypeError, FlintError, ShapeError, fmtShape } from '../../errors.js';
import { isFloat } from '../../dtype.js';
import { broadcastShapes } from '../../shape.js';
import { tidy } from '../../scope.js';
import { arange } from '../../ops/creation.js';
import { where } from '../../ops/elementwise.js';
import type { Tensor } from '../../tensor.js';
import { dropout } from '../functional/basic.js';

/** Options of `F.scaledDotProductAttention`, as torch's keyword arguments. */
export interface ScaledDotProductAttentionOptions {
  /**
   * Broadcastable to [..., L, S]. A bool mask marks with `true` the positions that MAY be attended
   * (torch's convention for this function); a float mask is added to the scores.
   */
  attnMask?: Tensor | null;
  /** Dropout probability on the attention weights (applied whenever > 0, as in torch). */
  dropoutP?: number;
  /** Query i attends to keys 0…i only (a top-left aligned lower-triangular mask). */
  isCausal?: boolean;
  /** Multiplier of q·kᵀ (default 1/√E). */
  scale?: number | null;
}

/** [L, S] bool, true above the diagonal: the positions a causal query must not see. */
export function causalBlocked(L: number, S: number, device: string): Tensor {
  return tidy(() =>
    arange(S, undefined, 1, { device })
      .unsqueeze(0)
      .gt(arange(L, undefined, 1, { device }).unsqueeze(1)),
  );
}

/** A mask as an additive bias: `blocked` bool → −∞ / 0, float → itself (cast to `dtype`). */
export function additive(mask: Tensor, blockedWhen: boolean, dtype: Tensor['dtype']): Tensor {
  if (mask.dtype !== 'bool') return mask.to(dtype);
  return where(blockedWhen ? mask : mask.logicalNot(), -Infinity, 0).to(dtype);
}

export function checkMaskDType(op: string, what: string, mask: Tensor): void {
  if (mask.dtype !== 'bool' && !isFloat(mask.dtype))
    throw new DTypeError(`${op}: ${what} must be a bool or float tensor, got ${mask.dtype}`);
}

/**
 * The attention core: q [..., L, E] (already scaled or not, see `scale`), k [..., S, E],
 * v [..., S, Ev], optional additive bias. Returns the output and the (post-dropout) weights.
 */
export function attend(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  bias: Tensor | null,
  scale: number,
  dropoutP: number,
): { out: Tensor; weights: Tensor } {
  let scores = q.matmul(k.transpose(-2, -1)).mul(scale);
  if (bias) scores = scores.add(bias);
  let weights = scores.softmax(-1);
  if (dropoutP > 0) weights = dropout(weights, dropoutP, true);
  return { out: weights.matmul(v), weights };
}

function checkSdpa(q: Tensor, k: Tensor, v: Tensor, o: ScaledDotProductAttentionOptions): void {
  const op = 'scaledDotProductAttention';
  for (const [name, t] of [
    ['query', q],
    ['key', k],
    ['value', v],
  ] as const) {
    if (t.ndim < 2)
      throw new ShapeError(
        `${op}: ${name} must have shape [..., seq, features], got ${fmtShape(t.shape)}`,
      );
    if (!isFloat(t.dtype))
      throw new DTypeError(`${op}: ${name} must be float32 or float64, got ${t.dtype}`);
  }
  const E = q.shape[q.ndim - 1];
  if (k.shape[k.ndim - 1] !== E || k.shape[k.ndim - 2] !== v.shape[v.ndim - 2])
    throw new ShapeError(
      `${op}: expected query [..., L, E], key [..., S, E] and value [..., S, Ev], got ${fmtShape(q.shape)}, ${fmtShape(k.shape)} and ${fmtShape(v.shape)}`,
    );
  broadcastShapes(op, q.shape.slice(0, -2), k.shape.slice(0, -2), v.shape.slice(0, -2));
  if (o.attnMask && o.isCausal)
    throw new FlintError(`${op}: pass either attnMask or isCausal, not both`);
  if (o.attnMask) {
    checkMaskDType(op, 'attnMask', o.attnMask);
    const scores = [
      ...broadcastShapes(op, q.shape.slice(0, -2), k.shape.slice(0, -2)),
      q.shape[q.ndim - 2]!,
      k.shape[k.ndim - 2]!,
    ];
    const m = o.attnMask.shape;
    const off = scores.length - m.length;
    if (off < 0 || m.some((d, i) => d !== 1 && d !== scores[off + i]))
      throw new ShapeError(
        `${op}: attnMask of shape ${fmtShape(m)} cannot be broadcast to the scores' shape ${fmtShape(scores)}`,
      );
  }
  const p = o.dropoutP ?? 0;
  if (!(p >= 0 && p <= 1)) throw new FlintError(`${op}: dropoutP must be in [0, 1], got ${p}`);
}

/**
 * softmax(q·kᵀ/√E + mask)·v over the last two dims, batched over any leading dims.
 * @example
 * const q = fl.randn([2, 4, 8, 16]); // [batch, heads, L, E]
 * const y = F.scaledDotProductAttention(q, q, q, { isCausal: true }); // [2, 4, 8, 16]
 */
export function scaledDotProductAttention(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  opts: ScaledDotProductAttentionOptions = {},
): Tensor {
  checkSdpa(query, key, value, opts);
  const scale = opts.scale ?? 1 / Math.sqrt(query.shape[query.ndim - 1]!);
  return tidy(() => {
    const L = query.shape[query.ndim - 2]!;
    const S = key.shape[key.ndim - 2]!;
    let bias: Tensor | null = null;
    if (opts.isCausal) bias = additive(causalBlocked(L, S, query.device), true, query.dtype);
    else if (opts.attnMask) bias = additive(opts.attnMask, false, query.dtype);
    return attend(query, key, value, bias, scale, opts.dropoutP ?? 0).out;
  });
}
