/** Stochastic gradient descent with optional momentum, dampening, Nesterov and weight decay. */
import type { Tensor } from '../tensor.js';
import { keep } from '../scope.js';
import type { SgdStepParams } from '../backend/types.js';
import { isFloat } from '../dtype.js';
import { execFusedAs } from '../ops/dispatch.js';
import { overridesEnabled } from '../ops/reduce.js';
import { need } from './errors.js';
import { canWriteInPlace, markWritten } from './in-place.js';
import { BackendError, fmtShape } from '../errors.js';
import {
  Optimizer,
  isBool,
  nonNegative,
  type OwnOptions,
  type ParamGroup,
  type Params,
} from './optimizer.js';
import type { StateSpec } from './state-dict.js';
import { checkArgs } from '../check/args.js';
import { OPTIM } from '../check/specs/optim.js';

/** Hyperparameters of `SGD` (torch.optim.SGD's, camelCase); each group may override them. */
export interface SGDOptions {
  /** Learning rate (default 1e-3, as in torch ≥ 2.2; torch 1.x required it). */
  lr: number;
  /** Momentum factor (default 0: plain SGD). */
  momentum: number;
  /** Dampening for momentum (default 0). */
  dampening: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Nesterov momentum; needs momentum > 0 and dampening 0 (default false). */
  nesterov: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/** Per-parameter state of `SGD`. */
export interface SGDState {
  /** Created from the first gradient when momentum ≠ 0; null otherwise (torch's `momentum_buffer`). */
  momentumBuffer: Tensor | null;
}

/**
 * The SGD update of one parameter, in place (torch.optim.SGD's formula):
 * d = ±g + λp; b = μb + (1 − τ)d (b = d on the first step); d = d + μb (Nesterov) or b; p −= lr·d.
 * A backend's fused `sgdStep` must match it.
 */
export function sgdUpdate(
  p: Tensor,
  grad: Tensor,
  state: SGDState,
  g: ParamGroup<SGDOptions>,
): void {
  if (fusedSgd(p, grad, state, g)) return;
  let d = g.maximize ? grad.neg() : grad;
  if (g.weightDecay !== 0) d = d.add(p.mul(g.weightDecay));
  if (g.momentum !== 0) {
    let buf = state.momentumBuffer;
    if (buf === null) state.momentumBuffer = buf = keep(d.clone());
    else buf.copy_(buf.mul(g.momentum).add(d.mul(1 - g.dampening)));
    d = g.nesterov ? d.add(buf.mul(g.momentum)) : buf;
  }
  p.sub_(d.mul(g.lr));
}

/** The backend's fused `sgdStep`, when it has one and the (float) dtypes agree; false otherwise. */
function fusedSgd(p: Tensor, grad: Tensor, state: SGDState, g: ParamGroup<SGDOptions>): boolean {
  const kernel = overridesEnabled() ? p.storage.backend.overrides?.sgdStep : undefined;
  if (!kernel || !isFloat(p.dtype) || grad.dtype !== p.dtype || grad.device !== p.device)
    return false;
  const buf = g.momentum !== 0 ? state.momentumBuffer : null;
  const params: SgdStepParams = {
    lr: g.lr,
    momentum: g.momentum,
    dampening: g.dampening,
    weightDecay: g.weightDecay,
    nesterov: g.nesterov,
    maximize: g.maximize,
    firstStep: g.momentum !== 0 && buf === null,
  };
  const targets = buf ? [p, buf] : [p];
  // A first step with momentum makes the buffer, so it cannot be written in place.
  params.inPlace = !params.firstStep && canWriteInPlace(targets, [grad]);
  const spec = { shape: p.shape, dtype: p.dtype };
  const inputs = buf ? [p, grad, buf] : [p, grad];
  let wrote = false;
  const [np, nb] = execFusedAs('sgdStep', inputs, [spec, spec], (v) => {
    const r = kernel(v[0]!, v[1]!, buf ? v[2]! : null, params);
    if (r === undefined && !params.inPlace)
      throw new BackendError(
        `sgdStep: backend '${p.device}' returned no buffers, but the update of a ${fmtShape(p.shape)} parameter was not allowed in place`,
      );
    wrote = r === undefined;
    return r ?? [];
  });
  if (wrote) {
    for (const t of targets) markWritten(t, 'sgdStep');
    return true;
  }
  p._assign(np!, 'sgdStep', true); // take over the fused result's buffer: no copy
  np!.dispose();
  if (nb) {
    if (buf) {
      buf._assign(nb, 'sgdStep', true);
      nb.dispose();
    } else state.momentumBuffer = keep(nb);
  }
  return true;
}

/**
 * Stochastic gradient descent, as torch.optim.SGD.
 * @example
 * const opt = new fl.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * loss.backward();
 * opt.step();
 * opt.zeroGrad();
 */
export class SGD extends Optimizer<SGDOptions, SGDState> {
  constructor(params: Params<SGDOptions>, options: Partial<SGDOptions> = {}) {
    checkArgs(OPTIM.SGD, [params, options], arguments.length);
    super(
      'SGD',
      params,
      { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false },
      options,
    );
  }

  protected validate(g: ParamGroup<SGDOptions>, where: string, own: OwnOptions): void {
    need(nonNegative(g.lr), where, 'lr', g.lr, '≥ 0');
    need(nonNegative(g.momentum), where, 'momentum', g.momentum, '≥ 0');
    need(Number.isFinite(g.dampening), where, 'dampening', g.dampening, 'a finite number');
    need(nonNegative(g.weightDecay), where, 'weightDecay', g.weightDecay, '≥ 0');
    need(isBool(g.nesterov), where, 'nesterov', g.nesterov, 'true or false');
    need(isBool(g.maximize), where, 'maximize', g.maximize, 'true or false');
    // As torch: the rule binds where nesterov is given (the constructor's options, or a group
    // that sets it). A group that inherits nesterov and sets momentum 0 trains as plain SGD,
    // since Nesterov's term is part of the momentum update; torch 1.13 does the same.
    need(
      !g.nesterov || !own.has('nesterov') || (g.momentum > 0 && g.dampening === 0),
      where,
      'nesterov',
      g.nesterov,
      'false unless momentum > 0 and dampening = 0 (Nesterov momentum needs momentum and no dampening)',
    );
  }

  protected override stateSpec(): StateSpec {
    return { momentumBuffer: 'nullable' };
  }

  protected initState(): SGDState {
    return { momentumBuffer: null };
  }

  protected update(p: Tensor, grad: Tensor, state: SGDState, group: ParamGroup<SGDOptions>): void {
    sgdUpdate(p, grad, state, group);
  }
}
