/**
 * `nn.init`: in-place initialisers with torch.nn.init's formulas and defaults. Each runs under
 * `noGrad` (so it works on parameters) and returns its tensor. Random draws come from Flint's
 * counter-based generator, so `fl.manualSeed` makes them reproducible on every backend (the
 * numbers differ from torch's, the distributions do not).
 */
import { ShapeError, fmtShape, ArgumentError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { noGrad } from '../autograd/mode.js';
import { tidy } from '../scope.js';
import { randn, tensor } from '../ops/creation.js';
import { stack } from '../ops/shape.js';
import { typedArrayFor } from '../dtype.js';
import { deferred } from '../ops/checks.js';

/**
 * Nonlinearities known to `calculateGain` and the Kaiming initialisers (torch's names, also in
 * camelCase).
 */
export type Nonlinearity =
  | 'linear'
  | 'identity'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'convTranspose1d'
  | 'convTranspose2d'
  | 'convTranspose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leakyRelu'
  | 'leaky_relu'
  | 'selu';

/**
 * The recommended gain for a nonlinearity (torch's table): 1 for linear, convolutions and
 * sigmoid, 5/3 for tanh, √2 for relu, √(2/(1 + slope²)) for leaky relu (slope `param`, default
 * 0.01) and 3/4 for selu.
 * @example
 * nn.init.calculateGain('relu'); // 1.4142…
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu':
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      if (!Number.isFinite(slope))
        throw new ArgumentError(`calculateGain: negative slope ${slope} is not a valid number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    case 'linear':
    case 'identity':
    case 'sigmoid':
    case 'conv1d':
    case 'conv2d':
    case 'conv3d':
    case 'convTranspose1d':
    case 'convTranspose2d':
    case 'convTranspose3d':
      return 1;
    default:
      throw new ArgumentError(`calculateGain: unsupported nonlinearity '${String(nonlinearity)}'`);
  }
}

/**
 * fan_in = size(1)·receptive field, fan_out = size(0)·receptive field, where the receptive field
 * is the product of the dims after the first two (torch's definition, also for transposed-conv
 * weights, whose dim 1 holds the output channels).
 */
export function calculateFans(t: Tensor): {
  /** size(1) · receptive field. */
  fanIn: number;
  /** size(0) · receptive field. */
  fanOut: number;
} {
  if (t.ndim < 2)
    throw new ShapeError(
      `init: fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions (shape ${fmtShape(t.shape)})`,
    );
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: t.shape[1]! * receptive, fanOut: t.shape[0]! * receptive };
}

function inPlace(t: Tensor, fn: () => void): Tensor {
  noGrad(() => tidy(fn));
  return t;
}

/** Fill with U[a, b). @example nn.init.uniform_(w, -0.1, 0.1); */
export const uniform_ = (t: Tensor, a = 0, b = 1): Tensor =>
  inPlace(t, () => void t.uniform_(a, b));
/** Fill with N(mean, std²). @example nn.init.normal_(w, 0, 0.02); */
export const normal_ = (t: Tensor, mean = 0, std = 1): Tensor =>
  inPlace(t, () => void t.normal_(mean, std));
/** Fill with a constant. @example nn.init.constant_(b, 0.1); */
export const constant_ = (t: Tensor, value: number): Tensor =>
  inPlace(t, () => void t.fill_(value));
/** Fill with 0. @example nn.init.zeros_(b); */
export const zeros_ = (t: Tensor): Tensor => constant_(t, 0);
/** Fill with 1. @example nn.init.ones_(gamma); */
export const ones_ = (t: Tensor): Tensor => constant_(t, 1);

/**
 * Glorot/Xavier uniform: U(−a, a) with a = gain·√(6/(fan_in + fan_out)).
 * @example
 * nn.init.xavierUniform_(linear.weight, nn.init.calculateGain('tanh'));
 */
export function xavierUniform_(t: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = calculateFans(t);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -a, a);
}

/**
 * Glorot/Xavier normal: N(0, std²) with std = gain·√(2/(fan_in + fan_out)).
 * @example
 * nn.init.xavierNormal_(linear.weight);
 */
