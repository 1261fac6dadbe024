/**
 * Loss modules: thin wrappers over the functional forms that hold their options, shaped like
 * torch.nn's. Class weights are buffers under torch's keys (`weight`, `pos_weight`), so they
 * appear in the state dict exactly as torch saves them.
 */
import type { Tensor } from '../../tensor.js';
import { Module } from '../module.js';
import type { Reduction } from './checks.js';
import {
  type HuberOptions,
  type LossOptions,
  type SmoothL1Options,
  huberLossAs,
  l1LossAs,
  mseLossAs,
  smoothL1LossAs,
} from './regression.js';
import {
  type CrossEntropyOptions,
  type NLLLossOptions,
  crossEntropyAs,
  nllLossAs,
} from './classification.js';
import {
  type BCELossOptions,
  type BCEWithLogitsLossOptions,
  binaryCrossEntropyAs,
  binaryCrossEntropyWithLogitsAs,
} from './binary.js';
import { type KLDivLossOptions, klDivAs } from './divergence.js';
import { checkArgs } from '../../check/args.js';
import { NN } from '../../check/specs/nn.js';
import { guardMethods } from '../../check/args.js';
import { LOSS_FORWARD, forwardOf } from '../../check/specs/methods.js';

abstract class Loss extends Module {
  /**
   * How element losses are combined: `'mean'` (default), `'sum'` or `'none'` (keep the element
   * losses).
   */
  readonly reduction: Reduction;
  constructor(opts: LossOptions) {
    super();
    this.reduction = opts.reduction ?? 'mean';
  }
  abstract override forward(input: Tensor, target: Tensor): Tensor;
  override extraRepr(): string {
    return `reduction='${this.reduction}'`;
  }
}

/**
 * Mean squared error.
 * @example
 * const loss = new nn.MSELoss().forward(fl.tensor([1, 2]), fl.tensor([1, 4])); // 2
 */
