/**
 * torch.nn.MultiheadAttention with the packed projection: `in_proj_weight` [3E, E] holds W_q,
 * W_k, W_v stacked, `out_proj` is a Linear. Masks follow torch: in `attnMask` and
 * `keyPaddingMask` a bool `true` means "do not attend"; float masks are added to the scores.
 */
import { DTypeError, FlintError, ShapeError, fmtShape } from '../../errors.js';
import { isFloat } from '../../dtype.js';
import { shapesEqual } from '../../shape.js';
import { tidy } from '../../scope.js';
import { zeros } from '../../ops/creation.js';
import type { Tensor } from '../../tensor.js';
import { Module } from '../module.js';
import { constant_, xavierUniform_ } from '../init.js';
import { Linear } from '../layers/index.js';
import type { FactoryOptions } from '../layers/common.js';
import { additive, attend, checkMaskDType } from './sdpa.js';
import { checkArgs } from '../../check/args.js';
import { NN } from '../../check/specs/nn.js';
import { guardMethods } from '../../check/args.js';
import { ATTENTION_FORWARD, forwardOf } from '../../check/specs/methods.js';

export interface MultiheadAttentionOptions extends FactoryOptions {
  /** Learn in_proj_bias and out_proj.bias (default true). */
  bias?: boolean;
  /** Inputs and output are [batch, seq, embed] instead of [seq, batch, embed] (default false). */
  batchFirst?: boolean;
  /** Dropout probability on the attention weights in training mode (default 0). */
  dropout?: number;
}

/** Masks and output options of `MultiheadAttention.forward`. */
export interface MultiheadAttentionForwardOptions {
  /** [N, S] (or [S] unbatched): bool `true` marks padding keys to ignore; float is added. */
  keyPaddingMask?: Tensor | null;
  /** [L, S] or [N·numHeads, L, S]: bool `true` blocks a query–key pair; float is added. */
  attnMask?: Tensor | null;
  /** Also return the attention weights (default true). */
  needWeights?: boolean;
  /** Average the returned weights over heads (default true), else [N, numHeads, L, S]. */
  averageAttnWeights?: boolean;
}

interface Dims {
  L: number;
  S: number;
  N: number;
  batched: boolean;
}

/**
 * Attention over `numHeads` subspaces of size embedDim / numHeads, as in "Attention Is All You
 * Need". Returns [output, weights averaged over heads (or null)].
 * @example
 * const mha = new nn.MultiheadAttention(16, 4, { batchFirst: true });
 * const x = fl.randn([2, 10, 16]);
 * const [y, w] = mha.forward(x, x, x); // [2, 10, 16], [2, 10, 10]
 */
export class MultiheadAttention extends Module {
  /** Feature size E of queries and of the output. */
  readonly embedDim: number;
  /** Number of attention heads (must divide `embedDim`). */
  readonly numHeads: number;
  /** Feature size of each head: embedDim / numHeads. */
  readonly headDim: number;
  /** Whether inputs and output are [batch, seq, embed] rather than [seq, batch, embed]. */
  readonly batchFirst: boolean;
  /** Dropout probability on the attention weights in training mode. */
  readonly dropout: number;
  private readonly p: { inW: Tensor; inB: Tensor | null; out: Linear };

