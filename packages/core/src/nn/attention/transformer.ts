/**
 * torch.nn.TransformerEncoderLayer: self-attention and a two-layer feed-forward block, each with
 * a residual connection and LayerNorm (after the residual by default, before the block with
 * `normFirst`). Children are registered in torch's order so the state-dict keys and their order
 * match: self_attn.*, linear1.*, linear2.*, norm1.*, norm2.*.
 */
import { FlintError, ShapeError, fmtShape } from '../../errors.js';
import { tidy } from '../../scope.js';
import type { Tensor } from '../../tensor.js';
import { Module } from '../module.js';
import { Dropout, LayerNorm, Linear } from '../layers/index.js';
import type { FactoryOptions } from '../layers/common.js';
import { MultiheadAttention } from './multihead.js';
import { checkArgs } from '../../check/args.js';
import { NN } from '../../check/specs/nn.js';
import { guardMethods } from '../../check/args.js';
import { ATTENTION_FORWARD, forwardOf } from '../../check/specs/methods.js';

/**
 * Feed-forward nonlinearity of `TransformerEncoderLayer`: `'relu'`, `'gelu'` (exact erf form) or
 * any tensor function.
 */
export type TransformerActivation = 'relu' | 'gelu' | ((x: Tensor) => Tensor);

export interface TransformerEncoderLayerOptions extends FactoryOptions {
  /** Width of the feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout after attention, inside and after the feed-forward block, and on attention weights (default 0.1). */
  dropout?: number;
  /** Feed-forward nonlinearity (default 'relu'; 'gelu' is the exact erf form). */
  activation?: TransformerActivation;
  /** LayerNorm epsilon (default 1e-5). */
  layerNormEps?: number;
  /** Input and output are [batch, seq, dModel] (default false: [seq, batch, dModel]). */
  batchFirst?: boolean;
  /** Pre-norm: normalise before each block instead of after the residual (default false). */
  normFirst?: boolean;
  /** Learn biases in the linear and LayerNorm layers (default true). */
  bias?: boolean;
}

/** Masks of `TransformerEncoderLayer.forward`. */
export interface TransformerEncoderLayerForwardOptions {
  /** [L, L] or [N·nhead, L, L] attention mask (bool `true` blocks; float is added). */
  srcMask?: Tensor | null;
  /** [N, L] key padding mask (bool `true` marks padding; float is added). */
  srcKeyPaddingMask?: Tensor | null;
}

interface Parts {
  selfAttn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
}

/**
 * One encoder block of "Attention Is All You Need".
 * @example
 * const layer = new nn.TransformerEncoderLayer(32, 4, { dimFeedforward: 64, batchFirst: true });
 * const y = layer.eval().forward(fl.randn([2, 10, 32])); // [2, 10, 32]
 */
export class TransformerEncoderLayer extends Module {
  /** Feature size of the input and output. */
  readonly dModel: number;
  /** Number of attention heads (must divide `dModel`). */
  readonly nhead: number;
  /** Whether LayerNorm comes before each block (pre-norm) rather than after the residual. */
  readonly normFirst: boolean;
  /** Whether input and output are [batch, seq, dModel] rather than [seq, batch, dModel]. */
  readonly batchFirst: boolean;
  /** The feed-forward nonlinearity. */
  readonly activation: TransformerActivation;
  private readonly parts: Parts;

