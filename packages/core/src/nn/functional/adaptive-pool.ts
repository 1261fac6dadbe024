/**
 * The other adaptive pools: average over one axis, and max over one or two axes (torch's
 * adaptive_max_pool1d/2d). Max gathers each window's taps as adaptive average does, fills the
 * surplus taps of shorter windows with −∞ and takes torch's choice per window (first maximum,
 * or the last NaN), so the gradient goes to the chosen element only.
 */
import { DTypeError, ShapeError, fmtShape } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { tidy } from '../../scope.js';
import { isFloat } from '../../dtype.js';
import { upload, zeros } from '../../ops/creation.js';
import { exec } from '../../ops/dispatch.js';
import { where } from '../../ops/elementwise.js';
import { expectRank, ntuple } from './args.js';
import { adaptiveAverage, adaptiveAxis, type AdaptiveAxis } from './adaptive.js';
import { windowMax } from './pool.js';

/** [N,C,L] or [C,L] as [N,C,1,L] planes, and the way back. */
function lines(op: string, x: Tensor): { x4: Tensor; back: (t: Tensor) => Tensor } {
  expectRank(op, x, [2, 3], 'input of shape [N,C,L] or [C,L]');
  const unbatched = x.ndim === 2;
  const b = unbatched ? x.unsqueeze(0) : x;
  return {
    x4: b.unsqueeze(2),
    back: (t) => (unbatched ? t.squeeze(2).squeeze(0) : t.squeeze(2)),
  };
}

function outputSize1d(op: string, outputSize: number | readonly number[]): number {
  const raw = typeof outputSize === 'number' ? [outputSize] : outputSize;
  return ntuple(op, 'outputSize', raw, 1)[0]!;
}

function checkNonEmpty(op: string, x4: Tensor, shown: readonly number[]): void {
  if (x4.shape[2] === 0 || x4.shape[3] === 0)
    throw new ShapeError(`${op}: input of shape ${fmtShape(shown)} has an empty spatial dim`);
}

/**
 * Average pooling of x [N,C,L] or [C,L] to a fixed length, as torch.nn.functional.adaptive_avg_pool1d.
 * @example
 * nn.F.adaptiveAvgPool1d(fl.tensor([[[1, 2, 3, 4, 5]]]), 2).toArray(); // [[[2, 4]]]
 */
export function adaptiveAvgPool1d(x: Tensor, outputSize: number | readonly number[]): Tensor {
  const op = 'adaptiveAvgPool1d';
  const out = outputSize1d(op, outputSize);
  const l = lines(op, x);
  checkNonEmpty(op, l.x4, x.shape);
  return tidy(() => l.back(adaptiveAverage(l.x4, 1, out)));
}

/** [1, oh·ow, kh·kw] bool: whether each tap is inside its window on both axes. */
function insideMask(x: Tensor, ah: AdaptiveAxis, aw: AdaptiveAxis): Tensor | null {
  if (ah.inside.every((v) => v === 1) && aw.inside.every((v) => v === 1)) return null;
  const [oh, ow] = [ah.lengths.length, aw.lengths.length];
  const mask = new Uint8Array(oh * ow * ah.k * aw.k);
  let at = 0;
  for (let i = 0; i < oh; i++)
    for (let j = 0; j < ow; j++)
      for (let a = 0; a < ah.k; a++)
        for (let b = 0; b < aw.k; b++)
          mask[at++] = ah.inside[i * ah.k + a]! & aw.inside[j * aw.k + b]!;
  return upload(mask, [1, oh * ow, ah.k * aw.k], 'bool', x.device);
}

/** [oh·ow, kh·kw] int32: the plane index h·W + w of each tap (torch's returned indices). */
function tapIndex(x: Tensor, ah: AdaptiveAxis, aw: AdaptiveAxis, width: number): Tensor {
  const [oh, ow] = [ah.lengths.length, aw.lengths.length];
  const table = new Int32Array(oh * ow * ah.k * aw.k);
  let at = 0;
  for (let i = 0; i < oh; i++)
    for (let j = 0; j < ow; j++)
      for (let a = 0; a < ah.k; a++)
        for (let b = 0; b < aw.k; b++)
          table[at++] = ah.index[i * ah.k + a]! * width + aw.index[j * aw.k + b]!;
  return upload(table, [oh * ow, ah.k * aw.k], 'int32', x.device);
}

/** Gather x [R, n, M] at `index` (in range by construction) along axis 1 or 2. */
function take(x: Tensor, index: Int32Array, axis: 1 | 2): Tensor {
  const shape = x.shape.slice();
  shape[axis] = index.length;
  const idxShape = axis === 1 ? [1, index.length, 1] : [1, 1, index.length];
  const idx = upload(index, idxShape, 'int32', x.device).expand(shape);
  return exec('gather', [x, idx], [axis], shape, x.dtype, { gradParams: { axis } });
}

