/**
 * Variance and standard deviation, as torch computes them: float32 input centred and summed in
 * float64, equal values exactly 0, and torch's var_backward/std_backward as closed-form rules.
 */
import { isFloat } from '../dtype.js';
import { DTypeError } from '../errors.js';
import { normDims } from '../shape.js';
import type { DimArg, Tensor, VarOptions } from '../tensor.js';
import { tidy } from '../scope.js';
import { noGrad } from '../autograd/mode.js';
import type { GradCtx, GradRule } from '../autograd/node.js';
import { record } from '../autograd/record.js';
import { cast } from './convert.js';
import { where } from './elementwise.js';
import { amax, amin, count, parse, spread } from './reduce.js';

function varParse(
  dim: DimArg | VarOptions | undefined,
  keepdim?: boolean,
): { dim: DimArg; keepdim: boolean; correction: number } {
  const p = parse(dim, keepdim);
  const correction =
    dim !== null && typeof dim === 'object' && !Array.isArray(dim)
      ? ((dim as VarOptions).correction ?? 1)
      : 1;
  return { ...p, correction };
}

interface VarParams {
  axes: number[];
  dof: number;
  correction: number;
}

/** Parse var/std's arguments: float input, axes, keepdim and dof = n − correction. */
function varSetup(name: 'var' | 'std', x: Tensor, dim?: DimArg | VarOptions, keepdim?: boolean) {
  if (!isFloat(x.dtype))
    throw new DTypeError(`${name}: input dtype must be float32 or float64, got ${x.dtype}`);
  const p = varParse(dim, keepdim);
  const axes = normDims(name, p.dim, x.ndim);
  const params: VarParams = { axes, dof: count(x, p.dim) - p.correction, correction: p.correction };
  return { keepdim: p.keepdim, params };
}

/**
 * The value of var (or std, `root`), as torch computes it: a float32 input is centred, squared
 * and summed in float64 (so [3e38, −3e38, 1] has a finite std although its variance overflows
 * float32), and the root is taken before rounding back. Equal finite values give exactly 0, as
 * torch's Welford update does, where a rounded mean would leave a residue (and std a gradient).
 */
function varValue(x: Tensor, v: VarParams, keepdim: boolean, root: boolean): Tensor {
  const { axes, dof } = v;
  const wide = x.dtype === 'float32' && x.storage.backend.caps.dtypes.includes('float64');
  // Without float64 (gpujs), a slice holding values beyond 2^60 is centred and squared at
  // 2^-70 scale (exact: a power of two), so its squares cannot overflow float32 where torch's
  // float64 sum does not; small slices keep scale 1 and lose nothing.
  const narrow = x.dtype === 'float32' && !wide && x.size > 0;
  const scale = narrow ? where(amax(x.abs(), axes, true).gt(2 ** 60), 2 ** -70, 1) : null;
  const w = wide ? cast(x, 'float64') : scale ? x.mul(scale) : x;
  const d = w.sub(w.mean(axes, true));
  // torch divides by max(0, dof): more correction than elements gives ∞ (or NaN for 0/0).
  let out = d.mul(d).sum(axes, keepdim).div(Math.max(0, dof));
  const unscale = scale ? (keepdim ? scale : scale.squeeze(axes)).reciprocal() : null;
  // float32 values summed in float64 are exact, so only a float64 mean can round off.
  if (!wide && dof > 0 && x.ndim > 0 && !axes.some((a) => x.shape[a] === 0)) {
    const hi = amax(x, axes, keepdim);
    out = where(hi.eq(amin(x, axes, keepdim)).logicalAnd(hi.isfinite()), 0, out);
  }
  if (root) out = out.sqrt();
  if (unscale) out = root ? out.mul(unscale) : out.mul(unscale).mul(unscale);
  return wide ? cast(out, 'float32') : out;
}

/**
 * torch's var_backward, 2/dof · g · (x − mean) with dof = n − correction as is (negative when the
 * correction exceeds n, unlike the forward's divisor): the mean's own gradient is left out (it is
 * 0 in exact arithmetic), so an infinite element does not make its whole slice's gradient NaN.
 */
function varGrad(g: Tensor, x: Tensor, shape: readonly number[], v: VarParams): Tensor {
  // torch 1.13 answers g·∞ for a 0-d input with the default correction (not ∞·0 = NaN).
  if (x.ndim === 0 && v.correction === 1) return g.mul(Infinity);
  return spread(g, shape, v.axes)
    .mul(2 / v.dof)
    .mul(x.sub(x.mean(v.axes, true)));
}

const varRule: GradRule<never> = {
  saves: [0],
  grad: (g, c: GradCtx<VarParams>) => [varGrad(g, c.inputs[0]!, c.shapes[0]!, c.params)],
};

/** torch's std_backward: var's gradient of g/(2·std), and 0 where std is 0 (equal values). */
const stdRule: GradRule<never> = {
  saves: [0, 'out'],
  grad: (g, c: GradCtx<VarParams>) => {
    const y = c.out!;
    const gv = where(y.eq(0), 0, g.div(y.mul(2)));
    return [varGrad(gv, c.inputs[0]!, c.shapes[0]!, c.params)];
  },
};

/** Variance with Bessel's correction by default (`correction: 0` for the population variance). */
export function variance(x: Tensor, dim?: DimArg | VarOptions, keepdim?: boolean): Tensor {
  const { keepdim: kd, params } = varSetup('var', x, dim, keepdim);
  return tidy(() => {
    const out = noGrad(() => varValue(x, params, kd, false));
    record('var', varRule, [x], out, params);
    return out;
  });
}

/** Standard deviation: √var, with the root taken before a float32 result is rounded. */
export function std(x: Tensor, dim?: DimArg | VarOptions, keepdim?: boolean): Tensor {
  const { keepdim: kd, params } = varSetup('std', x, dim, keepdim);
  return tidy(() => {
    const out = noGrad(() => varValue(x, params, kd, true));
    record('std', stdRule, [x], out, params);
    return out;
  });
}
