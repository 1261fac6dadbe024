/**
 * Random samplers beyond rand/randn/randint: bernoulli, multinomial, normal and the `*Like`
 * creators. Every draw goes through creation.ts's `uniform` (the counter-based generator), and
 * the rest is deterministic tensor math, so one seed gives the same samples on every backend.
 * As torch's, the samples carry no gradient.
 */
import { type DType, isFloat } from '../dtype.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { broadcastShapes } from '../shape.js';
import { Tensor } from '../tensor.js';
import { noGrad } from '../autograd/mode.js';
import { tidy } from '../scope.js';
import { describe } from '../check/describe.js';
import { checkOnDevice } from './checks.js';
import { cast } from './convert.js';
import { type CreateOptions, arange, full, rand, randint, randn, uniform } from './creation.js';
import { where } from './elementwise.js';
import { expand, reshape } from './views.js';
import { topk } from './sort.js';
import { cat } from './shape.js';

function floatInput(op: string, name: string, t: Tensor): void {
  if (!isFloat(t.dtype))
    throw new DTypeError(
      `${op}: ${name} must be a float tensor (float32 or float64), got ${t.dtype}`,
    );
}

/** Throws (or, on a deferred device, reports at the next read) unless 0 ≤ p ≤ 1 everywhere. */
function checkProbabilities(op: string, p: Tensor): void {
  if (p.size === 0) return;
  checkOnDevice(
    p,
    () => [p.ge(0).logicalAnd(p.le(1)).logicalNot().any()],
    ([bad]) =>
      bad
        ? new ArgumentError(
            `${op}: every probability must be in [0, 1] (found a value outside, or NaN)`,
          )
        : undefined,
  );
}

/** 1 with probability p, else 0, for each element of the float tensor `p`, in `dtype`. */
function draw(p: Tensor, dtype: DType): Tensor {
  return noGrad(() => tidy(() => cast(uniform(p.shape.slice(), p.dtype, p.device).lt(p), dtype)));
}

/**
 * Samples 1 with probability `input` and 0 otherwise, as torch.bernoulli: the result has
 * `input`'s shape and float dtype. With a number `p`, `input` gives only the shape and dtype.
 * @example
 * fl.manualSeed(0);
 * fl.bernoulli(fl.full([4], 0.5)); // e.g. [1, 0, 0, 1]
 */
export function bernoulli(input: Tensor, p?: number): Tensor {
  if (p !== undefined) {
    if (!(p >= 0 && p <= 1))
      throw new ArgumentError(`bernoulli: p must be in [0, 1], got ${describe(p)}`);
    const dt = isFloat(input.dtype) ? input.dtype : 'float32';
    return tidy(() =>
      draw(expand(full([], p, { dtype: dt, device: input.device }), input.shape), input.dtype),
    );
  }
  floatInput('bernoulli', 'the probabilities', input);
  checkProbabilities('bernoulli', input);
  return draw(input, input.dtype);
}

/** @internal The new values of `x.bernoulli_(p)`: samples with probability p in x's dtype. */
export function bernoulliValues(x: Tensor, p: number | Tensor): Tensor {
  if (typeof p === 'number') {
    if (!(p >= 0 && p <= 1))
      throw new ArgumentError(`bernoulli_: p must be in [0, 1], got ${describe(p)}`);
    return bernoulli(x, p);
  }
  floatInput('bernoulli_', 'p', p);
  checkProbabilities('bernoulli_', p);
  // p broadcasts to x's shape (not the other way round), as torch's in-place op.
  const sh = broadcastShapes('bernoulli_', p.shape, x.shape);
  if (sh.length !== x.ndim || sh.some((d, i) => d !== x.shape[i]))
    throw new ShapeError(
      `bernoulli_: p of shape ${fmtShape(p.shape)} does not broadcast to the tensor's shape ${fmtShape(x.shape)}`,
    );
  return tidy(() => draw(expand(p, x.shape), x.dtype));
}

/** Throws unless every row of `p` (2-D) is a valid unnormalised distribution, as torch's. */
function checkDistribution(p: Tensor): void {
  if (p.size === 0 && p.shape[0] === 0) return;
  checkOnDevice(
    p,
    () => [
      p.ge(0).logicalAnd(p.ne(Infinity)).logicalNot().any(),
      p.shape[1] === 0 ? full([], 0, { device: p.device }) : p.sum(1).amin(),
    ],
    ([bad, minSum]) =>
      bad
        ? new ArgumentError(
            'multinomial: probabilities must be finite and non-negative (found a negative, infinite or NaN value)',
          )
        : !(minSum! > 0)
          ? new ArgumentError(
              'multinomial: a row of probabilities sums to 0 (invalid distribution)',
            )
          : undefined,
  );
}