/** Adaptive max of x4 [N,C,H,W] to [N,C,oh,ow]: values and plane indices. */
function adaptiveMaximum(x4: Tensor, oh: number, ow: number): [Tensor, Tensor] {
  const [n, c, h, w] = x4.shape as [number, number, number, number];
  const shape = [n, c, oh, ow];
  if (n * c * oh * ow === 0)
    return [
      zeros(shape, { dtype: x4.dtype, device: x4.device }),
      zeros(shape, { dtype: 'int32', device: x4.device }),
    ];
  const ah = adaptiveAxis(h, oh);
  const aw = adaptiveAxis(w, ow);
  const rows = take(x4.reshape([n * c, h, w]), ah.index, 1); // [NC, oh·kh, W]
  const taps = take(rows, aw.index, 2) // [NC, oh·kh, ow·kw]
    .reshape([n * c, oh, ah.k, ow, aw.k])
    .permute([0, 1, 3, 2, 4])
    .reshape([n * c, oh * ow, ah.k * aw.k]);
  const mask = insideMask(x4, ah, aw);
  const win = mask ? where(mask, taps, -Infinity) : taps;
  const { values, indices } = windowMax(win);
  const k = ah.k * aw.k;
  const table = tapIndex(x4, ah, aw, w)
    .reshape([1, oh * ow, k])
    .expand([n * c, oh * ow, k]);
  const picked = exec('gather', [table, indices.unsqueeze(2)], [2], [n * c, oh * ow, 1], 'int32');
  return [values.reshape(shape), picked.reshape(shape)];
}

function checkFloat(op: string, x: Tensor): void {
  if (!isFloat(x.dtype))
    throw new DTypeError(`${op}: expected a floating-point input, got ${x.dtype} (as torch)`);
}

/** Options of the adaptive max pools. */
export interface AdaptiveMaxPoolOptions {
  /** Also return each maximum's index (position along L, or h·W + w in its plane). */
  returnIndices?: boolean;
}

/**
 * Max pooling of x [N,C,L] or [C,L] to a fixed length, as torch's adaptive_max_pool1d; with
 * `returnIndices`, `[values, indices]` (each index the position along L).
 * @example
 * nn.F.adaptiveMaxPool1d(fl.tensor([[[1, 5, 3, 2, 4]]]), 2).toArray(); // [[[5, 4]]]
 */
export function adaptiveMaxPool1d(
  x: Tensor,
  outputSize: number | readonly number[],
  opts: AdaptiveMaxPoolOptions & { returnIndices: true },
): [Tensor, Tensor];
export function adaptiveMaxPool1d(
  x: Tensor,
  outputSize: number | readonly number[],
  opts?: AdaptiveMaxPoolOptions & { returnIndices?: false },
): Tensor;
export function adaptiveMaxPool1d(
  x: Tensor,
  outputSize: number | readonly number[],
  opts: AdaptiveMaxPoolOptions = {},
): Tensor | [Tensor, Tensor] {
  const op = 'adaptiveMaxPool1d';
  const out = outputSize1d(op, outputSize);
  const l = lines(op, x);
  checkFloat(op, x);
  checkNonEmpty(op, l.x4, x.shape);
  return tidy(() => {
    const [values, indices] = adaptiveMaximum(l.x4, 1, out);
    return opts.returnIndices ? [l.back(values), l.back(indices)] : l.back(values);
  });
}

/**
 * Max pooling of x [N,C,H,W] or [C,H,W] to a fixed size (null keeps that dim), as torch's
 * adaptive_max_pool2d; with `returnIndices`, `[values, indices]` (each index h·W + w).
 * @example
 * nn.F.adaptiveMaxPool2d(fl.randn([2, 8, 7, 7]), 1).shape; // [2, 8, 1, 1]
 */
export function adaptiveMaxPool2d(
  x: Tensor,
  outputSize: number | readonly (number | null)[],
  opts: AdaptiveMaxPoolOptions & { returnIndices: true },
): [Tensor, Tensor];
export function adaptiveMaxPool2d(
  x: Tensor,
  outputSize: number | readonly (number | null)[],
  opts?: AdaptiveMaxPoolOptions & { returnIndices?: false },
): Tensor;
export function adaptiveMaxPool2d(
  x: Tensor,
  outputSize: number | readonly (number | null)[],
  opts: AdaptiveMaxPoolOptions = {},
): Tensor | [Tensor, Tensor] {
  const op = 'adaptiveMaxPool2d';
  expectRank(op, x, [3, 4], 'input of shape [N,C,H,W] or [C,H,W]');
  checkFloat(op, x);
  const unbatched = x.ndim === 3;
  return tidy(() => {
    const x4 = unbatched ? x.unsqueeze(0) : x;
    const [height, width] = x4.shape.slice(2) as [number, number];
    const raw = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize.slice();
    const [oh, ow] = ntuple(op, 'outputSize', [raw[0] ?? height, raw[1] ?? width], 2);
    checkNonEmpty(op, x4, x.shape);
    const res = adaptiveMaximum(x4, oh!, ow!).map((t) => (unbatched ? t.squeeze(0) : t));
    return opts.returnIndices ? (res as [Tensor, Tensor]) : res[0]!;
  });
}