export class MSELoss extends Loss {
  constructor(opts: LossOptions = {}) {
    checkArgs(NN.MSELoss, [opts], arguments.length);
    super(opts);
  }
  /** Mean squared error of `input` against `target` (same shape), reduced by `reduction`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return mseLossAs('MSELoss', input, target, this);
  }
}

/**
 * Mean absolute error.
 * @example
 * new nn.L1Loss({ reduction: 'sum' }).forward(fl.tensor([1, 2]), fl.tensor([1, 4])); // 2
 */
export class L1Loss extends Loss {
  constructor(opts: LossOptions = {}) {
    checkArgs(NN.L1Loss, [opts], arguments.length);
    super(opts);
  }
  /** Mean absolute error of `input` against `target` (same shape), reduced by `reduction`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return l1LossAs('L1Loss', input, target, this);
  }
}

/**
 * Quadratic below `beta`, linear above (torch.nn.SmoothL1Loss).
 * @example
 * new nn.SmoothL1Loss({ beta: 0.5 }).forward(fl.tensor([0.2, 3]), fl.tensor([0, 0])); // (0.04 + 2.75) / 2
 */
export class SmoothL1Loss extends Loss {
  /** Where the loss switches from quadratic to linear (default 1). */
  readonly beta: number;
  constructor(opts: SmoothL1Options = {}) {
    checkArgs(NN.SmoothL1Loss, [opts], arguments.length);
    super(opts);
    this.beta = opts.beta ?? 1;
  }
  /** Smooth L1 loss of `input` against `target` (same shape), reduced by `reduction`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return smoothL1LossAs('SmoothL1Loss', input, target, this);
  }
}

/**
 * Quadratic below `delta`, linear with slope `delta` above (torch.nn.HuberLoss).
 * @example
 * new nn.HuberLoss({ delta: 2 }).forward(fl.tensor([0.2, 3]), fl.tensor([0, 0])); // (0.02 + 4) / 2
 */
export class HuberLoss extends Loss {
  /** Where the loss switches from quadratic to linear (default 1). */
  readonly delta: number;
  constructor(opts: HuberOptions = {}) {
    checkArgs(NN.HuberLoss, [opts], arguments.length);
    super(opts);
    this.delta = opts.delta ?? 1;
  }
  /** Huber loss of `input` against `target` (same shape), reduced by `reduction`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return huberLossAs('HuberLoss', input, target, this);
  }
}

/** Losses with a per-class `weight` buffer and an ignored class index. */
abstract class WeightedLoss extends Loss {
  /** Targets equal to this class index contribute nothing (default −100). */
  readonly ignoreIndex: number;
  constructor(opts: NLLLossOptions) {
    super(opts);
    this.ignoreIndex = opts.ignoreIndex ?? -100;
    this.registerBuffer('weight', opts.weight ?? null);
  }
  /** Per-class rescaling weight of shape [C] (the `weight` buffer), if given. */
  get weight(): Tensor | undefined {
    return this.buffer('weight') ?? undefined;
  }
}

/**
 * Cross-entropy of logits against int32 class indices or class probabilities.
 * @example
 * const ce = new nn.CrossEntropyLoss({ labelSmoothing: 0.1 });
 * const loss = ce.forward(fl.randn([2, 3]), fl.tensor([0, 2], { dtype: 'int32' }));
 */
export class CrossEntropyLoss extends WeightedLoss {
  /** Share of the target mass spread uniformly over the classes (default 0). */
  readonly labelSmoothing: number;
  constructor(opts: CrossEntropyOptions = {}) {
    checkArgs(NN.CrossEntropyLoss, [opts], arguments.length);
    super(opts);
    this.labelSmoothing = opts.labelSmoothing ?? 0;
  }
  /**
   * Cross-entropy of logits `input` ([C], [N, C] or [N, C, d1, …]) against int32 class indices or
   * float class probabilities.
   */
  forward(input: Tensor, target: Tensor): Tensor {
    const { reduction, ignoreIndex, labelSmoothing, weight } = this;
    return crossEntropyAs('CrossEntropyLoss', input, target, {
      reduction,
      ignoreIndex,
      labelSmoothing,
      weight,
    });
  }
}

/**
 * Negative log-likelihood of log-probabilities at int32 class indices.
 * @example
 * new nn.NLLLoss({ ignoreIndex: 0 }).forward(fl.randn([4, 3]).logSoftmax(1), fl.tensor([0, 2, 1, 1], { dtype: 'int32' }));
 */
export class NLLLoss extends WeightedLoss {
  constructor(opts: NLLLossOptions = {}) {
    checkArgs(NN.NLLLoss, [opts], arguments.length);
    super(opts);
  }
  /**
   * Negative log-likelihood of log-probabilities `input` ([C], [N, C] or [N, C, d1, …]) at int32
   * class indices `target`.
   */
  forward(input: Tensor, target: Tensor): Tensor {
    const { reduction, ignoreIndex, weight } = this;
    return nllLossAs('NLLLoss', input, target, { reduction, ignoreIndex, weight });
  }
}

/**
 * Binary cross-entropy of probabilities.
 * @example
 * new nn.BCELoss().forward(fl.randn([4]).sigmoid(), fl.tensor([0, 1, 1, 0]));
 */
export class BCELoss extends Loss {
  constructor(opts: BCELossOptions = {}) {
    checkArgs(NN.BCELoss, [opts], arguments.length);
    super(opts);
    this.registerBuffer('weight', opts.weight ?? null);
  }
  /**
   * Binary cross-entropy of probabilities `input` against `target` (same shape, values in [0, 1]).
   */
  forward(input: Tensor, target: Tensor): Tensor {
    const weight = this.buffer('weight') ?? undefined;
    return binaryCrossEntropyAs('BCELoss', input, target, { reduction: this.reduction, weight });
  }
}

/**
 * Sigmoid and binary cross-entropy fused into one stable expression.
 * @example
 * new nn.BCEWithLogitsLoss({ posWeight: fl.full([3], 2) }).forward(fl.randn([4, 3]), fl.ones([4, 3]));
 */
export class BCEWithLogitsLoss extends Loss {
  constructor(opts: BCEWithLogitsLossOptions = {}) {
    checkArgs(NN.BCEWithLogitsLoss, [opts], arguments.length);
    super(opts);
    this.registerBuffer('weight', opts.weight ?? null);
    this.registerBuffer('pos_weight', opts.posWeight ?? null);
  }
  /** Binary cross-entropy of logits `input` against `target` (same shape), computed stably. */
  forward(input: Tensor, target: Tensor): Tensor {
    const weight = this.buffer('weight') ?? undefined;
    const posWeight = this.buffer('pos_weight') ?? undefined;
    return binaryCrossEntropyWithLogitsAs('BCEWithLogitsLoss', input, target, {
      reduction: this.reduction,
      weight,
      posWeight,
    });
  }
}

/**
 * KL divergence of log-probability inputs from (log-)probability targets.
 * @example
 * new nn.KLDivLoss({ reduction: 'batchmean' }).forward(fl.randn([4, 3]).logSoftmax(1), fl.randn([4, 3]).softmax(1));
 */
export class KLDivLoss extends Module {
  /** `'mean'` (default), `'batchmean'` (sum divided by the batch size), `'sum'` or `'none'`. */
  readonly reduction: NonNullable<KLDivLossOptions['reduction']>;
  /** Whether the target is given as log-probabilities (default false). */
  readonly logTarget: boolean;
  constructor(opts: KLDivLossOptions = {}) {
    checkArgs(NN.KLDivLoss, [opts], arguments.length);
    super();
    this.reduction = opts.reduction ?? 'mean';
    this.logTarget = opts.logTarget ?? false;
  }
  /** KL divergence of log-probabilities `input` from `target`, reduced by `reduction`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return klDivAs('KLDivLoss', input, target, this);
  }
  override extraRepr(): string {
    return `reduction='${this.reduction}', logTarget=${this.logTarget}`;
  }
}

// Public methods check their arguments against their specs (check/specs/methods.ts) first.
const LOSSES = { MSELoss, L1Loss, SmoothL1Loss, HuberLoss, CrossEntropyLoss, NLLLoss, BCELoss };
for (const [loss, cls] of Object.entries({ ...LOSSES, BCEWithLogitsLoss, KLDivLoss }))
  guardMethods(cls, forwardOf(loss, LOSS_FORWARD));
