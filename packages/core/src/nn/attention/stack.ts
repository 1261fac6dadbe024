/**
 * The stacks of torch.nn: `TransformerEncoder` and `TransformerDecoder` (N copies of one layer and
 * an optional final norm, state-dict keys `layers.0.self_attn.in_proj_weight` …, `norm.weight`)
 * and `Transformer` (encoder + decoder, keys `encoder.*`, `decoder.*`).
 */
import { ArgumentError, ShapeError, fmtShape } from '../../errors.js';
import type { DType } from '../../dtype.js';
import type { Tensor } from '../../tensor.js';
import { Module } from '../module.js';
import { ModuleList } from '../containers.js';
import { LayerNorm } from '../layers/index.js';
import { xavierUniform_ } from '../init.js';
import type { FactoryOptions } from '../layers/common.js';
import { TransformerEncoderLayer, type TransformerActivation } from './transformer.js';
import {
  TransformerDecoderLayer,
  type TransformerDecoderLayerForwardOptions,
  causalTgtMask,
  subsequentMask,
} from './decoder.js';
import { checkArgs, guardMethods } from '../../check/args.js';
import { NN } from '../../check/specs/nn.js';
import { ATTENTION_FORWARD, forwardOf } from '../../check/specs/methods.js';

/**
 * A copy of a built-in layer with the same constructor arguments, parameter values and mode (what
 * torch's copy.deepcopy gives): rebuilt from the arguments the checked constructor recorded.
 */
function cloneLayer<M extends Module>(op: string, layer: M): M {
  const args = (layer as unknown as { _layerArgs: unknown[] | null })._layerArgs;
  if (!args)
    throw new ArgumentError(
      `${op}: can copy only a layer built by the nn constructor it names (got a ${layer.constructor.name}); build the stack from a plain layer`,
    );
  const Ctor = layer.constructor as new (...a: unknown[]) => M;
  const copy = new Ctor(...args);
  copy.loadStateDict(layer.stateDict());
  return copy.train(layer.training);
}

function clones<M extends Module>(op: string, layer: M, n: number): ModuleList<M> {
  return new ModuleList(Array.from({ length: n }, () => cloneLayer(op, layer)));
}

/** Options of `TransformerEncoder`. */
export interface TransformerEncoderOptions {
  /** A final norm applied to the last layer's output (state-dict key `norm`), e.g. a LayerNorm. */
  norm?: Module | null;
  /** Accepted for torch compatibility and ignored: Flint has no nested tensors (padded positions are not zeroed). */
  enableNestedTensor?: boolean;
  /** Accepted for torch compatibility and ignored (it only gates torch's nested-tensor fast path). */
  maskCheck?: boolean;
}

/** Masks of `TransformerEncoder.forward`. */
export interface TransformerEncoderForwardOptions {
  /** [L, L] or [N·nhead, L, L] attention mask for every layer (bool `true` blocks; float is added). */
  mask?: Tensor | null;
  /** [N, L] key padding mask (bool `true` marks padding; float is added). */
  srcKeyPaddingMask?: Tensor | null;
}

/**
 * `numLayers` copies of an encoder layer, run in turn, then `norm` if given.
 * @example
 * const layer = new nn.TransformerEncoderLayer(32, 4, { dimFeedforward: 64, batchFirst: true });
 * const encoder = new nn.TransformerEncoder(layer, 2, { norm: new nn.LayerNorm([32]) });
 * const y = encoder.eval().forward(fl.randn([2, 10, 32])); // [2, 10, 32]
 */
export class TransformerEncoder extends Module {
  /** The copies of the layer (state-dict key `layers`). */
  readonly layers: ModuleList<TransformerEncoderLayer>;
  /** The final norm, or null. */
  readonly norm: Module | null;
  /** Number of layers. */
  readonly numLayers: number;

  constructor(
    encoderLayer: TransformerEncoderLayer,
    numLayers: number,
    opts: TransformerEncoderOptions = {},
  ) {
    checkArgs(NN.TransformerEncoder, [encoderLayer, numLayers, opts], arguments.length);
    super();
    this.layers = clones('TransformerEncoder', encoderLayer, numLayers);
    this.norm = opts.norm ?? null;
    this.numLayers = numLayers;
  }

  /** src: [L, N, dModel] ([N, L, dModel] with batchFirst, [L, dModel] unbatched). */
  forward(src: Tensor, opts: TransformerEncoderForwardOptions = {}): Tensor {
    let x = src;
    for (const layer of this.layers.children() as TransformerEncoderLayer[])
      x = layer.forward(x, { srcMask: opts.mask, srcKeyPaddingMask: opts.srcKeyPaddingMask });
    return this.norm ? (this.norm.forward(x) as Tensor) : x;
  }
}

