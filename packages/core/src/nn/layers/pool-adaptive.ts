/** The 1-d pooling layers and the adaptive pools beyond AdaptiveAvgPool2d, over the functional forms. */
import type { Tensor } from '../../tensor.js';
import { Module } from '../module.js';
import { avgPool1d, maxPool1d } from '../functional/pool.js';
import {
  adaptiveAvgPool1d,
  adaptiveMaxPool1d,
  adaptiveMaxPool2d,
} from '../functional/adaptive-pool.js';
import type { SpatialArg } from '../functional/args.js';
import { pyValue } from './common.js';
import type { AvgPool2dLayerOptions, MaxPool2dLayerOptions } from './pool.js';
import { checkArgs, guardMethods } from '../../check/args.js';
import { NN } from '../../check/specs/nn.js';
import { forwardOf } from '../../check/specs/methods.js';

/**
 * Max over windows of length k along L, for [N,C,L] or [C,L] inputs (torch.nn.MaxPool1d).
 * @example
 * new nn.MaxPool1d(2).forward(fl.randn([4, 8, 32])).shape; // [4, 8, 16]
 */
export class MaxPool1d extends Module {
  /** Step between windows (the kernel size unless given). */
  readonly stride: SpatialArg;
  /** Implicit −∞ padding per side. */
  readonly padding: SpatialArg;
  /** Spacing between window taps. */
  readonly dilation: SpatialArg;
  /** Whether the output size is rounded up. */
  readonly ceilMode: boolean;
  constructor(
    /** Window length. */
    readonly kernelSize: SpatialArg,
    opts: MaxPool2dLayerOptions = {},
  ) {
    checkArgs(NN.MaxPool1d, [kernelSize, opts], arguments.length);
    super();
    this.stride = opts.stride ?? kernelSize;
    this.padding = opts.padding ?? 0;
    this.dilation = opts.dilation ?? 1;
    this.ceilMode = opts.ceilMode ?? false;
  }
  forward(x: Tensor): Tensor {
    const { stride, padding, dilation, ceilMode } = this;
    return maxPool1d(x, this.kernelSize, { stride, padding, dilation, ceilMode });
  }
  override extraRepr(): string {
    return (
      `kernel_size=${pyValue(this.kernelSize)}, stride=${pyValue(this.stride)}, padding=${pyValue(this.padding)}, ` +
      `dilation=${pyValue(this.dilation)}, ceil_mode=${this.ceilMode}`
    );
  }
}

/** Options of `AvgPool1d` (torch's keyword arguments, camelCase). */
export type AvgPool1dLayerOptions = Omit<AvgPool2dLayerOptions, 'divisorOverride'>;

/**
 * Mean over windows of length k along L, for [N,C,L] or [C,L] inputs (torch.nn.AvgPool1d).
 * @example
 * new nn.AvgPool1d(2).forward(fl.ones([1, 1, 4])).toArray(); // [[[1, 1]]]
 */
export class AvgPool1d extends Module {
  /** Step between windows (the kernel size unless given). */
  readonly stride: SpatialArg;
  /** Implicit zero padding per side. */
  readonly padding: SpatialArg;
  /** Whether the output size is rounded up. */
  readonly ceilMode: boolean;
  /** Whether zero padding counts in the divisor. */
  readonly countIncludePad: boolean;
  constructor(
    /** Window length. */
    readonly kernelSize: SpatialArg,
    opts: AvgPool1dLayerOptions = {},
  ) {
    checkArgs(NN.AvgPool1d, [kernelSize, opts], arguments.length);
    super();
    this.stride = opts.stride ?? kernelSize;
    this.padding = opts.padding ?? 0;
    this.ceilMode = opts.ceilMode ?? false;
    this.countIncludePad = opts.countIncludePad ?? true;
  }
  forward(x: Tensor): Tensor {
    const { stride, padding, ceilMode, countIncludePad } = this;
    return avgPool1d(x, this.kernelSize, { stride, padding, ceilMode, countIncludePad });
  }
  override extraRepr(): string {
    // torch stores AvgPool1d's sizes as 1-tuples, and prints them so.
    const t = (v: SpatialArg) => pyValue(typeof v === 'number' ? [v] : v);
    return `kernel_size=${t(this.kernelSize)}, stride=${t(this.stride)}, padding=${t(this.padding)}`;
  }
}

