/**
 * Normalisation layers as composites. Statistics use the biased variance (as torch's do), and
 * the centred input is computed once and reused for the variance and the output. Layer norm runs
 * the backend's fused `layerNorm` when there is one, with a closed-form gradient.
 */
import { ShapeError, fmtShape } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { tidy } from '../../scope.js';
import { isGradEnabled, noGrad } from '../../autograd/mode.js';
import type { GradCtx, GradRule } from '../../autograd/node.js';
import { isFloat } from '../../dtype.js';
import { sizeOf } from '../../shape.js';
import { execOverride } from '../../ops/dispatch.js';
import { overridesEnabled } from '../../ops/reduce.js';

/** Options of `F.batchNorm`. */
export interface BatchNormOptions {
  /** Per-channel scale γ [C] (default none). */
  weight?: Tensor | null;
  /** Per-channel shift β [C] (default none). */
  bias?: Tensor | null;
  /** Normalise with batch statistics and update the running ones (default false). */
  training?: boolean;
  /** Weight of the new batch in the running averages (default 0.1). */
  momentum?: number;
  /** Added to the variance for numerical stability (default 1e-5). */
  eps?: number;
}

/** [1, C, 1, …] for broadcasting a per-channel vector over x. */
function channelShape(x: Tensor): number[] {
  return x.shape.map((d, i) => (i === 1 ? d : 1));
}

function checkChannelVector(
  op: string,
  name: string,
  t: Tensor | null | undefined,
  c: number,
): void {
  if (t && (t.ndim !== 1 || t.shape[0] !== c))
    throw new ShapeError(
      `${op}: ${name} must have shape [${c}] (one value per channel), got ${fmtShape(t.shape)}`,
    );
}

function affine(
  y: Tensor,
  shape: readonly number[],
  weight?: Tensor | null,
  bias?: Tensor | null,
): Tensor {
  const scaled = weight ? y.mul(weight.reshape(shape)) : y;
  return bias ? scaled.add(bias.reshape(shape)) : scaled;
}

/**
 * running ← (1 − m)·running + m·value, in place (the buffers are updated, not replaced). m may be
 * a 0-d tensor: BatchNorm's cumulative factor 1/numBatchesTracked on a device without synchronous
 * read-back stays there.
 */
function updateRunning(running: Tensor, value: Tensor, momentum: number | Tensor): void {
  noGrad(() =>
    tidy(() => {
      const keep = typeof momentum === 'number' ? 1 - momentum : momentum.neg().add(1);
      void running.mul_(keep).add_(value.reshape(running.shape).mul(momentum));
    }),
  );
}

/**
 * Batch normalisation over dim 1 of x [N, C, …]. In training mode it normalises with the batch
 * mean and biased variance and, when running buffers are given, folds the batch mean and
 * unbiased variance into them in place; otherwise it uses the running statistics.
 * @example
 * const y = nn.F.batchNorm(fl.randn([8, 3]), null, null, { training: true });
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  opts: BatchNormOptions = {},
): Tensor {
  return batchNormWith(x, runningMean, runningVar, opts, opts.momentum ?? 0.1);
}

/** @internal batchNorm whose momentum may be a 0-d tensor (BatchNorm's cumulative average). */
export function batchNormWith(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  opts: BatchNormOptions,
  momentum: number | Tensor,
): Tensor {
  checkBatchNorm(x, runningMean, runningVar, opts);
  const eps = opts.eps ?? 1e-5;
  const shape = channelShape(x);
  return tidy(() => {
    if (!opts.training) {
      const scale = runningVar!.add(eps).rsqrt().reshape(shape);
      return affine(x.sub(runningMean!.reshape(shape)).mul(scale), shape, opts.weight, opts.bias);
    }
    const axes = shape.map((_, i) => i).filter((i) => i !== 1);
    const count = x.size / shape[1]!;
    const mean = x.mean(axes, true);
    const centred = x.sub(mean);
    const variance = centred.square().mean(axes, true);
    if (runningMean) updateRunning(runningMean, mean.detach(), momentum);
    if (runningVar) updateRunning(runningVar, variance.detach().mul(count / (count - 1)), momentum);
    return affine(centred.mul(variance.add(eps).rsqrt()), shape, opts.weight, opts.bias);
  });
}

function checkBatchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  opts: BatchNormOptions,
): void {
  if (x.ndim < 2)
    throw new ShapeError(
      `batchNorm: expected input of shape [N, C, ...], got ${fmtShape(x.shape)}`,
    );
  const c = x.shape[1]!;
  const vectors = { runningMean, runningVar, weight: opts.weight, bias: opts.bias };
  for (const [name, t] of Object.entries(vectors)) checkChannelVector('batchNorm', name, t, c);
  if (!opts.training && (!runningMean || !runningVar))
    throw new ShapeError(
      'batchNorm: runningMean and runningVar are required when training is false',
    );
  if (opts.training && x.size / c <= 1)
    throw new ShapeError(
      `batchNorm: expected more than 1 value per channel when training, got input of shape ${fmtShape(x.shape)}`,
    );
}

/**
 * Layer normalisation over the trailing dims `normalizedShape` of x.
 * @example
 * nn.F.layerNorm(fl.randn([4, 10]), [10]).mean(-1); // ≈ 0 for each row
 */
