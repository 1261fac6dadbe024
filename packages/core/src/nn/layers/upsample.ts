/** Upsample, UpsamplingNearest2d and UpsamplingBilinear2d over F.interpolate. */
import type { Tensor } from '../../tensor.js';
import { Module } from '../module.js';
import { interpolate, type InterpolateOptions } from '../functional/interpolate.js';
import { pyFloat, pyValue } from './common.js';
import { checkArgs, guardMethods } from '../../check/args.js';
import { NN } from '../../check/specs/nn.js';
import { forwardOf } from '../../check/specs/methods.js';

/** Options of `Upsample` (torch's keyword arguments, camelCase); give `size` or `scaleFactor`. */
export type UpsampleOptions = InterpolateOptions;
/** Options of `UpsamplingNearest2d` and `UpsamplingBilinear2d`. */
export type UpsamplingOptions = Pick<InterpolateOptions, 'size' | 'scaleFactor'>;

function sizeRepr(o: InterpolateOptions): string {
  if (o.size !== undefined) return `size=${pyValue(o.size)}`;
  const f = o.scaleFactor!;
  return `scale_factor=${typeof f === 'number' ? pyFloat(f) : `(${f.map(pyFloat).join(', ')})`}`;
}

/**
 * Resizes [N,C,L] or [N,C,H,W] inputs with F.interpolate's modes, as torch.nn.Upsample.
 * @example
 * new nn.Upsample({ scaleFactor: 2, mode: 'bilinear' }).forward(fl.randn([1, 3, 8, 8])).shape;
 * // [1, 3, 16, 16]
 */
export class Upsample extends Module {
  /** The resize: size or scaleFactor, mode, alignCorners. */
  readonly options: Readonly<UpsampleOptions>;
  constructor(opts: UpsampleOptions) {
    checkArgs(NN.Upsample, [opts], arguments.length);
    super();
    this.options = { ...opts };
  }
  forward(x: Tensor): Tensor {
    return interpolate(x, this.options);
  }
  override extraRepr(): string {
    return `${sizeRepr(this.options)}, mode=${this.options.mode ?? 'nearest'}`;
  }
}

/**
 * Nearest-neighbour upsampling of [N,C,H,W] inputs (torch.nn.UpsamplingNearest2d).
 * @example
 * new nn.UpsamplingNearest2d({ scaleFactor: 2 }).forward(fl.randn([1, 1, 2, 2])).shape; // [1, 1, 4, 4]
 */
export class UpsamplingNearest2d extends Upsample {
  constructor(opts: UpsamplingOptions) {
    checkArgs(NN.UpsamplingNearest2d, [opts], arguments.length);
    super({ size: opts.size, scaleFactor: opts.scaleFactor, mode: 'nearest' });
  }
}

/**
 * Bilinear upsampling of [N,C,H,W] inputs with aligned corners (torch.nn.UpsamplingBilinear2d).
 * @example
 * new nn.UpsamplingBilinear2d({ size: [5, 5] }).forward(fl.randn([1, 1, 2, 2])).shape; // [1, 1, 5, 5]
 */
export class UpsamplingBilinear2d extends Upsample {
  constructor(opts: UpsamplingOptions) {
    checkArgs(NN.UpsamplingBilinear2d, [opts], arguments.length);
    super({ size: opts.size, scaleFactor: opts.scaleFactor, mode: 'bilinear', alignCorners: true });
  }
}

// Public methods check their arguments against their specs (check/specs/methods.ts) first.
guardMethods(Upsample, forwardOf('Upsample'));
