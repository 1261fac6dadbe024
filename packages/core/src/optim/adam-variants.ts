/**
 * NAdam and RAdam: Adam with Nesterov momentum (Dozat) and with the variance of the adaptive
 * learning rate rectified (Liu et al.), following torch.optim.NAdam and RAdam (torch 1.13's
 * single-tensor formulas, including NAdam's `mu_product` state).
 */
import type { Tensor } from '../tensor.js';
import { keep } from '../scope.js';
import { zerosLike } from '../ops/creation.js';
import { need } from './errors.js';
import { validateAdamFamily } from './adam.js';
import { Optimizer, nonNegative, type ParamGroup, type Params } from './optimizer.js';
import type { StateSpec } from './state-dict.js';
import { checkArgs } from '../check/args.js';
import { OPTIM } from '../check/specs/optim.js';

/** Hyperparameters of `RAdam` (torch's, camelCase); each group may override them. */
export interface RAdamOptions {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Decay rates of the first and second moment estimates (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
}

/** Hyperparameters of `NAdam` (torch's, camelCase); each group may override them. */
export interface NAdamOptions extends RAdamOptions {
  /** Decay of the momentum schedule μₜ = β₁(1 − ½·0.96^(t·momentumDecay)) (default 4e-3). */
  momentumDecay: number;
}

/** Per-parameter state of `RAdam`. */
export interface RAdamState {
  /** Updates applied so far. */
  step: number;
  /** First moment estimate (torch's `exp_avg`). */
  expAvg: Tensor;
  /** Second moment estimate (torch's `exp_avg_sq`). */
  expAvgSq: Tensor;
}

/** Per-parameter state of `NAdam`. */
export interface NAdamState extends RAdamState {
  /** Product of the momentum schedule μ₁…μₜ so far (torch's `mu_product`). */
  muProduct: number;
}

/** The shared first half of both updates: weight decay and the two moment estimates. */
function moments(p: Tensor, grad: Tensor, s: RAdamState, g: ParamGroup<RAdamOptions>): Tensor {
  const d = g.weightDecay !== 0 ? grad.add(p.mul(g.weightDecay)) : grad;
  const [beta1, beta2] = g.betas;
  s.step += 1;
  s.expAvg.copy_(s.expAvg.mul(beta1).add(d.mul(1 - beta1)));
  s.expAvgSq.copy_(s.expAvgSq.mul(beta2).add(d.mul(d).mul(1 - beta2)));
  return d;
}

/**
 * The NAdam update of one parameter, in place, as torch.optim.NAdam: with μₜ as above and
 * Πₜ = μ₁⋯μₜ, p −= lr(1 − μₜ)/(1 − Πₜ) · g/D + lr·μₜ₊₁/(1 − Πₜμₜ₊₁) · m/D, where
 * D = √(v/(1 − β₂ᵗ)) + ε.
 */
export function nadamUpdate(
  p: Tensor,
  grad: Tensor,
  s: NAdamState,
  g: ParamGroup<NAdamOptions>,
): void {
  const d = moments(p, grad, s, g);
  const t = s.step;
  const mu = g.betas[0] * (1 - 0.5 * 0.96 ** (t * g.momentumDecay));
  const muNext = g.betas[0] * (1 - 0.5 * 0.96 ** ((t + 1) * g.momentumDecay));
  s.muProduct *= mu;
  const muProductNext = s.muProduct * muNext;
  const denom = s.expAvgSq
    .div(1 - g.betas[1] ** t)
    .sqrt()
    .add(g.eps);
  p.sub_(d.div(denom).mul((g.lr * (1 - mu)) / (1 - s.muProduct)));
  p.sub_(s.expAvg.div(denom).mul((g.lr * muNext) / (1 - muProductNext)));
}

/**
 * The RAdam update of one parameter, in place, as torch.optim.RAdam: m̂ = m/(1 − β₁ᵗ); with
 * ρ∞ = 2/(1 − β₂) − 1 and ρₜ = ρ∞ − 2tβ₂ᵗ/(1 − β₂ᵗ), while ρₜ ≤ 5 the step is plain momentum
 * (p −= lr·m̂); after that p −= lr·m̂·r·√(1 − β₂ᵗ)/(√v + ε) with the rectification
 * r = √((ρₜ − 4)(ρₜ − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρₜ)).
 */
export function radamUpdate(
  p: Tensor,
  grad: Tensor,
  s: RAdamState,
  g: ParamGroup<RAdamOptions>,
): void {
  moments(p, grad, s, g);
  const t = s.step;
  const [beta1, beta2] = g.betas;
  const bc2 = 1 - beta2 ** t;
  const corrected = s.expAvg.div(1 - beta1 ** t);
  const rhoInf = 2 / (1 - beta2) - 1;
  const rhoT = rhoInf - (2 * t * beta2 ** t) / bc2;
  // torch's threshold: below it the variance of the adaptive rate is intractable.
  if (!(rhoT > 5)) {
    p.sub_(corrected.mul(g.lr));
    return;
  }
  const rect = Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT));
  const adaptive = s.expAvgSq.sqrt().add(g.eps).reciprocal().mul(Math.sqrt(bc2));
  p.sub_(corrected.mul(g.lr).mul(adaptive).mul(rect));
}