  constructor(embedDim: number, numHeads: number, opts: MultiheadAttentionOptions = {}) {
    checkArgs(NN.MultiheadAttention, [embedDim, numHeads, opts], arguments.length);
    super();
    if (
      !Number.isInteger(embedDim) ||
      !Number.isInteger(numHeads) ||
      embedDim <= 0 ||
      numHeads <= 0 ||
      embedDim % numHeads !== 0
    )
      throw new ShapeError(
        `MultiheadAttention: embedDim (${embedDim}) must be a positive multiple of numHeads (${numHeads})`,
      );
    if (opts.dtype !== undefined && !isFloat(opts.dtype))
      throw new DTypeError(
        `MultiheadAttention: parameters must be float32 or float64, got dtype ${opts.dtype}`,
      );
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.headDim = embedDim / numHeads;
    this.batchFirst = opts.batchFirst ?? false;
    this.dropout = opts.dropout ?? 0;
    if (!(this.dropout >= 0 && this.dropout <= 1))
      throw new FlintError(`MultiheadAttention: dropout must be in [0, 1], got ${this.dropout}`);
    const bias = opts.bias ?? true;
    const make = (shape: number[]) =>
      zeros(shape, { dtype: opts.dtype ?? 'float32', device: opts.device });
    const inW = this.registerParameter('in_proj_weight', make([3 * embedDim, embedDim]))!;
    const inB = bias ? this.registerParameter('in_proj_bias', make([3 * embedDim])) : null;
    const out = this.addModule(
      'out_proj',
      new Linear(embedDim, embedDim, { bias, dtype: opts.dtype, device: opts.device }),
    ) as Linear;
    this.p = { inW, inB, out };
    this.resetParameters();
  }

  /** The output projection (state-dict key `out_proj`). */
  get outProj(): Linear {
    return this.p.out;
  }

  /** torch's init: Xavier-uniform in_proj_weight, zero biases; out_proj.weight keeps Linear's. */
  resetParameters(): void {
    xavierUniform_(this.p.inW);
    if (this.p.inB) constant_(this.p.inB, 0);
    if (this.p.out.bias) constant_(this.p.out.bias, 0);
  }