export function layerNorm(
  x: Tensor,
  normalizedShape: number | readonly number[],
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  eps = 1e-5,
): Tensor {
  const ns = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape.slice();
  const tail = x.shape.slice(x.ndim - ns.length);
  if (ns.length === 0 || ns.length > x.ndim || tail.some((d, i) => d !== ns[i]))
    throw new ShapeError(
      `layerNorm: expected input of shape [*, ${ns.join(', ')}] (normalizedShape ${fmtShape(ns)}), got ${fmtShape(x.shape)}`,
    );
  for (const [name, t] of [
    ['weight', weight],
    ['bias', bias],
  ] as const)
    if (t && (t.ndim !== ns.length || t.shape.some((d, i) => d !== ns[i])))
      throw new ShapeError(
        `layerNorm: ${name} must have shape ${fmtShape(ns)}, got ${fmtShape(t.shape)}`,
      );
  return tidy(() => {
    const axes = ns.map((_, i) => x.ndim - ns.length + i);
    const fused = fusedLayerNorm(x, axes, weight, bias, eps);
    if (fused) return fused;
    const centred = x.sub(x.mean(axes, true));
    const y = centred.mul(centred.square().mean(axes, true).add(eps).rsqrt());
    const scaled = weight ? y.mul(weight) : y;
    return bias ? scaled.add(bias) : scaled;
  });
}

interface LayerNormParams {
  axes: number[];
  eps: number;
  weight: boolean;
  bias: boolean;
}

/**
 * Closed-form layer-norm gradient from the saved input and statistics: with x̂ = (x − μ)·rstd and
 * gy = g·γ, gx = rstd·(gy − mean(gy) − x̂·mean(gy·x̂)), gγ = Σ g·x̂ and gβ = Σ g over the leading
 * axes. When the backward pass is itself recorded (createGraph), μ and rstd are recomputed from x
 * so that they are differentiated too.
 */
function layerNormGrad(g: Tensor, c: GradCtx<LayerNormParams>): (Tensor | null)[] {
  const { axes, eps } = c.params;
  const x = c.inputs[0]!;
  const w = c.params.weight ? c.inputs[1]! : null;
  let xhat: Tensor;
  let rstd: Tensor;
  if (isGradEnabled()) {
    const centred = x.sub(x.mean(axes, true));
    rstd = centred.square().mean(axes, true).add(eps).rsqrt();
    xhat = centred.mul(rstd);
  } else {
    const stat = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    rstd = c.aux[1]!.reshape(stat);
    xhat = x.sub(c.aux[0]!.reshape(stat)).mul(rstd);
  }
  const lead = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const overLead = (t: Tensor) => (lead.length > 0 ? t.sum(lead) : t);
  const gy = w ? g.mul(w) : g;
  const out: (Tensor | null)[] = [
    c.needs[0]
      ? rstd.mul(gy.sub(gy.mean(axes, true)).sub(xhat.mul(gy.mul(xhat).mean(axes, true))))
      : null,
  ];
  if (w) out.push(c.needs[1] ? overLead(g.mul(xhat)) : null);
  if (c.params.bias) out.push(c.needs[out.length] ? overLead(g) : null);
  return out;
}
const layerNormRule: GradRule<never> = { saves: [0], grad: layerNormGrad };
const affineLayerNormRule: GradRule<never> = { saves: [0, 1], grad: layerNormGrad };

/** The backend's fused layerNorm when it has one and every operand is of x's float dtype; else null. */
function fusedLayerNorm(
  x: Tensor,
  axes: number[],
  weight: Tensor | null,
  bias: Tensor | null,
  eps: number,
): Tensor | null {
  const kernel = overridesEnabled() ? x.storage.backend.overrides?.layerNorm : undefined;
  const normSize = sizeOf(axes.map((a) => x.shape[a]!));
  const sameDType = [weight, bias].every((t) => !t || t.dtype === x.dtype);
  if (!kernel || !isFloat(x.dtype) || normSize === 0 || !sameDType) return null;
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  const stats = { shape: [x.size / normSize], dtype: x.dtype };
  const params: LayerNormParams = { axes, eps, weight: !!weight, bias: !!bias };
  const [y, mean, rstd] = execOverride(
    'layerNorm',
    (v) => kernel(v[0]!, weight ? v[1]! : null, bias ? v[inputs.length - 1]! : null, normSize, eps),
    weight ? affineLayerNormRule : layerNormRule,
    inputs,
    [{ shape: x.shape, dtype: x.dtype }, stats, stats],
    params,
  );
  mean!.dispose();
  rstd!.dispose();
  return y!;
}

/**
 * Group normalisation: channels of x [N, C, …] split into `numGroups` groups, each normalised
 * over its channels and positions, then scaled per channel.
 * @example
 * nn.F.groupNorm(fl.randn([2, 6, 5]), 3).shape; // [2, 6, 5]
 */
export function groupNorm(
  x: Tensor,
  numGroups: number,
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  eps = 1e-5,
): Tensor {
  if (x.ndim < 2)
    throw new ShapeError(
      `groupNorm: expected input of shape [N, C, ...], got ${fmtShape(x.shape)}`,
    );
  const [n, c] = x.shape as [number, number];
  if (!Number.isInteger(numGroups) || numGroups < 1 || c % numGroups !== 0)
    throw new ShapeError(
      `groupNorm: ${c} channels (input ${fmtShape(x.shape)}) cannot be split into ${numGroups} groups`,
    );
  checkChannelVector('groupNorm', 'weight', weight, c);
  checkChannelVector('groupNorm', 'bias', bias, c);
  return tidy(() => {
    const grouped = x.reshape([n, numGroups, -1]);
    const centred = grouped.sub(grouped.mean(2, true));
    const y = centred.mul(centred.square().mean(2, true).add(eps).rsqrt()).reshape(x.shape);
    return affine(y, channelShape(x), weight, bias);
  });
}