/** Options of `TransformerDecoder`. */
export interface TransformerDecoderOptions {
  /** A final norm applied to the last layer's output (state-dict key `norm`), e.g. a LayerNorm. */
  norm?: Module | null;
}

/** Masks of `TransformerDecoder.forward`, and the causal hint. */
export type TransformerDecoderForwardOptions = TransformerDecoderLayerForwardOptions;

/**
 * `numLayers` copies of a decoder layer, run in turn over the target with the same memory, then
 * `norm` if given.
 * @example
 * const layer = new nn.TransformerDecoderLayer(32, 4, { dimFeedforward: 64, batchFirst: true });
 * const decoder = new nn.TransformerDecoder(layer, 2);
 * const y = decoder.eval().forward(fl.randn([2, 7, 32]), fl.randn([2, 10, 32]), { tgtIsCausal: true });
 */
export class TransformerDecoder extends Module {
  /** The copies of the layer (state-dict key `layers`). */
  readonly layers: ModuleList<TransformerDecoderLayer>;
  /** The final norm, or null. */
  readonly norm: Module | null;
  /** Number of layers. */
  readonly numLayers: number;

  constructor(
    decoderLayer: TransformerDecoderLayer,
    numLayers: number,
    opts: TransformerDecoderOptions = {},
  ) {
    checkArgs(NN.TransformerDecoder, [decoderLayer, numLayers, opts], arguments.length);
    super();
    this.layers = clones('TransformerDecoder', decoderLayer, numLayers);
    this.norm = opts.norm ?? null;
    this.numLayers = numLayers;
  }

  /** tgt: [T, N, dModel], memory: [S, N, dModel] (batchFirst: [N, T, dModel], [N, S, dModel]). */
  forward(tgt: Tensor, memory: Tensor, opts: TransformerDecoderForwardOptions = {}): Tensor {
    const layers = this.layers.children() as TransformerDecoderLayer[];
    const masks = causalTgtMask(tgt, layers[0]?.batchFirst ?? false, opts);
    let x = tgt;
    // Made once here (not by every layer) and passed on as the mask it stands for.
    for (const layer of layers) x = layer.forward(x, memory, { ...masks, tgtIsCausal: undefined });
    return this.norm ? (this.norm.forward(x) as Tensor) : x;
  }
}

/** Options of `Transformer` (torch's keyword arguments, camelCase). */
export interface TransformerOptions extends FactoryOptions {
  /** Feature size of every sequence (default 512). */
  dModel?: number;
  /** Number of attention heads (default 8; must divide dModel). */
  nhead?: number;
  /** Encoder layers (default 6). */
  numEncoderLayers?: number;
  /** Decoder layers (default 6). */
  numDecoderLayers?: number;
  /** Width of each feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout probability everywhere (default 0.1). */
  dropout?: number;
  /** Feed-forward nonlinearity (default 'relu'). */
  activation?: TransformerActivation;
  /** Use this module as the encoder (called as forward(src, { mask, srcKeyPaddingMask })). */
  customEncoder?: Module | null;
  /** Use this module as the decoder (called as forward(tgt, memory, masks)). */
  customDecoder?: Module | null;
  /** LayerNorm epsilon (default 1e-5). */
  layerNormEps?: number;
  /** Sequences are [batch, seq, dModel] (default false: [seq, batch, dModel]). */
  batchFirst?: boolean;
  /** Pre-norm layers (default false). */
  normFirst?: boolean;
  /** Learn biases in the linear and LayerNorm layers (default true). */
  bias?: boolean;
}

/** Masks of `Transformer.forward`. */
export interface TransformerForwardOptions extends TransformerDecoderForwardOptions {
  /** Mask of the encoder's self-attention, [S, S] or [N·nhead, S, S]. */
  srcMask?: Tensor | null;
  /** [N, S] padding mask of the source's keys (also pass it as memoryKeyPaddingMask, as in torch). */
  srcKeyPaddingMask?: Tensor | null;
}

/**
 * The encoder–decoder Transformer of "Attention Is All You Need" (torch.nn.Transformer).
 * Weight matrices are Xavier-uniform initialised, as in torch.
 * @example
 * const model = new nn.Transformer({ dModel: 32, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 2, dimFeedforward: 64, batchFirst: true });
 * const src = fl.randn([2, 10, 32]);
 * const tgt = fl.randn([2, 7, 32]);
 * const y = model.eval().forward(src, tgt, { tgtMask: nn.Transformer.generateSquareSubsequentMask(7) }); // [2, 7, 32]
 */
export class Transformer extends Module {
  /** The encoder (state-dict key `encoder`). */
  readonly encoder: Module;
  /** The decoder (state-dict key `decoder`). */
  readonly decoder: Module;
  /** Feature size of every sequence. */
  readonly dModel: number;
  /** Number of attention heads. */
  readonly nhead: number;
  /** Whether sequences are [batch, seq, dModel]. */
  readonly batchFirst: boolean;

