/**
 * Smooth activations as modules (torch.nn's ELU, SELU, CELU, Softplus, Mish, Softsign,
 * LogSigmoid, Tanhshrink, Softmin, Softmax2d, GLU); each wraps the functional form of the same
 * name. torch's `inplace` flag is not offered: Flint's ops return new tensors.
 */
import type { Tensor } from '../tensor.js';
import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import { Module } from './module.js';
import { pyFloat } from './layers/common.js';
import { checkArgs, guardMethods } from '../check/args.js';
import { NN } from '../check/specs/nn.js';
import { forwardOf } from '../check/specs/methods.js';
import { elu, softplus } from '../ops/activation.js';
import { softmax } from '../ops/reduce.js';
import * as S from '../ops/activation-smooth.js';

/**
 * x where x > 0, else α(eˣ − 1).
 * @example
 * new nn.ELU().forward(fl.tensor([0, 1])).toArray(); // [0, 1]
 */
export class ELU extends Module {
  /** @param alpha - α, the negative saturation value (default 1). */
  constructor(readonly alpha = 1) {
    checkArgs(NN.ELU, [alpha], arguments.length);
    super();
  }
  forward(x: Tensor): Tensor {
    return elu(x, this.alpha);
  }
  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}`;
  }
}

/**
 * Self-normalising ELU: scale·elu(x, α) with torch's fixed α ≈ 1.6733, scale ≈ 1.0507.
 * @example
 * new nn.SELU().forward(fl.tensor([0, 1])).toArray(); // [0, 1.0507…]
 */
export class SELU extends Module {
  constructor() {
    checkArgs(NN.SELU, [], arguments.length);
    super();
  }
  forward(x: Tensor): Tensor {
    return S.selu(x);
  }
}

/**
 * max(0, x) + min(0, α(exp(x/α) − 1)).
 * @example
 * new nn.CELU(2).forward(fl.tensor([0, 1])).toArray(); // [0, 1]
 */
export class CELU extends Module {
  /** @param alpha - α, non-zero (default 1). */
  constructor(readonly alpha = 1) {
    checkArgs(NN.CELU, [alpha], arguments.length);
    super();
    if (alpha === 0) throw new ArgumentError('CELU: alpha cannot be 0 (it divides x)');
  }
  forward(x: Tensor): Tensor {
    return S.celu(x, this.alpha);
  }
  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}`;
  }
}

/**
 * log(1 + e^(βx))/β, linear where βx > threshold.
 * @example
 * new nn.Softplus(2, 10).forward(fl.zeros([2])); // ≈ [0.3466, 0.3466]
 */
export class Softplus extends Module {
  /**
   * @param beta - β (default 1).
   * @param threshold - Above it (in βx) the function is x itself (default 20).
   */
  constructor(
    readonly beta = 1,
    readonly threshold = 20,
  ) {
    checkArgs(NN.Softplus, [beta, threshold], arguments.length);
    super();
  }
  forward(x: Tensor): Tensor {
    return softplus(x, this.beta, this.threshold);
  }
  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

/**
 * x·tanh(softplus(x)).
 * @example
 * new nn.Mish().forward(fl.randn([4]));
 */
export class Mish extends Module {
  constructor() {
    checkArgs(NN.Mish, [], arguments.length);
    super();
  }
  forward(x: Tensor): Tensor {
    return S.mish(x);
  }
}

/**
 * x/(1 + |x|).
 * @example
 * new nn.Softsign().forward(fl.tensor([-1, 3])).toArray(); // [-0.5, 0.75]
 */
export class Softsign extends Module {
  constructor() {
    checkArgs(NN.Softsign, [], arguments.length);
    super();
  }
  forward(x: Tensor): Tensor {
    return S.softsign(x);
  }
}

/**
 * log(sigmoid(x)), computed stably.
 * @example
 * new nn.LogSigmoid().forward(fl.zeros([1])).toArray(); // [-0.6931…]
 */
export class LogSigmoid extends Module {
  constructor() {
    checkArgs(NN.LogSigmoid, [], arguments.length);
    super();
  }
  forward(x: Tensor): Tensor {
    return S.logsigmoid(x);
  }
}

/**
 * x − tanh(x).
 * @example
 * new nn.Tanhshrink().forward(fl.zeros([2])).toArray(); // [0, 0]
 */
export class Tanhshrink extends Module {
  constructor() {
    checkArgs(NN.Tanhshrink, [], arguments.length);
    super();
  }
  forward(x: Tensor): Tensor {
    return S.tanhshrink(x);
  }
}

/**
 * softmax(−x) along `dim`.
 * @example
 * new nn.Softmin(1).forward(fl.zeros([1, 4])).toArray(); // [[0.25, 0.25, 0.25, 0.25]]
 */
export class Softmin extends Module {
  /** @param dim - The dimension normalised over. */
  constructor(readonly dim: number) {
    checkArgs(NN.Softmin, [dim], arguments.length);
    super();
  }
  forward(x: Tensor): Tensor {
    return S.softmin(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/**
 * Gated linear unit: halves a, b of `dim` give a·sigmoid(b).
 * @example
 * new nn.GLU().forward(fl.randn([2, 8])).shape; // [2, 4]
 */
export class GLU extends Module {
  /** @param dim - The dimension split in half; its size must be even (default −1). */
  constructor(readonly dim = -1) {
    checkArgs(NN.GLU, [dim], arguments.length);
    super();
  }
  forward(x: Tensor): Tensor {
    return S.glu(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/**
 * Softmax over the channels of each pixel: dim −3 of a [C, H, W] or [N, C, H, W] input.
 * @example
 * new nn.Softmax2d().forward(fl.zeros([1, 2, 3, 3])); // 0.5 everywhere
 */
export class Softmax2d extends Module {
  constructor() {
    checkArgs(NN.Softmax2d, [], arguments.length);
    super();
  }
  forward(x: Tensor): Tensor {
    if (x.ndim !== 3 && x.ndim !== 4)
      throw new ShapeError(
        `Softmax2d: expected a 3-D [C,H,W] or 4-D [N,C,H,W] input, got ${fmtShape(x.shape)}`,
      );
    return softmax(x, -3);
  }
}

// Public methods check their arguments against their specs (check/specs/methods.ts) first.
const LAYERS = {
  ELU,
  SELU,
  CELU,
  Softplus,
  Mish,
  Softsign,
  LogSigmoid,
  Tanhshrink,
  Softmin,
  Softmax2d,
  GLU,
};
for (const [layer, cls] of Object.entries(LAYERS)) guardMethods(cls, forwardOf(layer));
