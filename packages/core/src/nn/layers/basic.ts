/** Linear, Identity, Flatten, Dropout and Embedding. */
import { ShapeError, fmtShape, ArgumentError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { noGrad } from '../../autograd/mode.js';
import { tidy } from '../../scope.js';
import { arange } from '../../ops/creation.js';
import { where } from '../../ops/elementwise.js';
import { Module } from '../module.js';
import * as F from '../functional/basic.js';
import { kaimingUniform_, normal_, uniform_ } from '../init.js';
import { type FactoryOptions, param, pyFloat } from './common.js';
import { checkArgs } from '../../check/args.js';
import { NN } from '../../check/specs/nn.js';
import { guardMethods } from '../../check/args.js';
import { ANY_FORWARD, forwardOf } from '../../check/specs/methods.js';

export interface LinearOptions extends FactoryOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

/**
 * y = x·Wᵀ + b over the last dim. Weight [out, in] and bias [out] start as torch's:
 * U(−1/√in, 1/√in).
 * @example
 * const fc = new nn.Linear(784, 128);
 * fc.forward(fl.randn([32, 784])).shape; // [32, 128]
 */
export class Linear extends Module {
  /** Weight of shape [outFeatures, inFeatures]. */
  weight: Tensor;
  /** Bias of shape [outFeatures], or null with `bias: false`. */
  bias: Tensor | null;
  constructor(
    /** Size of each input's last dim. */
    readonly inFeatures: number,
    /** Size of each output's last dim. */
    readonly outFeatures: number,
    opts: LinearOptions = {},
  ) {
    checkArgs(NN.Linear, [inFeatures, outFeatures, opts], arguments.length);
    super();
    this.weight = param([outFeatures, inFeatures], opts);
    this.bias = (opts.bias ?? true) ? param([outFeatures], opts) : null;
    this.resetParameters();
  }
  /** Redraw the weights and bias from the default distributions. */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias && this.inFeatures > 0)
      uniform_(this.bias, -1 / Math.sqrt(this.inFeatures), 1 / Math.sqrt(this.inFeatures));
  }
  forward(x: Tensor): Tensor {
    if (x.ndim === 0 || x.shape[x.ndim - 1] !== this.inFeatures)
      throw new ShapeError(
        `Linear: expected input with last dimension ${this.inFeatures}, got ${fmtShape(x.shape)}`,
      );
    return F.linear(x, this.weight, this.bias);
  }
  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/**
 * Returns its input: a placeholder (e.g. a removed classifier head).
 * @example
 * new nn.Identity().forward(x) === x; // true
 */
export class Identity extends Module {
  constructor() {
    checkArgs(NN.Identity, [], arguments.length);
    super();
  }
  forward(x: Tensor): Tensor {
    return x;
  }
}

/**
 * Flattens dims startDim … endDim into one (default: all but the batch dim).
 * @example
 * new nn.Flatten().forward(fl.zeros([32, 64, 5, 5])).shape; // [32, 1600]
 */
