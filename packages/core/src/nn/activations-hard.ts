/**
 * Piecewise-linear activations as modules (torch.nn's Hardtanh, ReLU6, Hardsigmoid, Hardswish,
 * Hardshrink, Softshrink, Threshold, PReLU, RReLU); each wraps the functional form of the same name.
 * torch's `inplace` flag is not offered: Flint's ops return new tensors.
 */
import type { Tensor } from '../tensor.js';
import { ArgumentError } from '../errors.js';
import { Module } from './module.js';
import { type FactoryOptions, param, pyFloat } from './layers/common.js';
import { checkArgs, guardMethods } from '../check/args.js';
import { NN } from '../check/specs/nn.js';
import { forwardOf } from '../check/specs/methods.js';
import { describe } from '../check/describe.js';
import * as P from '../ops/activation-piecewise.js';

/**
 * clamp(x, minVal, maxVal), with gradient 0 at and beyond the bounds.
 * @example
 * new nn.Hardtanh().forward(fl.tensor([-2, 0.5, 2])).toArray(); // [-1, 0.5, 1]
 */
export class Hardtanh extends Module {
  /**
   * @param minVal - Lower bound (default −1).
   * @param maxVal - Upper bound (default 1); must be greater than `minVal`, as torch asserts.
   */
  constructor(
    readonly minVal = -1,
    readonly maxVal = 1,
  ) {
    checkArgs(NN.Hardtanh, [minVal, maxVal], arguments.length);
    super();
    if (!(maxVal > minVal))
      throw new ArgumentError(
        `Hardtanh: maxVal must be greater than minVal, got minVal ${describe(minVal)} and maxVal ${describe(maxVal)}`,
      );
  }
  forward(x: Tensor): Tensor {
    return P.hardtanh(x, this.minVal, this.maxVal);
  }
  override extraRepr(): string {
    return `min_val=${pyFloat(this.minVal)}, max_val=${pyFloat(this.maxVal)}`;
  }
}

/**
 * min(max(x, 0), 6).
 * @example
 * new nn.ReLU6().forward(fl.tensor([-1, 3, 9])).toArray(); // [0, 3, 6]
 */
export class ReLU6 extends Module {
  constructor() {
    checkArgs(NN.ReLU6, [], arguments.length);
    super();
  }
  forward(x: Tensor): Tensor {
    return P.relu6(x);
  }
}

/**
 * relu6(x + 3)/6, a piecewise-linear sigmoid.
 * @example
 * new nn.Hardsigmoid().forward(fl.tensor([-4, 0, 4])).toArray(); // [0, 0.5, 1]
 */
export class Hardsigmoid extends Module {
  constructor() {
    checkArgs(NN.Hardsigmoid, [], arguments.length);
    super();
  }
  forward(x: Tensor): Tensor {
    return P.hardsigmoid(x);
  }
}

/**
 * x·relu6(x + 3)/6 (MobileNetV3's hard swish).
 * @example
 * new nn.Hardswish().forward(fl.tensor([-4, 0, 4])).toArray(); // [-0, 0, 4]
 */
export class Hardswish extends Module {
  constructor() {
    checkArgs(NN.Hardswish, [], arguments.length);
    super();
  }
  forward(x: Tensor): Tensor {
    return P.hardswish(x);
  }
}

/**
 * 0 where −λ ≤ x ≤ λ, else x.
 * @example
 * new nn.Hardshrink(0.5).forward(fl.tensor([-1, 0.2, 1])).toArray(); // [-1, 0, 1]
 */
export class Hardshrink extends Module {
  /** @param lambd - Half-width λ of the band set to zero (default 0.5). */
  constructor(readonly lambd = 0.5) {
    checkArgs(NN.Hardshrink, [lambd], arguments.length);
    super();
  }
  forward(x: Tensor): Tensor {
    return P.hardshrink(x, this.lambd);
  }
  override extraRepr(): string {
    return pyFloat(this.lambd);
  }
}

/**
 * x − λ above λ, x + λ below −λ, 0 between.
 * @example
 * new nn.Softshrink(0.5).forward(fl.tensor([-1, 0.2, 1])).toArray(); // [-0.5, 0, 0.5]
 */