export function xavierNormal_(t: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = calculateFans(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
}

/** Options of `kaimingUniform_` and `kaimingNormal_`. */
export interface KaimingOptions {
  /** Negative slope of the leaky relu that follows (used when nonlinearity is leaky relu; default 0). */
  a?: number;
  /** Preserve the variance of the forward pass ('fanIn', default) or of the backward pass ('fanOut'). */
  mode?: 'fanIn' | 'fanOut';
  /** Default 'leakyRelu', as torch (with a = 0 that is relu's gain √2). */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(t: Tensor, opts: KaimingOptions): number {
  const mode = opts.mode ?? 'fanIn';
  if (mode !== 'fanIn' && mode !== 'fanOut')
    throw new ArgumentError(`init: mode must be 'fanIn' or 'fanOut', got '${String(mode)}'`);
  const fans = calculateFans(t);
  const fan = mode === 'fanIn' ? fans.fanIn : fans.fanOut;
  return calculateGain(opts.nonlinearity ?? 'leakyRelu', opts.a ?? 0) / Math.sqrt(fan);
}

/**
 * He/Kaiming uniform: U(−b, b) with b = gain·√(3/fan). `{ a: Math.sqrt(5) }` is the default
 * initialisation of Linear and Conv weights, b = 1/√fan_in.
 * @example
 * nn.init.kaimingUniform_(conv.weight, { nonlinearity: 'relu' });
 */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(t, opts);
  return uniform_(t, -bound, bound);
}

/**
 * He/Kaiming normal: N(0, std²) with std = gain/√fan.
 * @example
 * nn.init.kaimingNormal_(conv.weight, { mode: 'fanOut', nonlinearity: 'relu' });
 */
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  return normal_(t, 0, kaimingStd(t, opts));
}

/** Orthonormalise the columns of the row-major [rows, cols] matrix `m` (rows ≥ cols) in place. */
function gramSchmidt(m: Float64Array, rows: number, cols: number): void {
  for (let j = 0; j < cols; j++) {
    // Modified Gram–Schmidt, twice ("twice is enough") so the columns stay orthogonal in float64.
    for (let pass = 0; pass < 2; pass++)
      for (let k = 0; k < j; k++) {
        let dot = 0;
        for (let i = 0; i < rows; i++) dot += m[i * cols + k]! * m[i * cols + j]!;
        for (let i = 0; i < rows; i++) m[i * cols + j] -= dot * m[i * cols + k]!;
      }
    let norm = 0;
    for (let i = 0; i < rows; i++) norm += m[i * cols + j]! ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < rows; i++) m[i * cols + j] /= norm;
  }
}

/**
 * gramSchmidt on the device, for devices without synchronous read-back: the columns of a [r, c]
 * matrix (r ≥ c) orthonormalised, returned as the rows of a [c, r] matrix. Each column is
 * projected off the previous ones twice (classical Gram–Schmidt twice, as stable as gramSchmidt's
 * modified form twice), in a's dtype.
 */
function orthonormalRows(a: Tensor): Tensor {
  const cols = a.transpose(0, 1);
  const done: Tensor[] = [];
  for (let j = 0; j < cols.shape[0]!; j++)
    // one scope per column: only the finished columns stay alive
    done.push(
      tidy(() => {
        let v = cols.index(j).reshape([-1, 1]);
        if (done.length > 0) {
          const q = stack(done);
          for (let pass = 0; pass < 2; pass++) v = v.sub(q.transpose(0, 1).matmul(q.matmul(v)));
        }
        return v.div(v.norm()).reshape([-1]);
      }),
    );
  return stack(done);
}

/**
 * A (semi-)orthogonal matrix times `gain`, viewing t as [size(0), rest]: the Q of a QR
 * decomposition of a Gaussian matrix with R's diagonal made positive, which Gram–Schmidt gives
 * directly. Computed on the host in float64.
 * @example
 * nn.init.orthogonal_(rnn.weight_hh_l0);
 */
export function orthogonal_(t: Tensor, gain = 1): Tensor {
  if (t.ndim < 2)
    throw new ShapeError(
      `orthogonal_: only tensors with 2 or more dimensions are supported, got ${fmtShape(t.shape)}`,
    );
  const rows = t.shape[0]!;
  const cols = t.size / rows;
  if (t.size === 0) return t;
  // Orthonormalise along the longer side: the columns of A, or of Aᵀ when the matrix is wide.
  const [r, c] = rows >= cols ? [rows, cols] : [cols, rows];
  const dtype = t.dtype === 'float64' ? 'float64' : 'float32';
  if (deferred(t))
    return inPlace(t, () => {
      const q = orthonormalRows(randn([r, c], { dtype, device: t.device }));
      // q's rows are A's orthonormalised columns: Q = qᵀ when tall, Q's transpose q when wide
      void t.copy_((rows >= cols ? q.transpose(0, 1) : q).mul(gain).reshape(t.shape));
    });
  const a = Float64Array.from(
    noGrad(() =>
      tidy(() => randn([r, c], { dtype, device: t.device }).dataSync()),
    ) as ArrayLike<number>,
  );
  gramSchmidt(a, r, c);
  const out = typedArrayFor('float64', rows * cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++)
      out[i * cols + j] = gain * (rows >= cols ? a[i * cols + j]! : a[j * rows + i]!);
  return inPlace(t, () => void t.copy_(tensor(out, { shape: t.shape, device: t.device })));
}