export class Flatten extends Module {
  constructor(
    /** First dim to flatten (default 1, keeping the batch dim). */
    readonly startDim = 1,
    /** Last dim to flatten (default −1, the last). */
    readonly endDim = -1,
  ) {
    checkArgs(NN.Flatten, [startDim, endDim], arguments.length);
    super();
  }
  forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/**
 * Zeroes elements with probability p in training mode (scaling the rest by 1/(1 − p)); the
 * identity after `.eval()`.
 * @example
 * const drop = new nn.Dropout(0.2);
 * drop.eval().forward(x); // x
 */
export class Dropout extends Module {
  /** @param p - Probability of zeroing an element (default 0.5). */
  constructor(readonly p = 0.5) {
    checkArgs(NN.Dropout, [p], arguments.length);
    super();
    if (!(p >= 0 && p <= 1))
      throw new ArgumentError(`Dropout: probability has to be between 0 and 1, got ${p}`);
  }
  forward(x: Tensor): Tensor {
    return F.dropout(x, this.p, this.training);
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=false`;
  }
}

/**
 * Zeroes whole channels of [N,C,L] or [C,L] inputs with probability p in training mode
 * (scaling the rest by 1/(1 − p)), as torch.nn.Dropout1d; the identity after `.eval()`.
 * @example
 * new nn.Dropout1d(0.2).forward(fl.randn([8, 16, 32])).shape; // [8, 16, 32]
 */
export class Dropout1d extends Module {
  /** @param p - Probability of zeroing a channel (default 0.5). */
  constructor(readonly p = 0.5) {
    checkArgs(NN.Dropout1d, [p], arguments.length);
    super();
    if (!(p >= 0 && p <= 1))
      throw new ArgumentError(`Dropout1d: probability has to be between 0 and 1, got ${p}`);
  }
  forward(x: Tensor): Tensor {
    return F.dropout1d(x, this.p, this.training);
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=false`;
  }
}

/**
 * Zeroes whole channels of [N,C,H,W] inputs with probability p in training mode (scaling the
 * rest by 1/(1 − p)), as torch.nn.Dropout2d; the identity after `.eval()`.
 * @example
 * new nn.Dropout2d(0.2).forward(fl.randn([8, 16, 5, 5])).shape; // [8, 16, 5, 5]
 */
export class Dropout2d extends Module {
  /** @param p - Probability of zeroing a channel (default 0.5). */
  constructor(readonly p = 0.5) {
    checkArgs(NN.Dropout2d, [p], arguments.length);
    super();
    if (!(p >= 0 && p <= 1))
      throw new ArgumentError(`Dropout2d: probability has to be between 0 and 1, got ${p}`);
  }
  forward(x: Tensor): Tensor {
    return F.dropout2d(x, this.p, this.training);
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=false`;
  }
}

export interface EmbeddingOptions extends FactoryOptions {
  /** This row starts at zero and receives no gradient (negative values count from the end). */
  paddingIdx?: number | null;
}

/**
 * A lookup table of `numEmbeddings` vectors of size `embeddingDim`, initialised N(0, 1);
 * indices are int32 tensors of any shape.
 * @example
 * const emb = new nn.Embedding(10, 3);
 * emb.forward(fl.tensor([[1, 2, 4]], { dtype: 'int32' })).shape; // [1, 3, 3]
 */
export class Embedding extends Module {
  /** The table of shape [numEmbeddings, embeddingDim]. */
  weight: Tensor;
  /** The row that stays zero and gets no gradient (normalised to be non-negative), or null. */
  readonly paddingIdx: number | null;
  constructor(
    /** Number of rows (valid indices are 0 … numEmbeddings − 1). */
    readonly numEmbeddings: number,
    /** Size of each embedding vector. */
    readonly embeddingDim: number,
    opts: EmbeddingOptions = {},
  ) {
    checkArgs(NN.Embedding, [numEmbeddings, embeddingDim, opts], arguments.length);
    super();
    const pad = opts.paddingIdx ?? null;
    if (pad !== null && (!Number.isInteger(pad) || pad >= numEmbeddings || pad < -numEmbeddings))
      throw new ShapeError(
        `Embedding: paddingIdx must be within [-${numEmbeddings}, ${numEmbeddings}), got ${pad}`,
      );
    this.paddingIdx = pad === null ? null : pad < 0 ? pad + numEmbeddings : pad;
    this.weight = param([numEmbeddings, embeddingDim], opts);
    this.resetParameters();
  }
  /**
   * An embedding holding a copy of `weights` [num, dim], frozen (no gradient) unless `freeze` is false.
   * @example
   * const emb = nn.Embedding.fromPretrained(fl.randn([100, 16]));
   */
  static fromPretrained(
    weights: Tensor,
    opts: { freeze?: boolean; paddingIdx?: number | null } = {},
  ): Embedding {
    if (weights.ndim !== 2)
      throw new ShapeError(
        `Embedding.fromPretrained: weights must be 2-D, got ${fmtShape(weights.shape)}`,
      );
    const emb = new Embedding(weights.shape[0]!, weights.shape[1]!, {
      paddingIdx: opts.paddingIdx,
      dtype: weights.dtype,
      device: weights.device,
    });
    noGrad(() => emb.weight.copy_(weights));
    if (opts.freeze ?? true) emb.weight.requiresGrad_(false);
    return emb;
  }
  /** Redraw the table from N(0, 1), zeroing the `paddingIdx` row. */
  resetParameters(): void {
    normal_(this.weight);
    const pad = this.paddingIdx;
    if (pad !== null) zeroRow(this.weight, pad);
  }
  forward(indices: Tensor): Tensor {
    return F.lookup('Embedding', indices, this.weight, { paddingIdx: this.paddingIdx });
  }
  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx === null ? '' : `, padding_idx=${this.paddingIdx}`}`;
  }
}

/** Zero one row in place (views do not write through, so the whole table is rewritten once). */
function zeroRow(w: Tensor, row: number): void {
  noGrad(() =>
    tidy(
      () =>
        void w.copy_(
          where(arange(w.shape[0]!, undefined, 1, { device: w.device }).eq(row).unsqueeze(1), 0, w),
        ),
    ),
  );
}

// Public methods check their arguments against their specs (check/specs/methods.ts) first.
guardMethods(Linear, forwardOf('Linear'));
guardMethods(Identity, forwardOf('Identity', ANY_FORWARD));
guardMethods(Flatten, forwardOf('Flatten'));
guardMethods(Dropout, forwardOf('Dropout'));
guardMethods(Dropout1d, forwardOf('Dropout1d'));
guardMethods(Dropout2d, forwardOf('Dropout2d'));
guardMethods(Embedding, forwardOf('Embedding'));
