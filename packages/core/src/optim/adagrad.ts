/** Adagrad: per-coordinate step sizes from the accumulated sum of squared gradients. */
import type { Tensor } from '../tensor.js';
import { keep } from '../scope.js';
import { fullLike } from '../ops/creation.js';
import { need } from './errors.js';
import { Optimizer, isBool, nonNegative, type ParamGroup, type Params } from './optimizer.js';
import type { StateSpec } from './state-dict.js';
import { checkArgs } from '../check/args.js';
import { OPTIM } from '../check/specs/optim.js';

/** Hyperparameters of `Adagrad` (torch's, camelCase); each group may override them. */
export interface AdagradOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Learning-rate decay: step t uses lr / (1 + (t − 1)·lrDecay) (default 0). */
  lrDecay: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Starting value of the squared-gradient sum (default 0). */
  initialAccumulatorValue: number;
  /** Added to the denominator for numerical stability (default 1e-10). */
  eps: number;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/** Per-parameter state of `Adagrad`. */
export interface AdagradState {
  /** Updates applied so far. */
  step: number;
  /** Sum of squared gradients (torch's `sum`). */
  sum: Tensor;
}

/**
 * The Adagrad update of one parameter, in place, as torch.optim.Adagrad:
 * s += g², p −= lr/(1 + (t − 1)·lrDecay) · g / (√s + ε).
 */
export function adagradUpdate(
  p: Tensor,
  grad: Tensor,
  s: AdagradState,
  g: ParamGroup<AdagradOptions>,
): void {
  let d = g.maximize ? grad.neg() : grad;
  s.step += 1;
  if (g.weightDecay !== 0) d = d.add(p.mul(g.weightDecay));
  const clr = g.lr / (1 + (s.step - 1) * g.lrDecay);
  s.sum.copy_(s.sum.add(d.mul(d)));
  p.sub_(d.div(s.sum.sqrt().add(g.eps)).mul(clr));
}

/**
 * Adagrad (Duchi et al.), as torch.optim.Adagrad. Like torch, it creates every parameter's state
 * at construction (the accumulator starts at `initialAccumulatorValue`).
 * @example
 * const opt = new fl.optim.Adagrad(model.parameters(), { lr: 0.1, lrDecay: 1e-4 });
 */
export class Adagrad extends Optimizer<AdagradOptions, AdagradState> {
  constructor(params: Params<AdagradOptions>, options: Partial<AdagradOptions> = {}) {
    checkArgs(OPTIM.Adagrad, [params, options], arguments.length);
    super(
      'Adagrad',
      params,
      {
        lr: 1e-2,
        lrDecay: 0,
        weightDecay: 0,
        initialAccumulatorValue: 0,
        eps: 1e-10,
        maximize: false,
      },
      options,
    );
    for (const g of this.paramGroups) for (const p of g.params) this.stateOf(p, g);
  }

  protected validate(g: ParamGroup<AdagradOptions>, where: string): void {
    need(nonNegative(g.lr), where, 'lr', g.lr, '≥ 0');
    need(nonNegative(g.lrDecay), where, 'lrDecay', g.lrDecay, '≥ 0');
    need(nonNegative(g.weightDecay), where, 'weightDecay', g.weightDecay, '≥ 0');
    need(
      nonNegative(g.initialAccumulatorValue),
      where,
      'initialAccumulatorValue',
      g.initialAccumulatorValue,
      '≥ 0',
    );
    need(nonNegative(g.eps), where, 'eps', g.eps, '≥ 0');
    need(isBool(g.maximize), where, 'maximize', g.maximize, 'true or false');
  }

  protected override stateSpec(): StateSpec {
    return { step: 'step', sum: 'tensor' };
  }

  protected initState(p: Tensor, g: ParamGroup<AdagradOptions>): AdagradState {
    return { step: 0, sum: keep(fullLike(p, g.initialAccumulatorValue)) };
  }

  protected update(
    p: Tensor,
    grad: Tensor,
    state: AdagradState,
    group: ParamGroup<AdagradOptions>,
  ): void {
    adagradUpdate(p, grad, state, group);
  }
}
