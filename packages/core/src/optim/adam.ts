/** Adam and AdamW: bias-corrected first and second moment estimates, optionally AMSGrad. */
import type { Tensor } from '../tensor.js';
import { keep } from '../scope.js';
import { zerosLike } from '../ops/creation.js';
import { execFused } from '../ops/dispatch.js';
import { overridesEnabled } from '../ops/reduce.js';
import { need } from './errors.js';
import { canWriteInPlace, markWritten } from './in-place.js';
import { BackendError, fmtShape } from '../errors.js';
import {
  Optimizer,
  inUnit,
  isBool,
  nonNegative,
  type ParamGroup,
  type Params,
} from './optimizer.js';
import type { StateSpec } from './state-dict.js';
import { checkArgs } from '../check/args.js';
import { OPTIM } from '../check/specs/optim.js';

/** Hyperparameters of `Adam` and `AdamW` (torch's, camelCase); each group may override them. */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Decay rates of the first and second moment estimates (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps: number;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay (default 1e-2). */
  weightDecay: number;
  /** Use the maximum of past second moments (AMSGrad; default false). */
  amsgrad: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/** Per-parameter state of `Adam` and `AdamW`. */
export interface AdamState {
  /** Updates applied so far. */
  step: number;
  /** First moment estimate (torch's `exp_avg`). */
  expAvg: Tensor;
  /** Second moment estimate (torch's `exp_avg_sq`). */
  expAvgSq: Tensor;
  /** Running maximum of `expAvgSq`, with amsgrad only (torch's `max_exp_avg_sq`). */
  maxExpAvgSq?: Tensor;
}

/**
 * The Adam (or, with `decoupled`, AdamW) update of one parameter, in place, as torch.optim.Adam
 * and AdamW compute it: m = β₁m + (1 − β₁)g, v = β₂v + (1 − β₂)g², v̂ = max(v̂, v) with amsgrad,
 * p −= lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε). A backend's fused `adamStep` must match it.
 */
export function adamUpdate(
  p: Tensor,
  grad: Tensor,
  s: AdamState,
  g: ParamGroup<AdamOptions>,
  decoupled = false,
): void {
  if (!g.amsgrad && fusedAdam(p, grad, s, g, decoupled)) return;
  let d = g.maximize ? grad.neg() : grad;
  s.step += 1;
  if (decoupled) p.mul_(1 - g.lr * g.weightDecay);
  else if (g.weightDecay !== 0) d = d.add(p.mul(g.weightDecay));
  const [beta1, beta2] = g.betas;
  s.expAvg.copy_(s.expAvg.mul(beta1).add(d.mul(1 - beta1)));
  s.expAvgSq.copy_(s.expAvgSq.mul(beta2).add(d.mul(d).mul(1 - beta2)));
  let v = s.expAvgSq;
  if (g.amsgrad) {
    // Created here too, so amsgrad can be switched on for a group that already has state.
    s.maxExpAvgSq ??= keep(zerosLike(p));
    v = s.maxExpAvgSq.copy_(s.maxExpAvgSq.maximum(s.expAvgSq));
  }
  const stepSize = g.lr / (1 - beta1 ** s.step);
  const denom = v
    .sqrt()
    .div(Math.sqrt(1 - beta2 ** s.step))
    .add(g.eps);
  p.sub_(s.expAvg.div(denom).mul(stepSize));
}

/**
 * The backend's fused `adamStep`, when it has one and the dtypes agree; false otherwise. It
 * writes p and the moments in place where they allow it (see canWriteInPlace), else takes over
 * the fresh buffers the kernel returns.
 */
function fusedAdam(
  p: Tensor,
  grad: Tensor,
  s: AdamState,
  g: ParamGroup<AdamOptions>,
  decoupled: boolean,
): boolean {
  const kernel = overridesEnabled() ? p.storage.backend.overrides?.adamStep : undefined;
  if (!kernel || grad.dtype !== p.dtype || grad.device !== p.device) return false;
  const targets = [p, s.expAvg, s.expAvgSq] as const;
  const params = {
    lr: g.lr,
    beta1: g.betas[0],
    beta2: g.betas[1],
    eps: g.eps,
    weightDecay: g.weightDecay,
    decoupled,
    maximize: g.maximize,
    step: s.step + 1,
    inPlace: canWriteInPlace(targets, [grad]),
  };
  const fresh = execFused('adamStep', [p, grad, s.expAvg, s.expAvgSq], (v) => {
    const r = kernel(v[0]!, v[1]!, v[2]!, v[3]!, params);
    if (r === undefined && !params.inPlace)
      throw new BackendError(
        `adamStep: backend '${p.device}' returned no buffers, but the update of a ${fmtShape(p.shape)} parameter was not allowed in place`,
      );
    return r ?? [];
  });
  s.step += 1;
  if (fresh.length === 0) {
    for (const t of targets) markWritten(t, 'adamStep');
    return true;
  }
  targets.forEach((dst, i) => {
    dst._assign(fresh[i]!, 'adamStep', true); // take over the fused result's buffer: no copy
    fresh[i]!.dispose();
  });
  return true;
}

/** The hyper-parameters every Adam-style optimizer shares (Adam, AdamW, NAdam, RAdam). */
export interface AdamFamilyOptions {
  lr: number;
  eps: number;
  betas: readonly [number, number];
  weightDecay: number;
}

/** Checks the shared Adam-style hyper-parameters of a group, naming the bad one. */
export function validateAdamFamily(g: AdamFamilyOptions, where: string): void {
  need(nonNegative(g.lr), where, 'lr', g.lr, '≥ 0');
  need(nonNegative(g.eps), where, 'eps', g.eps, '≥ 0');
  need(
    Array.isArray(g.betas) && g.betas.length === 2,
    where,
    'betas',
    g.betas,
    'a pair [beta1, beta2]',
  );
  need(inUnit(g.betas[0]), where, 'betas[0]', g.betas[0], 'in [0, 1)');
  need(inUnit(g.betas[1]), where, 'betas[1]', g.betas[1], 'in [0, 1)');
  need(nonNegative(g.weightDecay), where, 'weightDecay', g.weightDecay, '≥ 0');
}

function validateAdam(g: ParamGroup<AdamOptions>, where: string): void {
  validateAdamFamily(g, where);
  need(isBool(g.amsgrad), where, 'amsgrad', g.amsgrad, 'true or false');
  need(isBool(g.maximize), where, 'maximize', g.maximize, 'true or false');
}

/** maxExpAvgSq exists only with amsgrad, and is created when amsgrad is switched on later. */
const ADAM_STATE: StateSpec = {
  step: 'step',
  expAvg: 'tensor',
  expAvgSq: 'tensor',
  maxExpAvgSq: 'optional',
};

function initAdam(p: Tensor, g: ParamGroup<AdamOptions>): AdamState {
  const s: AdamState = { step: 0, expAvg: keep(zerosLike(p)), expAvgSq: keep(zerosLike(p)) };
  if (g.amsgrad) s.maxExpAvgSq = keep(zerosLike(p));
  return s;
}

/**
 * Adam (Kingma & Ba), as torch.optim.Adam; `weightDecay` is an L2 term added to the gradient.
 * @example
 * const opt = new fl.optim.Adam(model.parameters(), { lr: 1e-3, betas: [0.9, 0.999] });
 */
export class Adam extends Optimizer<AdamOptions, AdamState> {
  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    checkArgs(OPTIM.Adam, [params, options], arguments.length);
    super(
      'Adam',
      params,
      { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false },
      options,
    );
  }
  protected validate(g: ParamGroup<AdamOptions>, where: string): void {
    validateAdam(g, where);
  }
  protected initState(p: Tensor, g: ParamGroup<AdamOptions>): AdamState {
    return initAdam(p, g);
  }
  protected override stateSpec(): StateSpec {
    return ADAM_STATE;
  }
  protected update(
    p: Tensor,
    grad: Tensor,
    state: AdamState,
    group: ParamGroup<AdamOptions>,
  ): void {
    adamUpdate(p, grad, state, group);
  }
}

/**
 * AdamW (Loshchilov & Hutter), as torch.optim.AdamW: weight decay is decoupled from the gradient,
 * p ← p·(1 − lr·weightDecay) before the Adam step; `weightDecay` defaults to 1e-2.
 * @example
 * const opt = new fl.optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.01 });
 */
export class AdamW extends Optimizer<AdamOptions, AdamState> {
  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    checkArgs(OPTIM.AdamW, [params, options], arguments.length);
    super(
      'AdamW',
      params,
      {
        lr: 1e-3,
        betas: [0.9, 0.999],
        eps: 1e-8,
        weightDecay: 1e-2,
        amsgrad: false,
        maximize: false,
      },
      options,
    );
  }
  protected validate(g: ParamGroup<AdamOptions>, where: string): void {
    validateAdam(g, where);
  }
  protected initState(p: Tensor, g: ParamGroup<AdamOptions>): AdamState {
    return initAdam(p, g);
  }
  protected override stateSpec(): StateSpec {
    return ADAM_STATE;
  }
  protected update(
    p: Tensor,
    grad: Tensor,
    state: AdamState,
    group: ParamGroup<AdamOptions>,
  ): void {
    adamUpdate(p, grad, state, group, true);
  }
}
