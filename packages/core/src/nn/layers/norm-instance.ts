/** InstanceNorm1d/2d (torch's _InstanceNorm, state-dict keys included) and RMSNorm (torch ≥ 2.4). */
import { ArgumentError, ShapeError, fmtShape } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { full } from '../../ops/creation.js';
import { tidy } from '../../scope.js';
import { Module } from '../module.js';
import { instanceNorm, rmsNorm } from '../functional/norm-instance.js';
import { type FactoryOptions, filled, param, pyFloat, pyValue } from './common.js';
import { checkArgs, guardMethods } from '../../check/args.js';
import { NN } from '../../check/specs/nn.js';
import { forwardOf } from '../../check/specs/methods.js';

/** Options of `InstanceNorm1d` / `InstanceNorm2d` (torch's keyword arguments, camelCase). */
export interface InstanceNormLayerOptions extends FactoryOptions {
  /** Added to the variance for numerical stability (default 1e-5). */
  eps?: number;
  /** Weight of each batch in the running averages (default 0.1). */
  momentum?: number;
  /** Learn a per-channel scale and shift (default false, unlike BatchNorm). */
  affine?: boolean;
  /** Keep running statistics and use them in eval mode (default false). */
  trackRunningStats?: boolean;
}

abstract class InstanceNormBase extends Module {
  /** Per-channel scale [numFeatures] (starts at 1), or null without `affine`. */
  weight: Tensor | null;
  /** Per-channel shift [numFeatures] (starts at 0), or null without `affine`. */
  bias: Tensor | null;
  /** Added to the variance for numerical stability. */
  readonly eps: number;
  /** Weight of each batch in the running averages. */
  readonly momentum: number;
  /** Whether the layer learns a per-channel scale and shift. */
  readonly affine: boolean;
  /** Whether running statistics are kept (and used in eval mode). */
  readonly trackRunningStats: boolean;

  protected constructor(
    private readonly layerName: string,
    /** Rank of an unbatched input ([C,L]: 2, [C,H,W]: 3). */
    private readonly unbatchedRank: number,
    /** Number of channels C. */
    readonly numFeatures: number,
    opts: InstanceNormLayerOptions,
  ) {
    super();
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum ?? 0.1;
    this.affine = opts.affine ?? false;
    this.trackRunningStats = opts.trackRunningStats ?? false;
    this.weight = this.affine ? param([numFeatures], opts, 1) : null;
    this.bias = this.affine ? param([numFeatures], opts, 0) : null;
    const track = this.trackRunningStats;
    this.registerBuffer('running_mean', track ? filled([numFeatures], 0, opts) : null);
    this.registerBuffer('running_var', track ? filled([numFeatures], 1, opts) : null);
    // Kept for torch's state-dict layout; instance norm never counts batches (torch neither).
    this.registerBuffer(
      'num_batches_tracked',
      track ? full([], 0, { dtype: 'int32', device: opts.device }) : null,
    );
  }

  /** Running mean per channel (`running_mean`), or null without `trackRunningStats`. */
  get runningMean(): Tensor | null {
    return this.buffer('running_mean');
  }
  /** Running unbiased variance per channel (`running_var`), or null without `trackRunningStats`. */
  get runningVar(): Tensor | null {
    return this.buffer('running_var');
  }