  constructor(opts: TransformerOptions = {}) {
    checkArgs(NN.Transformer, [opts], arguments.length);
    super();
    this.dModel = opts.dModel ?? 512;
    this.nhead = opts.nhead ?? 8;
    this.batchFirst = opts.batchFirst ?? false;
    const f = { dtype: opts.dtype, device: opts.device, bias: opts.bias ?? true };
    const layerOpts = {
      ...f,
      dimFeedforward: opts.dimFeedforward ?? 2048,
      dropout: opts.dropout ?? 0.1,
      activation: opts.activation ?? 'relu',
      layerNormEps: opts.layerNormEps ?? 1e-5,
      batchFirst: this.batchFirst,
      normFirst: opts.normFirst ?? false,
    };
    const norm = () => new LayerNorm([this.dModel], { eps: layerOpts.layerNormEps, ...f });
    const stack = <L extends Module, S>(layer: L, make: (l: L) => S): S => {
      const s = make(layer);
      layer.dispose(); // the stack holds copies
      return s;
    };
    this.encoder =
      opts.customEncoder ??
      stack(
        new TransformerEncoderLayer(this.dModel, this.nhead, layerOpts),
        (l) => new TransformerEncoder(l, opts.numEncoderLayers ?? 6, { norm: norm() }),
      );
    this.decoder =
      opts.customDecoder ??
      stack(
        new TransformerDecoderLayer(this.dModel, this.nhead, layerOpts),
        (l) => new TransformerDecoder(l, opts.numDecoderLayers ?? 6, { norm: norm() }),
      );
    for (const p of this.parameters()) if (p.ndim > 1) xavierUniform_(p);
  }

  /**
   * src: [S, N, dModel], tgt: [T, N, dModel] (batchFirst: [N, S, dModel], [N, T, dModel];
   * unbatched: [S, dModel], [T, dModel]). Returns [T, N, dModel] (tgt's shape).
   */
  forward(src: Tensor, tgt: Tensor, opts: TransformerForwardOptions = {}): Tensor {
    this.check(src, tgt);
    const memory = this.encoder.forward(src, {
      mask: opts.srcMask,
      srcKeyPaddingMask: opts.srcKeyPaddingMask,
    }) as Tensor;
    return this.decoder.forward(tgt, memory, {
      tgtMask: opts.tgtMask,
      memoryMask: opts.memoryMask,
      tgtKeyPaddingMask: opts.tgtKeyPaddingMask,
      memoryKeyPaddingMask: opts.memoryKeyPaddingMask,
      tgtIsCausal: opts.tgtIsCausal,
    }) as Tensor;
  }

  private check(src: Tensor, tgt: Tensor): void {
    const b = this.batchFirst ? 0 : 1;
    if (src.ndim === 3 && src.shape[b] !== tgt.shape[b])
      throw new ShapeError(
        `Transformer: the batch size of src ${fmtShape(src.shape)} and tgt ${fmtShape(tgt.shape)} must be equal (dim ${b}${this.batchFirst ? ', batchFirst' : ''})`,
      );
    if (src.shape[src.ndim - 1] !== this.dModel || tgt.shape[tgt.ndim - 1] !== this.dModel)
      throw new ShapeError(
        `Transformer: the feature size of src ${fmtShape(src.shape)} and tgt ${fmtShape(tgt.shape)} must be dModel (${this.dModel})`,
      );
  }

  /**
   * An [n, n] float mask with −∞ above the diagonal and 0 elsewhere: position i may attend to
   * positions ≤ i (torch.nn.Transformer.generate_square_subsequent_mask).
   * @example
   * nn.Transformer.generateSquareSubsequentMask(3).toArray(); // [[0, -Inf, -Inf], [0, 0, -Inf], [0, 0, 0]]
   */
  static generateSquareSubsequentMask(
    n: number,
    opts: { dtype?: DType; device?: string } = {},
  ): Tensor {
    checkArgs(NN.generateSquareSubsequentMask, [n, opts], arguments.length);
    return subsequentMask(n, opts.dtype ?? 'float32', opts.device);
  }
}

// Public methods check their arguments against their specs (check/specs/methods.ts) first.
guardMethods(
  TransformerEncoder,
  forwardOf('TransformerEncoder', ATTENTION_FORWARD.TransformerEncoder),
);
guardMethods(
  TransformerDecoder,
  forwardOf('TransformerDecoder', ATTENTION_FORWARD.TransformerDecoder),
);
guardMethods(Transformer, forwardOf('Transformer', ATTENTION_FORWARD.Transformer));