/** Elements of the sampler's comparison tensor per block. */
const COMPARE_BLOCK = 1 << 22;

/** With replacement: invert each row's running sum at uniform points of its total. */
function withReplacement(p: Tensor, n: number): Tensor {
  const [rows, k] = p.shape as [number, number];
  const cdf = p.cumsum(1);
  const total = cdf.narrow(1, k - 1, 1);
  const target = uniform([rows, n], p.dtype, p.device).mul(total);
  // The comparison holds rows·n·k booleans: draw once, then compare a block of samples at a
  // time so that many samples from many categories stay within a few MiB.
  const block = Math.max(1, Math.floor(COMPARE_BLOCK / (rows * k)));
  const pieces: Tensor[] = [];
  for (let s = 0; s < n; s += block) {
    const m = Math.min(block, n - s);
    pieces.push(
      tidy(() =>
        cdf
          .reshape([rows, 1, k])
          .le(target.narrow(1, s, m).reshape([rows, m, 1]))
          .sum(2),
      ),
    );
  }
  const count = pieces.length === 1 ? pieces[0]! : cat(pieces, 1);
  // u·total can round up to total itself; the last category with weight is the bound.
  const cats = arange(k, undefined, 1, { device: p.device }).reshape([1, k]);
  const last = where(p.gt(0), cats, -1).amax(1, true);
  return count.minimum(last).to('int32');
}

/**
 * Without replacement: each category gets the key log(1 − u)/p (the exponential race, also
 * known as Gumbel-top-k) and the n largest keys win. Categories of weight 0 get key −∞, so they
 * come last, lowest index first (topk is stable), as torch fills a row short of weight.
 */
function withoutReplacement(p: Tensor, n: number): Tensor {
  const [rows, k] = p.shape as [number, number];
  const u = uniform([rows, k], p.dtype, p.device);
  const keys = where(p.gt(0), u.neg().log1p().div(p), -Infinity);
  return topk(keys, n, 1).indices;
}

/**
 * `numSamples` category indices per row of `input` (1-D or 2-D weights, not necessarily
 * normalised), as torch.multinomial: without replacement (the default) each index appears at
 * most once per row, so numSamples may not exceed the number of categories. Weights must be
 * finite and non-negative with a positive sum per row. Returns int32 of shape [numSamples] or
 * [rows, numSamples].
 * @example
 * fl.manualSeed(0);
 * fl.multinomial(fl.tensor([0.1, 0.6, 0.3]), 2); // e.g. [1, 2]
 */
export function multinomial(input: Tensor, numSamples: number, replacement = false): Tensor {
  if (input.ndim !== 1 && input.ndim !== 2)
    throw new ShapeError(
      `multinomial: input must be 1-D or 2-D, got shape ${fmtShape(input.shape)}`,
    );
  floatInput('multinomial', 'input', input);
  if (!Number.isSafeInteger(numSamples) || numSamples <= 0)
    throw new ArgumentError(
      `multinomial: numSamples must be a positive integer, got ${describe(numSamples)}`,
    );
  const k = input.shape.at(-1)!;
  if (!replacement && numSamples > k)
    throw new ArgumentError(
      `multinomial: cannot draw ${numSamples} samples without replacement from ${k} categories; pass replacement = true`,
    );
  return noGrad(() =>
    tidy(() => {
      const p = input.ndim === 1 ? reshape(input, [1, k]) : input;
      checkDistribution(p);
      if (p.shape[0] === 0) return full([0, numSamples], 0, { dtype: 'int32', device: p.device });
      // On a device whose check is deferred, bad weights still must not break the sampler.
      const safe = where(p.ge(0).logicalAnd(p.ne(Infinity)), p, 0);
      const out = replacement
        ? withReplacement(safe, numSamples)
        : withoutReplacement(safe, numSamples);
      return input.ndim === 1 ? reshape(out, [numSamples]) : out;
    }),
  );
}

function checkStd(std: Tensor): void {
  if (std.size === 0) return;
  checkOnDevice(
    std,
    () => [std.ge(0).logicalNot().any()],
    ([bad]) =>
      bad
        ? new ArgumentError('normal: every std must be ≥ 0 (found a negative value or NaN)')
        : undefined,
  );
}

