/** RMSprop: gradients scaled by a running RMS, optionally centered and with momentum. */
import type { Tensor } from '../tensor.js';
import { keep } from '../scope.js';
import { zerosLike } from '../ops/creation.js';
import { need } from './errors.js';
import { Optimizer, isBool, nonNegative, type ParamGroup, type Params } from './optimizer.js';
import type { StateSpec } from './state-dict.js';
import { checkArgs } from '../check/args.js';
import { OPTIM } from '../check/specs/optim.js';

/** Hyperparameters of `RMSprop` (torch's, camelCase); each group may override them. */
export interface RMSpropOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Smoothing constant of the squared-gradient average (default 0.99). */
  alpha: number;
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Normalize by the estimated variance instead of the raw second moment (default false). */
  centered: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/** Per-parameter state of `RMSprop`. */
export interface RMSpropState {
  /** Updates applied so far. */
  step: number;
  /** Running average of squared gradients (torch's `square_avg`). */
  squareAvg: Tensor;
  /** With momentum > 0 (torch's `momentum_buffer`). */
  momentumBuffer?: Tensor;
  /** Running average of gradients, when centered (torch's `grad_avg`). */
  gradAvg?: Tensor;
}

/**
 * The RMSprop update of one parameter, in place, as torch.optim.RMSprop: v = αv + (1 − α)g²;
 * centered: ḡ = αḡ + (1 − α)g, avg = √(v − ḡ²) + ε, else avg = √v + ε; with momentum
 * b = μb + g/avg, p −= lr·b, else p −= lr·g/avg.
 */
export function rmspropUpdate(
  p: Tensor,
  grad: Tensor,
  s: RMSpropState,
  g: ParamGroup<RMSpropOptions>,
): void {
  let d = g.maximize ? grad.neg() : grad;
  s.step += 1;
  if (g.weightDecay !== 0) d = d.add(p.mul(g.weightDecay));
  s.squareAvg.copy_(s.squareAvg.mul(g.alpha).add(d.mul(d).mul(1 - g.alpha)));
  let avg: Tensor;
  if (g.centered) {
    // Created lazily too, so centered can be switched on for a group that already has state.
    const ga = (s.gradAvg ??= keep(zerosLike(p)));
    ga.copy_(ga.mul(g.alpha).add(d.mul(1 - g.alpha)));
    avg = s.squareAvg.sub(ga.mul(ga)).sqrt();
  } else avg = s.squareAvg.sqrt();
  avg = avg.add(g.eps);
  if (g.momentum > 0) {
    const buf = (s.momentumBuffer ??= keep(zerosLike(p)));
    buf.copy_(buf.mul(g.momentum).add(d.div(avg)));
    p.sub_(buf.mul(g.lr));
  } else p.sub_(d.div(avg).mul(g.lr));
}

/**
 * RMSprop (Hinton), as torch.optim.RMSprop.
 * @example
 * const opt = new fl.optim.RMSprop(model.parameters(), { lr: 1e-2, alpha: 0.99, centered: true });
 */
export class RMSprop extends Optimizer<RMSpropOptions, RMSpropState> {
  constructor(params: Params<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    checkArgs(OPTIM.RMSprop, [params, options], arguments.length);
    super(
      'RMSprop',
      params,
      {
        lr: 1e-2,
        alpha: 0.99,
        eps: 1e-8,
        weightDecay: 0,
        momentum: 0,
        centered: false,
        maximize: false,
      },
      options,
    );
  }

  protected validate(g: ParamGroup<RMSpropOptions>, where: string): void {
    need(nonNegative(g.lr), where, 'lr', g.lr, '≥ 0');
    need(nonNegative(g.eps), where, 'eps', g.eps, '≥ 0');
    need(nonNegative(g.momentum), where, 'momentum', g.momentum, '≥ 0');
    need(nonNegative(g.weightDecay), where, 'weightDecay', g.weightDecay, '≥ 0');
    need(nonNegative(g.alpha), where, 'alpha', g.alpha, '≥ 0');
    need(isBool(g.centered), where, 'centered', g.centered, 'true or false');
    need(isBool(g.maximize), where, 'maximize', g.maximize, 'true or false');
  }

  /** The momentum buffer and gradient average are created when first needed. */
  protected override stateSpec(): StateSpec {
    return { step: 'step', squareAvg: 'tensor', momentumBuffer: 'optional', gradAvg: 'optional' };
  }

  protected initState(p: Tensor, g: ParamGroup<RMSpropOptions>): RMSpropState {
    const s: RMSpropState = { step: 0, squareAvg: keep(zerosLike(p)) };
    if (g.momentum > 0) s.momentumBuffer = keep(zerosLike(p));
    if (g.centered) s.gradAvg = keep(zerosLike(p));
    return s;
  }

  protected update(
    p: Tensor,
    grad: Tensor,
    state: RMSpropState,
    group: ParamGroup<RMSpropOptions>,
  ): void {
    rmspropUpdate(p, grad, state, group);
  }
}
