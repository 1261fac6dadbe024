/** Normalisation layers: BatchNorm1d/2d (with running statistics), LayerNorm and GroupNorm. */
import { ShapeError, fmtShape } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { noGrad } from '../../autograd/mode.js';
import { full } from '../../ops/creation.js';
import { Module } from '../module.js';
import { batchNormWith, groupNorm, layerNorm } from '../functional/norm.js';
import { deferred } from '../../ops/checks.js';
import { type FactoryOptions, filled, param, pyFloat, pyValue } from './common.js';
import { checkArgs } from '../../check/args.js';
import { NN } from '../../check/specs/nn.js';
import { guardMethods } from '../../check/args.js';
import { forwardOf } from '../../check/specs/methods.js';

export interface BatchNormLayerOptions extends FactoryOptions {
  /** Added to the variance for numerical stability (default 1e-5). */
  eps?: number;
  /** Weight of each batch in the running averages (default 0.1); null for a cumulative average. */
  momentum?: number | null;
  /** Learn a per-channel scale and shift (default true). */
  affine?: boolean;
  /** Keep running_mean / running_var for eval mode (default true); otherwise always use batch statistics. */
  trackRunningStats?: boolean;
}

/**
 * torch's _BatchNorm: weight/bias parameters and running_mean, running_var and
 * num_batches_tracked buffers under torch's state-dict names.
 */
/**
 * momentum=None's cumulative average: factor 1/numBatchesTracked, as a number (torch's) where the
 * device reads synchronously, else as a 0-d tensor on the device in the running buffers' dtype.
 */
function cumulativeFactor(nbt: Tensor, running: Tensor | null): number | Tensor {
  if (!deferred(nbt)) return 1 / nbt.item();
  return noGrad(() => nbt.to(running?.dtype ?? 'float32').reciprocal());
}

abstract class BatchNormBase extends Module {
  /** Per-channel scale [numFeatures] (starts at 1), or null without `affine`. */
  weight: Tensor | null;
  /** Per-channel shift [numFeatures] (starts at 0), or null without `affine`. */
  bias: Tensor | null;
  /** Added to the variance for numerical stability. */
  readonly eps: number;
  /** Weight of each batch in the running averages; null for a cumulative average. */
  readonly momentum: number | null;
  /** Whether the layer learns a per-channel scale and shift. */
  readonly affine: boolean;
  /** Whether running statistics are kept (and used in eval mode). */
  readonly trackRunningStats: boolean;

  protected constructor(
    private readonly layerName: string,
    /** Number of channels C (dim 1 of the input). */
    readonly numFeatures: number,
    opts: BatchNormLayerOptions,
  ) {
    super();
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    this.affine = opts.affine ?? true;
    this.trackRunningStats = opts.trackRunningStats ?? true;
    this.weight = this.affine ? param([numFeatures], opts, 1) : null;
    this.bias = this.affine ? param([numFeatures], opts, 0) : null;
    const track = this.trackRunningStats;
    this.registerBuffer('running_mean', track ? filled([numFeatures], 0, opts) : null);
    this.registerBuffer('running_var', track ? filled([numFeatures], 1, opts) : null);
    this.registerBuffer(
      'num_batches_tracked',
      track ? full([], 0, { dtype: 'int32', device: opts.device }) : null,
    );
  }

  /** Running mean per channel (the `running_mean` buffer), or null without `trackRunningStats`. */
  get runningMean(): Tensor | null {
    return this.buffer('running_mean');
  }
  /**
   * Running (unbiased) variance per channel (the `running_var` buffer), or null without
   * `trackRunningStats`.
   */
  get runningVar(): Tensor | null {
    return this.buffer('running_var');
  }
  /**
   * Number of training batches seen, a 0-d int32 tensor (the `num_batches_tracked` buffer), or
   * null.
   */
  get numBatchesTracked(): Tensor | null {
    return this.buffer('num_batches_tracked');
  }

