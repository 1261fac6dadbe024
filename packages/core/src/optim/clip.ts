/**
 * Gradient clipping, as torch.nn.utils.clip_grad_norm_ / clip_grad_value_. Both rescale each
 * `.grad` in place and skip parameters without a gradient. Exported from `fl.optim` and
 * `fl.nn.utils`.
 */
import { GradError } from '../errors.js';
import { Tensor } from '../tensor.js';
import { tidy } from '../scope.js';
import { noGrad } from '../autograd/mode.js';
import { stack } from '../ops/shape.js';
import { toDevice } from '../ops/convert.js';
import { div } from '../ops/elementwise.js';
import { need } from './errors.js';
import { checkOnDevice, deferred } from '../ops/checks.js';

/** Options of `clipGradNorm_`. */
export interface ClipGradNormOptions {
  /** Throw a GradError when the total norm is NaN or ±Infinity (default false). */
  errorIfNonfinite?: boolean;
}

function withGrad(params: Tensor | Iterable<Tensor>): Tensor[] {
  const list = params instanceof Tensor ? [params] : [...params];
  return list.filter((p) => p.grad !== null);
}

/**
 * Rescale the gradients of `params` so that their combined `normType`-norm (the norm of the
 * vector of per-parameter norms) is at most `maxNorm`: each grad is multiplied by
 * min(1, maxNorm / (total + 1e-6)). Returns the total norm before clipping, as a number; on a
 * device without synchronous read-back (WebGPU) the norm stays on the device and NaN is returned,
 * and `errorIfNonfinite`'s GradError comes from the device's next `await t.data()`.
 * `normType` may be `Infinity` (largest absolute value).
 * @example
 * loss.backward();
 * const norm = fl.optim.clipGradNorm_(model.parameters(), 1.0);
 * opt.step();
 */
export function clipGradNorm_(
  params: Tensor | Iterable<Tensor>,
  maxNorm: number,
  normType = 2,
  opts: ClipGradNormOptions = {},
): number {
  need(
    typeof maxNorm === 'number' && !Number.isNaN(maxNorm),
    'clipGradNorm_',
    'maxNorm',
    maxNorm,
    'a number',
  );
  need(
    typeof normType === 'number' && !Number.isNaN(normType),
    'clipGradNorm_',
    'normType',
    normType,
    'a number or Infinity',
  );
  const ps = withGrad(params);
  if (ps.length === 0) return 0;
  return noGrad(() =>
    tidy(() => {
      const device = ps[0]!.grad!.device;
      // Each parameter's norm on the first gradient's device, then the norm of those norms.
      const norms = ps.map((p) => toDevice(p.grad!.norm(normType), device));
      const total = normType === Infinity ? stack(norms).amax() : stack(norms).norm(normType);
      const nonfinite = (value: number) =>
        new GradError(
          `clipGradNorm_: the total norm of order ${normType} of the gradients is ${value}; pass { errorIfNonfinite: false } to clip anyway`,
        );
      // Without synchronous read-back the total stays on the device (torch's clip_coef_clamped):
      // a non-finite one is reported at the device's next read, after the grads were scaled.
      const later = deferred(total);
      if (opts.errorIfNonfinite)
        checkOnDevice(
          total,
          () => [total.clone()],
          ([v]) => (Number.isFinite(v) ? undefined : nonfinite(v!)),
        );
      const coef = div(maxNorm, total.add(1e-6)).clamp(null, 1);
      for (const p of ps) p.grad!.mul_(toDevice(coef, p.grad!.device));
      return later ? NaN : total.item();
    }),
  );
}

/**
 * Clamp every gradient of `params` into [−clipValue, clipValue], in place.
 * @example
 * fl.optim.clipGradValue_(model.parameters(), 0.5);
 */
export function clipGradValue_(params: Tensor | Iterable<Tensor>, clipValue: number): void {
  need(
    typeof clipValue === 'number' && clipValue >= 0,
    'clipGradValue_',
    'clipValue',
    clipValue,
    '≥ 0',
  );
  const ps = withGrad(params);
  noGrad(() =>
    tidy(() => {
      for (const p of ps) p.grad!.clamp_(-clipValue, clipValue);
    }),
  );
}