const RADAM_STATE: StateSpec = { step: 'step', expAvg: 'tensor', expAvgSq: 'tensor' };
const NADAM_STATE: StateSpec = { ...RADAM_STATE, muProduct: 'scalar' };

const moments0 = (p: Tensor): RAdamState => ({
  step: 0,
  expAvg: keep(zerosLike(p)),
  expAvgSq: keep(zerosLike(p)),
});

/**
 * NAdam (Adam with Nesterov momentum, Dozat 2016), as torch.optim.NAdam; the momentum schedule
 * decays with `momentumDecay` and `weightDecay` is an L2 term added to the gradient.
 * @example
 * const opt = new fl.optim.NAdam(model.parameters(), { lr: 2e-3 });
 */
export class NAdam extends Optimizer<NAdamOptions, NAdamState> {
  constructor(params: Params<NAdamOptions>, options: Partial<NAdamOptions> = {}) {
    checkArgs(OPTIM.NAdam, [params, options], arguments.length);
    super(
      'NAdam',
      params,
      { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, momentumDecay: 4e-3 },
      options,
    );
  }
  protected validate(g: ParamGroup<NAdamOptions>, where: string): void {
    validateAdamFamily(g, where);
    need(nonNegative(g.momentumDecay), where, 'momentumDecay', g.momentumDecay, '≥ 0');
  }
  protected initState(p: Tensor): NAdamState {
    return { ...moments0(p), muProduct: 1 };
  }
  protected override stateSpec(): StateSpec {
    return NADAM_STATE;
  }
  protected update(p: Tensor, grad: Tensor, s: NAdamState, g: ParamGroup<NAdamOptions>): void {
    nadamUpdate(p, grad, s, g);
  }
}

/**
 * RAdam (rectified Adam, Liu et al. 2019), as torch.optim.RAdam: plain momentum steps until the
 * variance estimate is tractable (ρₜ > 5), then Adam steps scaled by the rectification term.
 * @example
 * const opt = new fl.optim.RAdam(model.parameters(), { lr: 1e-3, weightDecay: 1e-4 });
 */
export class RAdam extends Optimizer<RAdamOptions, RAdamState> {
  constructor(params: Params<RAdamOptions>, options: Partial<RAdamOptions> = {}) {
    checkArgs(OPTIM.RAdam, [params, options], arguments.length);
    super('RAdam', params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 }, options);
  }
  protected validate(g: ParamGroup<RAdamOptions>, where: string): void {
    validateAdamFamily(g, where);
  }
  protected initState(p: Tensor): RAdamState {
    return moments0(p);
  }
  protected override stateSpec(): StateSpec {
    return RADAM_STATE;
  }
  protected update(p: Tensor, grad: Tensor, s: RAdamState, g: ParamGroup<RAdamOptions>): void {
    radamUpdate(p, grad, s, g);
  }
}
