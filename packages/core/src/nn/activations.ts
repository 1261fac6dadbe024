/** Activation functions as modules, for Sequential models; each wraps the core op of the same name. */
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';
import { pyFloat } from './layers/common.js';
import { checkArgs } from '../check/args.js';
import { NN } from '../check/specs/nn.js';
import { guardMethods } from '../check/args.js';
import { forwardOf } from '../check/specs/methods.js';

/**
 * max(x, 0).
 * @example
 * new nn.ReLU().forward(fl.tensor([-1, 2])).toArray(); // [0, 2]
 */
export class ReLU extends Module {
  constructor() {
    checkArgs(NN.ReLU, [], arguments.length);
    super();
  }
  forward(x: Tensor): Tensor {
    return x.relu();
  }
}

/**
 * x for x > 0, negativeSlope·x otherwise.
 * @example
 * new nn.LeakyReLU(0.5).forward(fl.tensor([-1, 2])).toArray(); // [-0.5, 2]
 */
export class LeakyReLU extends Module {
  /** @param negativeSlope - Factor applied to negative inputs (default 0.01). */
  constructor(readonly negativeSlope = 0.01) {
    checkArgs(NN.LeakyReLU, [negativeSlope], arguments.length);
    super();
  }
  forward(x: Tensor): Tensor {
    return x.leakyRelu(this.negativeSlope);
  }
  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}`;
  }
}

/**
 * Gaussian error linear unit, exact or with the tanh approximation.
 * @example
 * new nn.GELU('tanh').forward(fl.randn([4]));
 */
export class GELU extends Module {
  /**
   * @param approximate - `'tanh'` uses the tanh approximation; `'none'` (default) the exact erf
   * form.
   */
  constructor(readonly approximate: 'none' | 'tanh' = 'none') {
    checkArgs(NN.GELU, [approximate], arguments.length);
    super();
  }
  forward(x: Tensor): Tensor {
    return x.gelu(this.approximate);
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/**
 * x·sigmoid(x) (swish).
 * @example
 * new nn.SiLU().forward(fl.randn([4]));
 */
export class SiLU extends Module {
  constructor() {
    checkArgs(NN.SiLU, [], arguments.length);
    super();
  }
  forward(x: Tensor): Tensor {
    return x.silu();
  }
}

/**
 * 1/(1 + e^−x).
 * @example
 * new nn.Sigmoid().forward(fl.zeros([2])).toArray(); // [0.5, 0.5]
 */
export class Sigmoid extends Module {
  constructor() {
    checkArgs(NN.Sigmoid, [], arguments.length);
    super();
  }
  forward(x: Tensor): Tensor {
    return x.sigmoid();
  }
}

/**
 * Hyperbolic tangent.
 * @example
 * new nn.Tanh().forward(fl.zeros([2])).toArray(); // [0, 0]
 */
export class Tanh extends Module {
  constructor() {
    checkArgs(NN.Tanh, [], arguments.length);
    super();
  }
  forward(x: Tensor): Tensor {
    return x.tanh();
  }
}

/**
 * Softmax along `dim`.
 * @example
 * new nn.Softmax(1).forward(fl.zeros([1, 4])).toArray(); // [[0.25, 0.25, 0.25, 0.25]]
 */
export class Softmax extends Module {
  /** @param dim - The dimension normalised over. */
  constructor(readonly dim: number) {
    checkArgs(NN.Softmax, [dim], arguments.length);
    super();
  }
  forward(x: Tensor): Tensor {
    return x.softmax(this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/**
 * log(softmax(x)) along `dim`, computed stably.
 * @example
 * new nn.LogSoftmax(1).forward(fl.randn([2, 10]));
 */
export class LogSoftmax extends Module {
  /** @param dim - The dimension normalised over. */
  constructor(readonly dim: number) {
    checkArgs(NN.LogSoftmax, [dim], arguments.length);
    super();
  }
  forward(x: Tensor): Tensor {
    return x.logSoftmax(this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

// Public methods check their arguments against their specs (check/specs/methods.ts) first.
const ACTIVATIONS = { ReLU, LeakyReLU, GELU, SiLU, Sigmoid, Tanh, Softmax, LogSoftmax };
for (const [layer, cls] of Object.entries(ACTIVATIONS)) guardMethods(cls, forwardOf(layer));