  /** Reset running statistics to mean 0, variance 1 and the batch count to 0. */
  resetRunningStats(): void {
    noGrad(() => {
      this.runningMean?.zero_();
      this.runningVar?.fill_(1);
      this.numBatchesTracked?.zero_();
    });
  }

  /** Throw a ShapeError unless `x` has the layer's rank and C channels. */
  protected abstract checkInput(x: Tensor): void;

  /**
   * Throw a ShapeError unless `x` has one of `ranks` and `numFeatures` channels in dim 1; `layouts`
   * describes the valid shapes.
   */
  protected expectShape(x: Tensor, ranks: readonly number[], layouts: string): void {
    if (!ranks.includes(x.ndim) || x.shape[1] !== this.numFeatures)
      throw new ShapeError(
        `${this.layerName}: expected input of shape ${layouts} with C=${this.numFeatures}, got ${fmtShape(x.shape)}`,
      );
  }

  forward(x: Tensor): Tensor {
    this.checkInput(x);
    let factor: number | Tensor = this.momentum ?? 0;
    const nbt = this.numBatchesTracked;
    if (this.training && this.trackRunningStats && nbt) {
      noGrad(() => nbt.add_(1));
      if (this.momentum === null) factor = cumulativeFactor(nbt, this.runningMean);
    }
    // Eval mode without running statistics falls back to batch statistics, as in torch.
    const useBatch = this.training || (!this.runningMean && !this.runningVar);
    const useRunning = !this.training || this.trackRunningStats;
    const opts = { weight: this.weight, bias: this.bias, training: useBatch, eps: this.eps };
    const y = batchNormWith(
      x,
      useRunning ? this.runningMean : null,
      useRunning ? this.runningVar : null,
      opts,
      factor,
    );
    if (typeof factor !== 'number') factor.dispose();
    return y;
  }