/**
 * Samples from N(mean, std²), as torch.normal's overloads: with a tensor mean and/or std the
 * result has their broadcast shape and the dtype of `mean` (of `std` when mean is a number);
 * with two numbers, `shape` is required and `opts` picks dtype and device.
 * @example
 * fl.manualSeed(0);
 * fl.normal(0, 2, [3]);                             // three samples of N(0, 4)
 * fl.normal(fl.tensor([0, 10]), fl.tensor([1, 0])); // [N(0, 1) sample, 10]
 */
export function normal(
  mean: number | Tensor,
  std: number | Tensor,
  shape?: number | readonly number[],
  opts: CreateOptions = {},
): Tensor {
  if (typeof std === 'number' && !(std >= 0))
    throw new ArgumentError(`normal: std must be ≥ 0, got ${describe(std)}`);
  if (!(mean instanceof Tensor) && !(std instanceof Tensor)) {
    if (shape === undefined)
      throw new ShapeError(
        'normal: with a number mean and std, a shape is required (normal(mean, std, shape))',
      );
    const { requiresGrad = false, ...placement } = opts;
    const out = noGrad(() => tidy(() => randn(shape, placement).mul(std).add(mean)));
    return requiresGrad ? out.requiresGrad_(true) : out;
  }
  if (shape !== undefined || Object.keys(opts).length > 0)
    throw new ArgumentError(
      'normal: shape and options apply only when mean and std are both numbers',
    );
  const ref = mean instanceof Tensor ? mean : (std as Tensor);
  if (mean instanceof Tensor) floatInput('normal', 'mean', mean);
  if (std instanceof Tensor) {
    floatInput('normal', 'std', std);
    checkStd(std);
  }
  const sh = broadcastShapes(
    'normal',
    ...[mean, std].filter((t): t is Tensor => t instanceof Tensor).map((t) => t.shape),
  );
  return noGrad(() =>
    tidy(() => {
      const s = std instanceof Tensor ? where(std.ge(0), std, 0) : std;
      const z = randn(sh, { dtype: ref.dtype, device: ref.device });
      return cast(z.mul(s).add(mean), ref.dtype);
    }),
  );
}

/** The dtype a `*Like` creator makes: the options' or the input's. */
const likeDType = (t: Tensor, opts: CreateOptions): DType => opts.dtype ?? t.dtype;

/**
 * Uniform [0, 1) samples with the shape, and unless given the dtype and device, of `input`
 * (which must then be float), as torch.rand_like.
 * @example
 * fl.randLike(fl.zeros([2, 2])); // shape [2, 2], float32
 */
export function randLike(input: Tensor, opts: CreateOptions = {}): Tensor {
  const dtype = likeDType(input, opts);
  if (!isFloat(dtype))
    throw new DTypeError(
      `randLike: dtype must be float32 or float64, got ${dtype}; pass { dtype: 'float32' }`,
    );
  return rand(input.shape, { device: input.device, ...opts, dtype });
}

/**
 * Standard normal samples with the shape, and unless given the dtype and device, of `input`
 * (which must then be float), as torch.randn_like.
 * @example
 * fl.randnLike(fl.zeros([3])); // shape [3], float32
 */
export function randnLike(input: Tensor, opts: CreateOptions = {}): Tensor {
  const dtype = likeDType(input, opts);
  if (!isFloat(dtype))
    throw new DTypeError(
      `randnLike: dtype must be float32 or float64, got ${dtype}; pass { dtype: 'float32' }`,
    );
  return randn(input.shape, { device: input.device, ...opts, dtype });
}

/**
 * Integers uniform in [low, high) with the shape, and unless given the dtype and device, of
 * `input`, as torch.randint_like: `randintLike(x, high)` or `randintLike(x, low, high)`.
 * @example
 * fl.randintLike(fl.zeros([4], { dtype: 'int32' }), 10); // int32 values from 0 to 9
 */
export function randintLike(
  input: Tensor,
  low: number,
  high?: number | CreateOptions,
  opts: CreateOptions = {},
): Tensor {
  if (typeof high !== 'number') return randintLike(input, 0, low, high ?? {});
  return randint(low, high, input.shape, {
    device: input.device,
    ...opts,
    dtype: likeDType(input, opts),
  });
}
