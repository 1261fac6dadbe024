/**
 * torch.nn.TransformerDecoderLayer: self-attention over the target, cross-attention to the
 * encoder's memory, and a two-layer feed-forward block, each with a residual connection and
 * LayerNorm (after the residual by default, before the block with `normFirst`). Children are
 * registered in torch's order so the state-dict keys and their order match: self_attn.*,
 * multihead_attn.*, linear1.*, linear2.*, norm1.*, norm2.*, norm3.*.
 */
import { ShapeError, fmtShape } from '../../errors.js';
import { tidy } from '../../scope.js';
import { full } from '../../ops/creation.js';
import { noGrad } from '../../autograd/mode.js';
import type { DType } from '../../dtype.js';
import type { Tensor } from '../../tensor.js';
import { Module } from '../module.js';
import { Dropout, LayerNorm, Linear } from '../layers/index.js';
import { MultiheadAttention } from './multihead.js';
import type { TransformerActivation, TransformerEncoderLayerOptions } from './transformer.js';
import { checkArgs, guardMethods } from '../../check/args.js';
import { NN } from '../../check/specs/nn.js';
import { ATTENTION_FORWARD, forwardOf } from '../../check/specs/methods.js';

/** Options of `TransformerDecoderLayer`: the same as the encoder layer's. */
export type TransformerDecoderLayerOptions = TransformerEncoderLayerOptions;

/** Masks of `TransformerDecoderLayer.forward` and `TransformerDecoder.forward`. */
export interface TransformerDecoderLayerForwardOptions {
  /** [T, T] or [N·nhead, T, T] mask of the target's self-attention (bool `true` blocks; float is added). */
  tgtMask?: Tensor | null;
  /** [T, S] or [N·nhead, T, S] mask of the attention to memory. */
  memoryMask?: Tensor | null;
  /** [N, T] padding mask of the target's keys (bool `true` marks padding; float is added). */
  tgtKeyPaddingMask?: Tensor | null;
  /** [N, S] padding mask of the memory's keys. */
  memoryKeyPaddingMask?: Tensor | null;
  /**
   * The target attends causally (torch's `tgt_is_causal`). Without `tgtMask` Flint builds the
   * causal mask (`Transformer.generateSquareSubsequentMask`); with one, it is a hint and changes
   * nothing.
   */
  tgtIsCausal?: boolean;
}

/** The causal mask of `tgt`'s sequence when asked for by `tgtIsCausal` and not given. */
export function causalTgtMask(
  tgt: Tensor,
  batchFirst: boolean,
  opts: TransformerDecoderLayerForwardOptions,
): TransformerDecoderLayerForwardOptions {
  if (!opts.tgtIsCausal || opts.tgtMask) return opts;
  const T = tgt.shape[tgt.ndim === 3 && batchFirst ? 1 : 0]!;
  return { ...opts, tgtMask: subsequentMask(T, tgt.dtype, tgt.device) };
}

/** [n, n]: −∞ above the diagonal, 0 elsewhere. */
export function subsequentMask(n: number, dtype: DType, device: string | undefined): Tensor {
  return noGrad(() => full([n, n], -Infinity, { dtype, device }).triu(1));
}

interface Parts {
  selfAttn: MultiheadAttention;
  multiheadAttn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  norm3: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  dropout3: Dropout;
}

/** torch's attribute names (the state-dict keys), in torch's registration order. */
const KEYS: Record<keyof Parts, string> = {
  selfAttn: 'self_attn',
  multiheadAttn: 'multihead_attn',
  linear1: 'linear1',
  dropout: 'dropout',
  linear2: 'linear2',
  norm1: 'norm1',
  norm2: 'norm2',
  norm3: 'norm3',
  dropout1: 'dropout1',
  dropout2: 'dropout2',
  dropout3: 'dropout3',
};

/** `h` through the feed-forward nonlinearity. */
export function activate(activation: TransformerActivation, h: Tensor): Tensor {
  if (activation === 'relu') return h.relu();
  if (activation === 'gelu') return h.gelu();
  return activation(h);
}

/**
 * One decoder block of "Attention Is All You Need".
 * @example
 * const layer = new nn.TransformerDecoderLayer(32, 4, { dimFeedforward: 64, batchFirst: true });
 * const y = layer.eval().forward(fl.randn([2, 7, 32]), fl.randn([2, 10, 32])); // [2, 7, 32]
 */
export class TransformerDecoderLayer extends Module {
  /** Feature size of the target, the memory and the output. */
  readonly dModel: number;
  /** Number of attention heads (must divide `dModel`). */
  readonly nhead: number;
  /** Whether LayerNorm comes before each block (pre-norm) rather than after the residual. */
  readonly normFirst: boolean;
  /** Whether inputs and output are [batch, seq, dModel] rather than [seq, batch, dModel]. */
  readonly batchFirst: boolean;
  /** The feed-forward nonlinearity. */
  readonly activation: TransformerActivation;
  private readonly parts: Parts;