  override extraRepr(): string {
    const m = this.momentum === null ? 'null' : pyFloat(this.momentum);
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${m}, affine=${this.affine}, track_running_stats=${this.trackRunningStats}`;
  }
}

/**
 * Batch normalisation of [N, C] or [N, C, L] inputs over the batch (and length) per channel.
 * @example
 * const bn = new nn.BatchNorm1d(100);
 * bn.forward(fl.randn([20, 100])).shape; // [20, 100]
 */
export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, opts: BatchNormLayerOptions = {}) {
    checkArgs(NN.BatchNorm1d, [numFeatures, opts], arguments.length);
    super('BatchNorm1d', numFeatures, opts);
  }
  /** Throw a ShapeError unless `x` is [N, C] or [N, C, L] with C = numFeatures. */
  protected checkInput(x: Tensor): void {
    this.expectShape(x, [2, 3], '[N,C] or [N,C,L]');
  }
}

/**
 * Batch normalisation of [N, C, H, W] inputs per channel.
 * @example
 * const bn = new nn.BatchNorm2d(16);
 * bn.eval().forward(fl.randn([4, 16, 8, 8])).shape; // [4, 16, 8, 8]
 */
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, opts: BatchNormLayerOptions = {}) {
    checkArgs(NN.BatchNorm2d, [numFeatures, opts], arguments.length);
    super('BatchNorm2d', numFeatures, opts);
  }
  /** Throw a ShapeError unless `x` is [N, C, H, W] with C = numFeatures. */
  protected checkInput(x: Tensor): void {
    this.expectShape(x, [4], '[N,C,H,W]');
  }
}

export interface LayerNormOptions extends FactoryOptions {
  /** Added to the variance for numerical stability (default 1e-5). */
  eps?: number;
  /** Learn a per-element scale (and shift) of the normalised shape (default true). */
  elementwiseAffine?: boolean;
  /** Learn the shift too (default true; only with elementwiseAffine). */
  bias?: boolean;
}

/**
 * Normalises over the trailing `normalizedShape` dims of each sample.
 * @example
 * const ln = new nn.LayerNorm([64]);
 * ln.forward(fl.randn([8, 10, 64])).shape; // [8, 10, 64]
 */
export class LayerNorm extends Module {
  /** Per-element scale of `normalizedShape` (starts at 1), or null without `elementwiseAffine`. */
  weight: Tensor | null;
  /** Per-element shift of `normalizedShape` (starts at 0), or null without it. */
  bias: Tensor | null;
  /** The trailing dims normalised over. */
  readonly normalizedShape: number[];
  /** Added to the variance for numerical stability. */
  readonly eps: number;
  /** Whether the layer learns a per-element scale (and shift). */
  readonly elementwiseAffine: boolean;
  constructor(normalizedShape: number | readonly number[], opts: LayerNormOptions = {}) {
    checkArgs(NN.LayerNorm, [normalizedShape, opts], arguments.length);
    super();
    this.normalizedShape =
      typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape.slice();
    this.eps = opts.eps ?? 1e-5;
    this.elementwiseAffine = opts.elementwiseAffine ?? true;
    this.weight = this.elementwiseAffine ? param(this.normalizedShape, opts, 1) : null;
    this.bias =
      this.elementwiseAffine && (opts.bias ?? true) ? param(this.normalizedShape, opts, 0) : null;
  }
  forward(x: Tensor): Tensor {
    const ns = this.normalizedShape;
    if (x.ndim < ns.length || x.shape.slice(x.ndim - ns.length).some((d, i) => d !== ns[i]))
      throw new ShapeError(
        `LayerNorm: expected input of shape [*, ${ns.join(', ')}], got ${fmtShape(x.shape)}`,
      );
    return layerNorm(x, ns, this.weight, this.bias, this.eps);
  }
  override extraRepr(): string {
    return `${pyValue(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${this.elementwiseAffine}`;
  }
}

export interface GroupNormOptions extends FactoryOptions {
  /** Added to the variance for numerical stability (default 1e-5). */
  eps?: number;
  /** Learn a per-channel scale and shift (default true). */
  affine?: boolean;
}

/**
 * Normalises groups of channels of [N, C, …] inputs, independently of the batch size.
 * @example
 * const gn = new nn.GroupNorm(4, 16);
 * gn.forward(fl.randn([2, 16, 8, 8])).shape; // [2, 16, 8, 8]
 */
export class GroupNorm extends Module {
  /** Per-channel scale [numChannels] (starts at 1), or null without `affine`. */
  weight: Tensor | null;
  /** Per-channel shift [numChannels] (starts at 0), or null without `affine`. */
  bias: Tensor | null;
  /** Added to the variance for numerical stability. */
  readonly eps: number;
  /** Whether the layer learns a per-channel scale and shift. */
  readonly affine: boolean;
  constructor(
    /** Number of groups the channels are split into. */
    readonly numGroups: number,
    /** Number of channels C (dim 1 of the input); must divide by `numGroups`. */
    readonly numChannels: number,
    opts: GroupNormOptions = {},
  ) {
    checkArgs(NN.GroupNorm, [numGroups, numChannels, opts], arguments.length);
    super();
    if (!Number.isInteger(numGroups) || numGroups < 1 || numChannels % numGroups !== 0)
      throw new ShapeError(
        `GroupNorm: numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`,
      );
    this.eps = opts.eps ?? 1e-5;
    this.affine = opts.affine ?? true;
    this.weight = this.affine ? param([numChannels], opts, 1) : null;
    this.bias = this.affine ? param([numChannels], opts, 0) : null;
  }
  forward(x: Tensor): Tensor {
    if (x.ndim < 2 || x.shape[1] !== this.numChannels)
      throw new ShapeError(
        `GroupNorm: expected input of shape [N,${this.numChannels},*], got ${fmtShape(x.shape)}`,
      );
    return groupNorm(x, this.numGroups, this.weight, this.bias, this.eps);
  }
  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.eps)}, affine=${this.affine}`;
  }
}

// Public methods check their arguments against their specs (check/specs/methods.ts) first.
guardMethods(BatchNormBase, forwardOf('BatchNorm'));
guardMethods(LayerNorm, forwardOf('LayerNorm'));
guardMethods(GroupNorm, forwardOf('GroupNorm'));