  /** Attend from `query` [L, N, E] to `key`/`value` [S, N, E] (batchFirst: [N, L, E]; unbatched: [L, E]). */
  forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    opts: MultiheadAttentionForwardOptions = {},
  ): [Tensor, Tensor | null] {
    const d = this.check(query, key, value, opts);
    return tidy(() => {
      const toSeqFirst = (t: Tensor) =>
        !d.batched ? t.unsqueeze(1) : this.batchFirst ? t.transpose(0, 1) : t;
      const [q, k, v] = this.project(
        toSeqFirst(query),
        key === query ? null : toSeqFirst(key),
        value === key ? null : toSeqFirst(value),
      );
      const heads = (t: Tensor, n: number) =>
        t.reshape([n, d.N * this.numHeads, this.headDim]).transpose(0, 1);
      const bias = this.bias(opts, d, query.dtype);
      const p = this.training ? this.dropout : 0;
      const { out, weights } = attend(
        heads(q, d.L),
        heads(k, d.S),
        heads(v, d.S),
        bias,
        1 / Math.sqrt(this.headDim),
        p,
      );
      let y = this.p.out.forward(out.transpose(0, 1).reshape([d.L, d.N, this.embedDim]));
      y = !d.batched ? y.squeeze(1) : this.batchFirst ? y.transpose(0, 1) : y;
      if (opts.needWeights === false) return [y, null];
      let w = weights.reshape([d.N, this.numHeads, d.L, d.S]);
      if (opts.averageAttnWeights ?? true) w = w.mean(1);
      return [y, d.batched ? w : w.squeeze(0)];
    });
  }

  /** q, k, v projections; k and v reuse the previous input when they are the same tensor (one matmul). */
  private project(query: Tensor, key: Tensor | null, value: Tensor | null): Tensor[] {
    const E = this.embedDim;
    const { inW, inB } = this.p;
    const proj = (x: Tensor, part: number, n: number) => {
      const y = x.matmul(inW.narrow(0, part * E, n * E).T);
      return inB ? y.add(inB.narrow(0, part * E, n * E)) : y;
    };
    if (!key && !value) return proj(query, 0, 3).split(E, -1);
    const q = proj(query, 0, 1);
    if (!value) return [q, ...proj(key!, 1, 2).split(E, -1)];
    return [q, key ? proj(key, 1, 1) : proj(query, 1, 1), proj(value, 2, 1)];
  }

  /** attnMask and keyPaddingMask as one additive bias broadcastable to [N·H, L, S]. */
  private bias(
    opts: MultiheadAttentionForwardOptions,
    d: Dims,
    dtype: Tensor['dtype'],
  ): Tensor | null {
    let bias: Tensor | null = null;
    if (opts.attnMask) bias = additive(opts.attnMask, true, dtype);
    if (opts.keyPaddingMask) {
      const kpm = additive(opts.keyPaddingMask, true, dtype)
        .reshape([d.N, 1, 1, d.S])
        .expand([d.N, this.numHeads, 1, d.S]);
      const flat = kpm.reshape([d.N * this.numHeads, 1, d.S]);
      bias = bias ? bias.add(flat) : flat;
    }
    return bias;
  }

  private check(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    opts: MultiheadAttentionForwardOptions,
  ): Dims {
    const op = 'MultiheadAttention';
    const E = this.embedDim;
    const layout = this.batchFirst ? `[batch, seq, ${E}]` : `[seq, batch, ${E}]`;
    const dtype = this.p.inW.dtype;
    for (const [name, t] of [
      ['query', query],
      ['key', key],
      ['value', value],
    ] as const) {
      if ((t.ndim !== 2 && t.ndim !== 3) || t.shape[t.ndim - 1] !== E || t.ndim !== query.ndim)
        throw new ShapeError(
          `${op}: expected ${name} of shape ${layout} (or unbatched [seq, ${E}]), got ${fmtShape(t.shape)}`,
        );
      if (t.dtype !== dtype)
        throw new DTypeError(
          `${op}: ${name} dtype ${t.dtype} does not match the parameters' dtype ${dtype}`,
        );
    }
    const batched = query.ndim === 3;
    const [seqDim, batchDim] = !batched ? [0, -1] : this.batchFirst ? [1, 0] : [0, 1];
    const N = batched ? query.shape[batchDim]! : 1;
    if (!shapesEqual(key.shape, value.shape) || (batched && key.shape[batchDim] !== N))
      throw new ShapeError(
        `${op}: key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)} must have the same shape, with query's batch size ${N}`,
      );
    const d = { L: query.shape[seqDim]!, S: key.shape[seqDim]!, N, batched };
    this.checkMasks(opts, d);
    return d;
  }

  private checkMasks(opts: MultiheadAttentionForwardOptions, { L, S, N, batched }: Dims): void {
    const op = 'MultiheadAttention';
    const { attnMask, keyPaddingMask } = opts;
    if (attnMask) {
      checkMaskDType(op, 'attnMask', attnMask);
      const ok =
        shapesEqual(attnMask.shape, [L, S]) ||
        shapesEqual(attnMask.shape, [N * this.numHeads, L, S]);
      if (!ok)
        throw new ShapeError(
          `${op}: expected attnMask of shape ${fmtShape([L, S])} or ${fmtShape([N * this.numHeads, L, S])}, got ${fmtShape(attnMask.shape)}`,
        );
    }
    if (keyPaddingMask) {
      checkMaskDType(op, 'keyPaddingMask', keyPaddingMask);
      const want = batched ? [N, S] : [S];
      if (!shapesEqual(keyPaddingMask.shape, want))
        throw new ShapeError(
          `${op}: expected keyPaddingMask of shape ${fmtShape(want)}, got ${fmtShape(keyPaddingMask.shape)}`,
        );
    }
  }

  override extraRepr(): string {
    return `embedDim=${this.embedDim}, numHeads=${this.numHeads}${this.batchFirst ? ', batchFirst=true' : ''}`;
  }
}

// Public methods check their arguments against their specs (check/specs/methods.ts) first.
guardMethods(
  MultiheadAttention,
  forwardOf('MultiheadAttention', ATTENTION_FORWARD.MultiheadAttention),
);
