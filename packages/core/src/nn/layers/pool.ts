/** Pooling layers over the functional forms; hyperparameters are kept as given, as torch prints them. */
import type { Tensor } from '../../tensor.js';
import { ShapeError, fmtShape } from '../../errors.js';
import { Module } from '../module.js';
import { adaptiveAvgPool2d, avgPool2d, maxPool2d } from '../functional/pool.js';
import type { SpatialArg } from '../functional/args.js';
import { pyValue } from './common.js';
import { checkArgs } from '../../check/args.js';
import { NN } from '../../check/specs/nn.js';
import { guardMethods } from '../../check/args.js';
import { forwardOf } from '../../check/specs/methods.js';

function checkImage(layer: string, x: Tensor): void {
  if (x.ndim !== 3 && x.ndim !== 4)
    throw new ShapeError(
      `${layer}: expected input of shape [N,C,H,W] or [C,H,W], got ${fmtShape(x.shape)}`,
    );
}

/** Options of `MaxPool2d` (torch's keyword arguments, camelCase). */
export interface MaxPool2dLayerOptions {
  /** Default: the kernel size. */
  stride?: SpatialArg | null;
  /** Implicit −∞ padding per side, at most half the kernel (default 0). */
  padding?: SpatialArg;
  /** Spacing between window taps (default 1). */
  dilation?: SpatialArg;
  /** Round the output size up, so a partial window at the end counts (default false). */
  ceilMode?: boolean;
}

/**
 * Max over kH×kW windows.
 * @example
 * new nn.MaxPool2d(2).forward(fl.randn([64, 32, 26, 26])).shape; // [64, 32, 13, 13]
 */
export class MaxPool2d extends Module {
  /** Step between windows (the kernel size unless given). */
  readonly stride: SpatialArg;
  /** Implicit −∞ padding per side. */
  readonly padding: SpatialArg;
  /** Spacing between window taps. */
  readonly dilation: SpatialArg;
  /** Whether the output size is rounded up. */
  readonly ceilMode: boolean;
  constructor(
    /** Window size: one number for both dims, or [kH, kW]. */
    readonly kernelSize: SpatialArg,
    opts: MaxPool2dLayerOptions = {},
  ) {
    checkArgs(NN.MaxPool2d, [kernelSize, opts], arguments.length);
    super();
    this.stride = opts.stride ?? kernelSize;
    this.padding = opts.padding ?? 0;
    this.dilation = opts.dilation ?? 1;
    this.ceilMode = opts.ceilMode ?? false;
  }
  forward(x: Tensor): Tensor {
    checkImage('MaxPool2d', x);
    return maxPool2d(x, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      ceilMode: this.ceilMode,
    });
  }
  override extraRepr(): string {
    return (
      `kernel_size=${pyValue(this.kernelSize)}, stride=${pyValue(this.stride)}, padding=${pyValue(this.padding)}, ` +
      `dilation=${pyValue(this.dilation)}, ceil_mode=${this.ceilMode}`
    );
  }
}

/** Options of `AvgPool2d` (torch's keyword arguments, camelCase). */
export interface AvgPool2dLayerOptions {
  /** Step between windows (default: the kernel size). */
  stride?: SpatialArg | null;
  /** Implicit zero padding per side, at most half the kernel (default 0). */
  padding?: SpatialArg;
  /** Round the output size up, so a partial window at the end counts (default false). */
  ceilMode?: boolean;
  /** Count zero padding in the divisor (default true, as torch). */
  countIncludePad?: boolean;
  /** Divide every window's sum by this instead of its size. */
  divisorOverride?: number | null;
}

/**
 * Mean over kH×kW windows (zero padding counts in the divisor unless countIncludePad is false).
 * @example
 * new nn.AvgPool2d(2).forward(fl.ones([1, 1, 4, 4])).shape; // [1, 1, 2, 2]
 */
export class AvgPool2d extends Module {
  /** Step between windows (the kernel size unless given). */
  readonly stride: SpatialArg;
  /** Implicit zero padding per side. */
  readonly padding: SpatialArg;
  /** Whether the output size is rounded up. */
  readonly ceilMode: boolean;
  /** Whether zero padding counts in the divisor. */
  readonly countIncludePad: boolean;
  /** Divisor used instead of the window size, or null. */
  readonly divisorOverride: number | null;
  constructor(
    /** Window size: one number for both dims, or [kH, kW]. */
    readonly kernelSize: SpatialArg,
    opts: AvgPool2dLayerOptions = {},
  ) {
    checkArgs(NN.AvgPool2d, [kernelSize, opts], arguments.length);
    super();
    this.stride = opts.stride ?? kernelSize;
    this.padding = opts.padding ?? 0;
    this.ceilMode = opts.ceilMode ?? false;
    this.countIncludePad = opts.countIncludePad ?? true;
    this.divisorOverride = opts.divisorOverride ?? null;
  }
  forward(x: Tensor): Tensor {
    checkImage('AvgPool2d', x);
    const { stride, padding, ceilMode, countIncludePad, divisorOverride } = this;
    return avgPool2d(x, this.kernelSize, {
      stride,
      padding,
      ceilMode,
      countIncludePad,
      divisorOverride,
    });
  }
  override extraRepr(): string {
    return `kernel_size=${pyValue(this.kernelSize)}, stride=${pyValue(this.stride)}, padding=${pyValue(this.padding)}`;
  }
}

/**
 * Average pooling to a fixed output size, whatever the input size (null keeps a dim).
 * @example
 * new nn.AdaptiveAvgPool2d([5, 7]).forward(fl.randn([1, 64, 8, 9])).shape; // [1, 64, 5, 7]
 */
export class AdaptiveAvgPool2d extends Module {
  /** @param outputSize - Output [H, W] (one number for both); null keeps that input dim. */
  constructor(readonly outputSize: number | readonly (number | null)[]) {
    checkArgs(NN.AdaptiveAvgPool2d, [outputSize], arguments.length);
    super();
  }
  forward(x: Tensor): Tensor {
    checkImage('AdaptiveAvgPool2d', x);
    return adaptiveAvgPool2d(x, this.outputSize);
  }
  override extraRepr(): string {
    return `output_size=${pyValue(this.outputSize)}`;
  }
}

// Public methods check their arguments against their specs (check/specs/methods.ts) first.
guardMethods(MaxPool2d, forwardOf('MaxPool2d'));
guardMethods(AvgPool2d, forwardOf('AvgPool2d'));
guardMethods(AdaptiveAvgPool2d, forwardOf('AdaptiveAvgPool2d'));