export class Softshrink extends Module {
  /** @param lambd - λ ≥ 0 (default 0.5). */
  constructor(readonly lambd = 0.5) {
    checkArgs(NN.Softshrink, [lambd], arguments.length);
    super();
    // torch accepts a negative λ here and fails on the first forward; failing now names the cause.
    if (!(lambd >= 0))
      throw new ArgumentError(
        `Softshrink: lambd must be greater than or equal to 0, got ${describe(lambd)}`,
      );
  }
  forward(x: Tensor): Tensor {
    return P.softshrink(x, this.lambd);
  }
  override extraRepr(): string {
    return pyFloat(this.lambd);
  }
}

/**
 * x where x > threshold, else `value`.
 * @example
 * new nn.Threshold(0.1, 20).forward(fl.tensor([0, 1])).toArray(); // [20, 1]
 */
export class Threshold extends Module {
  /**
   * @param threshold - Elements at or below it are replaced.
   * @param value - The replacement.
   */
  constructor(
    readonly threshold: number,
    readonly value: number,
  ) {
    checkArgs(NN.Threshold, [threshold, value], arguments.length);
    super();
  }
  forward(x: Tensor): Tensor {
    return P.threshold(x, this.threshold, this.value);
  }
  override extraRepr(): string {
    return `threshold=${this.threshold}, value=${this.value}`;
  }
}

/** Options of `nn.PReLU`. */
export interface PReLUOptions extends FactoryOptions {
  /** Initial value of every slope (default 0.25). */
  init?: number;
}

/**
 * x where x > 0, else a·x with a learned slope a: one for all channels, or one per channel
 * (dim 1). The slopes are the parameter `weight` (torch's state-dict key), initialised to 0.25.
 * @example
 * const act = new nn.PReLU(3); // one slope per channel of [N, 3, …] inputs
 * act.forward(fl.randn([2, 3, 4]));
 */
export class PReLU extends Module {
  /** The slopes, shape [numParameters]. */
  weight: Tensor;
  /**
   * @param numParameters - 1 (one shared slope) or the number of channels (default 1).
   * @param opts - `init` (default 0.25), `dtype`, `device`.
   */
  // Not a property: Module.numParameters() counts parameter elements (here the same number).
  constructor(numParameters = 1, opts: PReLUOptions = {}) {
    checkArgs(NN.PReLU, [numParameters, opts], arguments.length);
    super();
    this.weight = param([numParameters], opts, opts.init ?? 0.25);
  }
  forward(x: Tensor): Tensor {
    return P.prelu(x, this.weight);
  }
  override extraRepr(): string {
    return `num_parameters=${this.weight.size}`;
  }
}

/**
 * Randomized leaky ReLU: while training, negative inputs are scaled by a slope drawn from
 * U(lower, upper) per element; after `.eval()`, by the fixed slope (lower + upper)/2.
 * @example
 * new nn.RReLU().eval().forward(fl.tensor([-2, 3])).toArray(); // [-0.4583…, 3]
 */
export class RReLU extends Module {
  /**
   * @param lower - Lower bound of the slope (default 1/8).
   * @param upper - Upper bound of the slope (default 1/3).
   */
  constructor(
    readonly lower = 1 / 8,
    readonly upper = 1 / 3,
  ) {
    checkArgs(NN.RReLU, [lower, upper], arguments.length);
    super();
  }
  forward(x: Tensor): Tensor {
    return P.rrelu(x, this.lower, this.upper, this.training);
  }
  override extraRepr(): string {
    return `lower=${pyFloat(this.lower)}, upper=${pyFloat(this.upper)}`;
  }
}

// Public methods check their arguments against their specs (check/specs/methods.ts) first.
const LAYERS = {
  Hardtanh,
  ReLU6,
  Hardsigmoid,
  Hardswish,
  Hardshrink,
  Softshrink,
  Threshold,
  PReLU,
  RReLU,
};
for (const [layer, cls] of Object.entries(LAYERS)) guardMethods(cls, forwardOf(layer));