  forward(x: Tensor): Tensor {
    const r = this.unbatchedRank;
    if (x.ndim !== r && x.ndim !== r + 1)
      throw new ShapeError(
        `${this.layerName}: expected a ${r + 1}-D (batched) or ${r}-D (unbatched) input, got ${fmtShape(x.shape)}`,
      );
    const unbatched = x.ndim === r;
    const c = x.shape[unbatched ? 0 : 1]!;
    // torch refuses a channel mismatch only with affine; without it the statistics still apply.
    if (c !== this.numFeatures && (this.affine || this.trackRunningStats))
      throw new ShapeError(
        `${this.layerName}: expected input's size at dim ${unbatched ? 0 : 1} to match numFeatures (${this.numFeatures}), got ${fmtShape(x.shape)}`,
      );
    const opts = {
      runningMean: this.runningMean,
      runningVar: this.runningVar,
      weight: this.weight,
      bias: this.bias,
      useInputStats: this.training || !this.trackRunningStats,
      momentum: this.momentum,
      eps: this.eps,
    };
    if (!unbatched) return instanceNorm(x, opts);
    return tidy(() => instanceNorm(x.unsqueeze(0), opts).squeeze(0));
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${pyFloat(this.momentum)}, affine=${this.affine}, track_running_stats=${this.trackRunningStats}`;
  }
}

/**
 * Instance normalisation of [N, C, L] (or unbatched [C, L]) inputs: each sample's channel is
 * normalised over L, as torch.nn.InstanceNorm1d.
 * @example
 * new nn.InstanceNorm1d(8).forward(fl.randn([4, 8, 32])).shape; // [4, 8, 32]
 */
export class InstanceNorm1d extends InstanceNormBase {
  constructor(numFeatures: number, opts: InstanceNormLayerOptions = {}) {
    checkArgs(NN.InstanceNorm1d, [numFeatures, opts], arguments.length);
    super('InstanceNorm1d', 2, numFeatures, opts);
  }
}

/**
 * Instance normalisation of [N, C, H, W] (or unbatched [C, H, W]) inputs: each sample's channel
 * is normalised over its plane, as torch.nn.InstanceNorm2d.
 * @example
 * const norm = new nn.InstanceNorm2d(3, { affine: true });
 * norm.forward(fl.randn([2, 3, 16, 16])).shape; // [2, 3, 16, 16]
 */
export class InstanceNorm2d extends InstanceNormBase {
  constructor(numFeatures: number, opts: InstanceNormLayerOptions = {}) {
    checkArgs(NN.InstanceNorm2d, [numFeatures, opts], arguments.length);
    super('InstanceNorm2d', 3, numFeatures, opts);
  }
}

/** Options of `RMSNorm` (torch's keyword arguments, camelCase). */
export interface RMSNormOptions extends FactoryOptions {
  /** Added to the mean square (default null: the machine epsilon of the input's dtype). */
  eps?: number | null;
  /** Learn a per-element scale `weight` (default true). */
  elementwiseAffine?: boolean;
}

/**
 * Root-mean-square normalisation over the trailing `normalizedShape` dims, as torch (≥ 2.4)
 * nn.RMSNorm: y = x / √(mean(x²) + eps) · weight.
 * @example
 * const norm = new nn.RMSNorm([64]);
 * norm.forward(fl.randn([8, 10, 64])).shape; // [8, 10, 64]
 */
export class RMSNorm extends Module {
  /** Per-element scale of `normalizedShape` (starts at 1), or null without `elementwiseAffine`. */
  weight: Tensor | null;
  /** The trailing dims normalised over. */
  readonly normalizedShape: number[];
  /** Added to the mean square; null uses the input dtype's machine epsilon. */
  readonly eps: number | null;
  /** Whether the layer learns a per-element scale. */
  readonly elementwiseAffine: boolean;
  constructor(normalizedShape: number | readonly number[], opts: RMSNormOptions = {}) {
    checkArgs(NN.RMSNorm, [normalizedShape, opts], arguments.length);
    super();
    this.normalizedShape =
      typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape.slice();
    this.eps = opts.eps ?? null;
    if (this.eps !== null && !(this.eps > 0))
      throw new ArgumentError(`RMSNorm: eps must be a positive number or null, got ${this.eps}`);
    this.elementwiseAffine = opts.elementwiseAffine ?? true;
    this.weight = this.elementwiseAffine ? param(this.normalizedShape, opts, 1) : null;
  }
  forward(x: Tensor): Tensor {
    return rmsNorm(x, this.normalizedShape, this.weight, this.eps);
  }
  override extraRepr(): string {
    const eps = this.eps === null ? 'None' : pyFloat(this.eps);
    return `${pyValue(this.normalizedShape)}, eps=${eps}, elementwise_affine=${this.elementwiseAffine}`;
  }
}

// Public methods check their arguments against their specs (check/specs/methods.ts) first.
guardMethods(InstanceNormBase, forwardOf('InstanceNorm'));
guardMethods(RMSNorm, forwardOf('RMSNorm'));