  constructor(dModel: number, nhead: number, opts: TransformerDecoderLayerOptions = {}) {
    checkArgs(NN.TransformerDecoderLayer, [dModel, nhead, opts], arguments.length);
    super();
    this.dModel = dModel;
    this.nhead = nhead;
    this.normFirst = opts.normFirst ?? false;
    this.batchFirst = opts.batchFirst ?? false;
    this.activation = opts.activation ?? 'relu';
    const p = opts.dropout ?? 0.1;
    const ff = opts.dimFeedforward ?? 2048;
    const f = { dtype: opts.dtype, device: opts.device, bias: opts.bias ?? true };
    const norm = () => new LayerNorm([dModel], { eps: opts.layerNormEps ?? 1e-5, ...f });
    const attn = () =>
      new MultiheadAttention(dModel, nhead, { ...f, dropout: p, batchFirst: this.batchFirst });
    const parts: Parts = {
      selfAttn: attn(),
      multiheadAttn: attn(),
      linear1: new Linear(dModel, ff, f),
      dropout: new Dropout(p),
      linear2: new Linear(ff, dModel, f),
      norm1: norm(),
      norm2: norm(),
      norm3: norm(),
      dropout1: new Dropout(p),
      dropout2: new Dropout(p),
      dropout3: new Dropout(p),
    };
    for (const [k, m] of Object.entries(parts)) this.addModule(KEYS[k as keyof Parts], m);
    this.parts = parts;
  }

  /** The target's self-attention (state-dict key `self_attn`). */
  get selfAttn(): MultiheadAttention {
    return this.parts.selfAttn;
  }
  /** The attention from the target to the memory (state-dict key `multihead_attn`). */
  get multiheadAttn(): MultiheadAttention {
    return this.parts.multiheadAttn;
  }
  /** First feed-forward layer, dModel → dimFeedforward. */
  get linear1(): Linear {
    return this.parts.linear1;
  }
  /** Second feed-forward layer, dimFeedforward → dModel. */
  get linear2(): Linear {
    return this.parts.linear2;
  }
  /** LayerNorm of the self-attention block. */
  get norm1(): LayerNorm {
    return this.parts.norm1;
  }
  /** LayerNorm of the cross-attention block. */
  get norm2(): LayerNorm {
    return this.parts.norm2;
  }
  /** LayerNorm of the feed-forward block. */
  get norm3(): LayerNorm {
    return this.parts.norm3;
  }

  /**
   * tgt: [T, N, dModel], memory: [S, N, dModel] ([N, T, dModel] and [N, S, dModel] with
   * batchFirst; [T, dModel] and [S, dModel] unbatched). Returns tgt's shape.
   */
  forward(tgt: Tensor, memory: Tensor, opts: TransformerDecoderLayerForwardOptions = {}): Tensor {
    this.check(tgt, memory);
    const { norm1, norm2, norm3 } = this.parts;
    return tidy(() => {
      opts = causalTgtMask(tgt, this.batchFirst, opts);
      if (this.normFirst) {
        let x = tgt.add(this.selfBlock(norm1.forward(tgt), opts));
        x = x.add(this.crossBlock(norm2.forward(x), memory, opts));
        return x.add(this.feedForwardBlock(norm3.forward(x)));
      }
      let x = norm1.forward(tgt.add(this.selfBlock(tgt, opts)));
      x = norm2.forward(x.add(this.crossBlock(x, memory, opts)));
      return norm3.forward(x.add(this.feedForwardBlock(x)));
    });
  }

  private check(tgt: Tensor, memory: Tensor): void {
    const E = this.dModel;
    const layout = this.batchFirst ? `[batch, seq, ${E}]` : `[seq, batch, ${E}]`;
    for (const [name, t] of [
      ['tgt', tgt],
      ['memory', memory],
    ] as const)
      if ((t.ndim !== 2 && t.ndim !== 3) || t.shape[t.ndim - 1] !== E)
        throw new ShapeError(
          `TransformerDecoderLayer: expected ${name} of shape ${layout} (or unbatched [seq, ${E}]), got ${fmtShape(t.shape)}`,
        );
    const b = this.batchFirst ? 0 : 1;
    if (tgt.ndim !== memory.ndim || (tgt.ndim === 3 && tgt.shape[b] !== memory.shape[b]))
      throw new ShapeError(
        `TransformerDecoderLayer: tgt ${fmtShape(tgt.shape)} and memory ${fmtShape(memory.shape)} must both be batched with the same batch size, or both unbatched`,
      );
  }

  private selfBlock(x: Tensor, opts: TransformerDecoderLayerForwardOptions): Tensor {
    const [y] = this.parts.selfAttn.forward(x, x, x, {
      attnMask: opts.tgtMask,
      keyPaddingMask: opts.tgtKeyPaddingMask,
      needWeights: false,
    });
    return this.parts.dropout1.forward(y);
  }

  private crossBlock(x: Tensor, mem: Tensor, opts: TransformerDecoderLayerForwardOptions): Tensor {
    const [y] = this.parts.multiheadAttn.forward(x, mem, mem, {
      attnMask: opts.memoryMask,
      keyPaddingMask: opts.memoryKeyPaddingMask,
      needWeights: false,
    });
    return this.parts.dropout2.forward(y);
  }

  private feedForwardBlock(x: Tensor): Tensor {
    const { linear1, dropout, linear2, dropout3 } = this.parts;
    const a = activate(this.activation, linear1.forward(x));
    return dropout3.forward(linear2.forward(dropout.forward(a)));
  }

  override extraRepr(): string {
    return `dModel=${this.dModel}, nhead=${this.nhead}${this.batchFirst ? ', batchFirst=true' : ''}${this.normFirst ? ', normFirst=true' : ''}`;
  }
}

// Public methods check their arguments against their specs (check/specs/methods.ts) first.
guardMethods(
  TransformerDecoderLayer,
  forwardOf('TransformerDecoderLayer', ATTENTION_FORWARD.TransformerDecoderLayer),
);
