/**
 * Instance normalisation (each sample's channel normalised over its own spatial positions) and
 * RMS normalisation (torch 2.4's rms_norm: scaled by the root mean square, no centring), as
 * composites.
 */
import { DTypeError, ShapeError, fmtShape } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { tidy } from '../../scope.js';
import { noGrad } from '../../autograd/mode.js';
import { isFloat, type DType } from '../../dtype.js';

/** Options of `F.instanceNorm` (torch's keyword arguments, camelCase). */
export interface InstanceNormOptions {
  /** Running mean per channel [C], updated in place while `useInputStats` (default none). */
  runningMean?: Tensor | null;
  /** Running (unbiased) variance per channel [C], updated likewise (default none). */
  runningVar?: Tensor | null;
  /** Per-channel scale γ [C] (default none). */
  weight?: Tensor | null;
  /** Per-channel shift β [C] (default none). */
  bias?: Tensor | null;
  /** Normalise with each instance's own statistics (default true); false uses the running ones. */
  useInputStats?: boolean;
  /** Weight of the new statistics in the running averages (default 0.1). */
  momentum?: number;
  /** Added to the variance for numerical stability (default 1e-5). */
  eps?: number;
}

function checkVector(name: string, t: Tensor | null | undefined, c: number): void {
  if (t && (t.ndim !== 1 || t.shape[0] !== c))
    throw new ShapeError(
      `instanceNorm: ${name} must have shape [${c}] (one value per channel), got ${fmtShape(t.shape)}`,
    );
}

function checkInstanceNorm(x: Tensor, o: InstanceNormOptions): void {
  if (!isFloat(x.dtype))
    throw new DTypeError(`instanceNorm: expected a floating-point input, got ${x.dtype}`);
  if (x.ndim < 3)
    throw new ShapeError(
      `instanceNorm: expected input of shape [N, C, *] with at least one spatial dim, got ${fmtShape(x.shape)}`,
    );
  const c = x.shape[1]!;
  checkVector('runningMean', o.runningMean, c);
  checkVector('runningVar', o.runningVar, c);
  checkVector('weight', o.weight, c);
  checkVector('bias', o.bias, c);
  const spatial = x.shape.slice(2).reduce((a, b) => a * b, 1);
  if ((o.useInputStats ?? true) && spatial <= 1)
    throw new ShapeError(
      `instanceNorm: expected more than 1 spatial element per channel when using input statistics, got input of shape ${fmtShape(x.shape)}`,
    );
  if (!(o.useInputStats ?? true) && (!o.runningMean || !o.runningVar))
    throw new ShapeError(
      'instanceNorm: useInputStats false needs runningMean and runningVar (the statistics to normalise with)',
    );
}

/** running ← (1 − m)·running + m·value, in place. */
function blend(running: Tensor, value: Tensor, m: number): void {
  noGrad(() => tidy(() => void running.mul_(1 - m).add_(value.mul(m))));
}

/**
 * Instance normalisation of x [N, C, *]: each (sample, channel) slice is normalised by its own
 * mean and biased variance, as torch.nn.functional.instance_norm. With running buffers and
 * `useInputStats`, their update is the batch average of the per-instance mean and unbiased
 * variance; with `useInputStats: false` the running statistics normalise instead.
 * @example
 * const y = nn.F.instanceNorm(fl.randn([2, 3, 8, 8])); // each [8, 8] plane has mean ≈ 0
 */
export function instanceNorm(x: Tensor, opts: InstanceNormOptions = {}): Tensor {
  checkInstanceNorm(x, opts);
  const eps = opts.eps ?? 1e-5;
  const c = x.shape[1]!;
  const shape = x.shape.map((d, i) => (i === 1 ? c : 1));
  const { weight, bias, runningMean, runningVar } = opts;
  return tidy(() => {
    let y: Tensor;
    if (opts.useInputStats ?? true) {
      const axes = x.shape.map((_, i) => i).slice(2);
      const count = x.size / (x.shape[0]! * c);
      const mean = x.mean(axes, true);
      const centred = x.sub(mean);
      const variance = centred.square().mean(axes, true);
      const m = opts.momentum ?? 0.1;
      if (runningMean) blend(runningMean, mean.detach().reshape([-1, c]).mean(0), m);
      if (runningVar)
        blend(
          runningVar,
          variance
            .detach()
            .mul(count / (count - 1))
            .reshape([-1, c])
            .mean(0),
          m,
        );
      y = centred.mul(variance.add(eps).rsqrt());
    } else {
      const scale = runningVar!.add(eps).rsqrt().reshape(shape);
      y = x.sub(runningMean!.reshape(shape)).mul(scale);
    }
    const scaled = weight ? y.mul(weight.reshape(shape)) : y;
    return bias ? scaled.add(bias.reshape(shape)) : scaled;
  });
}

/** Machine epsilon of a float dtype (torch.finfo(dtype).eps): rmsNorm's default eps. */
function finfoEps(dtype: DType): number {
  return dtype === 'float64' ? 2 ** -52 : 2 ** -23;
}

/**
 * RMS normalisation over the trailing `normalizedShape` dims, as torch (≥ 2.4)
 * nn.functional.rms_norm: y = x / √(mean(x²) + eps) · weight; `eps` defaults to the machine
 * epsilon of x's dtype.
 * @example
 * nn.F.rmsNorm(fl.tensor([[3, 4]]), [2]).toArray(); // ≈ [[0.8485, 1.1314]]
 */
export function rmsNorm(
  x: Tensor,
  normalizedShape: number | readonly number[],
  weight: Tensor | null = null,
  eps: number | null = null,
): Tensor {
  if (!isFloat(x.dtype))
    throw new DTypeError(`rmsNorm: expected a floating-point input, got ${x.dtype}`);
  const ns = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape.slice();
  const tail = x.shape.slice(x.ndim - ns.length);
  if (ns.length === 0 || ns.length > x.ndim || tail.some((d, i) => d !== ns[i]))
    throw new ShapeError(
      `rmsNorm: expected input of shape [*, ${ns.join(', ')}] (normalizedShape ${fmtShape(ns)}), got ${fmtShape(x.shape)}`,
    );
  if (weight && (weight.ndim !== ns.length || weight.shape.some((d, i) => d !== ns[i])))
    throw new ShapeError(
      `rmsNorm: weight must have shape ${fmtShape(ns)}, got ${fmtShape(weight.shape)}`,
    );
  return tidy(() => {
    const axes = ns.map((_, i) => x.ndim - ns.length + i);
    const y = x.mul(
      x
        .square()
        .mean(axes, true)
        .add(eps ?? finfoEps(x.dtype))
        .rsqrt(),
    );
    return weight ? y.mul(weight) : y;
  });
}