  constructor(dModel: number, nhead: number, opts: TransformerEncoderLayerOptions = {}) {
    checkArgs(NN.TransformerEncoderLayer, [dModel, nhead, opts], arguments.length);
    super();
    this.dModel = dModel;
    this.nhead = nhead;
    this.normFirst = opts.normFirst ?? false;
    this.batchFirst = opts.batchFirst ?? false;
    this.activation = opts.activation ?? 'relu';
    if (
      typeof this.activation === 'string' &&
      this.activation !== 'relu' &&
      this.activation !== 'gelu'
    )
      throw new FlintError(
        `TransformerEncoderLayer: activation must be 'relu', 'gelu' or a function, got '${String(this.activation)}'`,
      );
    const p = opts.dropout ?? 0.1;
    const ff = opts.dimFeedforward ?? 2048;
    const f = { dtype: opts.dtype, device: opts.device, bias: opts.bias ?? true };
    const norm = () => new LayerNorm([dModel], { eps: opts.layerNormEps ?? 1e-5, ...f });
    const parts: Parts = {
      selfAttn: new MultiheadAttention(dModel, nhead, {
        ...f,
        dropout: p,
        batchFirst: this.batchFirst,
      }),
      linear1: new Linear(dModel, ff, f),
      dropout: new Dropout(p),
      linear2: new Linear(ff, dModel, f),
      norm1: norm(),
      norm2: norm(),
      dropout1: new Dropout(p),
      dropout2: new Dropout(p),
    };
    // Registered (not fields) so the keys are torch's snake_case names, in torch's order.
    const keys: Record<keyof Parts, string> = {
      selfAttn: 'self_attn',
      linear1: 'linear1',
      dropout: 'dropout',
      linear2: 'linear2',
      norm1: 'norm1',
      norm2: 'norm2',
      dropout1: 'dropout1',
      dropout2: 'dropout2',
    };
    for (const [k, m] of Object.entries(parts)) this.addModule(keys[k as keyof Parts], m);
    this.parts = parts;
  }

  /** The self-attention block (state-dict key `self_attn`). */
  get selfAttn(): MultiheadAttention {
    return this.parts.selfAttn;
  }
  /** First feed-forward layer, dModel → dimFeedforward. */
  get linear1(): Linear {
    return this.parts.linear1;
  }
  /** Second feed-forward layer, dimFeedforward → dModel. */
  get linear2(): Linear {
    return this.parts.linear2;
  }
  /** LayerNorm of the attention block. */
  get norm1(): LayerNorm {
    return this.parts.norm1;
  }
  /** LayerNorm of the feed-forward block. */
  get norm2(): LayerNorm {
    return this.parts.norm2;
  }

  /** src: [L, N, dModel] ([N, L, dModel] with batchFirst, [L, dModel] unbatched). */
  forward(src: Tensor, opts: TransformerEncoderLayerForwardOptions = {}): Tensor {
    if ((src.ndim !== 2 && src.ndim !== 3) || src.shape[src.ndim - 1] !== this.dModel)
      throw new ShapeError(
        `TransformerEncoderLayer: expected src of shape ${this.batchFirst ? '[batch, seq, ' : '[seq, batch, '}${this.dModel}] (or unbatched [seq, ${this.dModel}]), got ${fmtShape(src.shape)}`,
      );
    const { norm1, norm2 } = this.parts;
    return tidy(() => {
      if (this.normFirst) {
        const x = src.add(this.attentionBlock(norm1.forward(src), opts));
        return x.add(this.feedForwardBlock(norm2.forward(x)));
      }
      const x = norm1.forward(src.add(this.attentionBlock(src, opts)));
      return norm2.forward(x.add(this.feedForwardBlock(x)));
    });
  }

  private attentionBlock(x: Tensor, opts: TransformerEncoderLayerForwardOptions): Tensor {
    const { selfAttn, dropout1 } = this.parts;
    const [y] = selfAttn.forward(x, x, x, {
      attnMask: opts.srcMask,
      keyPaddingMask: opts.srcKeyPaddingMask,
      needWeights: false,
    });
    return dropout1.forward(y);
  }

  private feedForwardBlock(x: Tensor): Tensor {
    const { linear1, dropout, linear2, dropout2 } = this.parts;
    const h = linear1.forward(x);
    const a =
      this.activation === 'relu'
        ? h.relu()
        : this.activation === 'gelu'
          ? h.gelu()
          : this.activation(h);
    return dropout2.forward(linear2.forward(dropout.forward(a)));
  }
}

// Public methods check their arguments against their specs (check/specs/methods.ts) first.
guardMethods(
  TransformerEncoderLayer,
  forwardOf('TransformerEncoderLayer', ATTENTION_FORWARD.TransformerEncoderLayer),
);