/**
 * Average pooling of [N,C,L] or [C,L] inputs to a fixed length (torch.nn.AdaptiveAvgPool1d).
 * @example
 * new nn.AdaptiveAvgPool1d(4).forward(fl.randn([2, 8, 30])).shape; // [2, 8, 4]
 */
export class AdaptiveAvgPool1d extends Module {
  /** @param outputSize - Output length. */
  constructor(readonly outputSize: number) {
    checkArgs(NN.AdaptiveAvgPool1d, [outputSize], arguments.length);
    super();
  }
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool1d(x, this.outputSize);
  }
  override extraRepr(): string {
    return `output_size=${pyValue(this.outputSize)}`;
  }
}

/**
 * Max pooling of [N,C,L] or [C,L] inputs to a fixed length (torch.nn.AdaptiveMaxPool1d); with
 * `returnIndices`, `forwardWithIndices` gives the positions too.
 * @example
 * new nn.AdaptiveMaxPool1d(4).forward(fl.randn([2, 8, 30])).shape; // [2, 8, 4]
 */
export class AdaptiveMaxPool1d extends Module {
  /** @param outputSize - Output length. */
  constructor(readonly outputSize: number) {
    checkArgs(NN.AdaptiveMaxPool1d, [outputSize], arguments.length);
    super();
  }
  forward(x: Tensor): Tensor {
    return adaptiveMaxPool1d(x, this.outputSize);
  }
  /** The pooled values and the position along L of each maximum. */
  forwardWithIndices(x: Tensor): [Tensor, Tensor] {
    return adaptiveMaxPool1d(x, this.outputSize, { returnIndices: true });
  }
  override extraRepr(): string {
    return `output_size=${pyValue(this.outputSize)}`;
  }
}

/**
 * Max pooling of [N,C,H,W] or [C,H,W] inputs to a fixed size (torch.nn.AdaptiveMaxPool2d; null
 * keeps that dim); `forwardWithIndices` also gives each maximum's index h·W + w.
 * @example
 * new nn.AdaptiveMaxPool2d([5, 7]).forward(fl.randn([1, 64, 8, 9])).shape; // [1, 64, 5, 7]
 */
export class AdaptiveMaxPool2d extends Module {
  /** @param outputSize - Output [H, W] (one number for both); null keeps that input dim. */
  constructor(readonly outputSize: number | readonly (number | null)[]) {
    checkArgs(NN.AdaptiveMaxPool2d, [outputSize], arguments.length);
    super();
  }
  forward(x: Tensor): Tensor {
    return adaptiveMaxPool2d(x, this.outputSize);
  }
  /** The pooled values and the index h·W + w of each maximum in its plane. */
  forwardWithIndices(x: Tensor): [Tensor, Tensor] {
    return adaptiveMaxPool2d(x, this.outputSize, { returnIndices: true });
  }
  override extraRepr(): string {
    return `output_size=${pyValue(this.outputSize)}`;
  }
}

// Public methods check their arguments against their specs (check/specs/methods.ts) first.
guardMethods(MaxPool1d, forwardOf('MaxPool1d'));
guardMethods(AvgPool1d, forwardOf('AvgPool1d'));
guardMethods(AdaptiveAvgPool1d, forwardOf('AdaptiveAvgPool1d'));
for (const [cls, name] of [
  [AdaptiveMaxPool1d, 'AdaptiveMaxPool1d'],
  [AdaptiveMaxPool2d, 'AdaptiveMaxPool2d'],
] as const) {
  guardMethods(cls, forwardOf(name));
  guardMethods(cls, { forwardWithIndices: forwardOf(name).forward });
}
