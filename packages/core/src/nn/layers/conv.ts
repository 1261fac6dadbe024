/** Convolution layers: Conv1d, Conv2d and ConvTranspose2d over the functional composites. */
import { ShapeError, fmtShape } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { tidy } from '../../scope.js';
import { cat } from '../../ops/shape.js';
import { Module } from '../module.js';
import { conv1d, conv2d, resolvePadding } from '../functional/conv.js';
import { convTranspose2d } from '../functional/convtranspose.js';
import { ntuple, type SpatialArg } from '../functional/args.js';
import { calculateFans, kaimingUniform_, uniform_ } from '../init.js';
import { type FactoryOptions, param, pyValue } from './common.js';
import { checkArgs } from '../../check/args.js';
import { NN } from '../../check/specs/nn.js';
import { guardMethods } from '../../check/args.js';
import { forwardOf } from '../../check/specs/methods.js';
import { intList, optional, tensor } from '../../check/spec.js';

/** How a conv layer pads its input: zeros (default), mirrored, edge-repeated or wrapped around. */
export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

/** Options of `Conv1d` and `Conv2d` (torch's keyword arguments, camelCase). */
export interface ConvLayerOptions extends FactoryOptions {
  /** Step of the kernel per spatial dim: a number for all, or one per dim (default 1). */
  stride?: SpatialArg;
  /** Per-side padding, `'same'` (stride 1 only) or `'valid'` (none; the default is 0). */
  padding?: SpatialArg | 'same' | 'valid';
  /** Spacing between kernel taps per spatial dim (default 1). */
  dilation?: SpatialArg;
  /**
   * Split channels into this many independent groups; both channel counts must divide by it
   * (default 1).
   */
  groups?: number;
  /** Learn an additive bias per output channel (default true). */
  bias?: boolean;
  /** How padded positions are filled (default `'zeros'`). */
  paddingMode?: PaddingMode;
}

/** Options of `ConvTranspose2d` (torch's keyword arguments, camelCase). */
export interface ConvTransposeLayerOptions extends FactoryOptions {
  /** Step of the equivalent conv per spatial dim, i.e. the upsampling factor (default 1). */
  stride?: SpatialArg;
  /**
   * Rows/columns cropped from each side of the full output, i.e. the padding of the matching conv
   * (default 0).
   */
  padding?: SpatialArg;
  /**
   * Extra size added to one side of the output, to reach sizes a strided conv maps to the same
   * input (default 0).
   */
  outputPadding?: SpatialArg;
  /** Split channels into this many independent groups (default 1). */
  groups?: number;
  /** Learn an additive bias per output channel (default true). */
  bias?: boolean;
  /** Spacing between kernel taps per spatial dim (default 1). */
  dilation?: SpatialArg;
}

interface ConvConfig {
  name: string;
  spatial: number;
  transposed: boolean;
}

/** Shared state and initialisation of the conv layers (torch's _ConvNd). */
abstract class ConvBase extends Module {
  /**
   * Kernel: [out, in/groups, …kernelSize], or [in, out/groups, …kernelSize] for transposed convs.
   */
  weight: Tensor;
  /** Bias of shape [outChannels], or null with `bias: false`. */
  bias: Tensor | null;
  /** Kernel size per spatial dim. */
  readonly kernelSize: number[];
  /** Stride per spatial dim. */
  readonly stride: number[];
  /** Padding per spatial dim, or `'same'`/`'valid'` as given. */
  readonly padding: number[] | 'same' | 'valid';
  /** Dilation per spatial dim. */
  readonly dilation: number[];
  /** Output padding per spatial dim (transposed convs; zeros otherwise). */
  readonly outputPadding: number[];
  /** Number of channel groups. */
  readonly groups: number;
  /** How padded positions are filled. */
  readonly paddingMode: PaddingMode;

  protected constructor(
    /** The subclass's name and number of spatial dims, for checks and messages. */
    protected readonly cfg: ConvConfig,
    /** Channels of the input. */
    readonly inChannels: number,
    /** Channels of the output. */
    readonly outChannels: number,
    kernelSize: SpatialArg,
    opts: ConvLayerOptions & { outputPadding?: SpatialArg },
  ) {
    super();
    const { name, spatial: n } = cfg;
    this.groups = opts.groups ?? 1;
    if (
      !Number.isInteger(this.groups) ||
      this.groups < 1 ||
      inChannels % this.groups !== 0 ||
      outChannels % this.groups !== 0
    )
      throw new ShapeError(
        `${name}: inChannels (${inChannels}) and outChannels (${outChannels}) must be divisible by groups (${this.groups})`,
      );
    this.kernelSize = ntuple(name, 'kernelSize', kernelSize, n);
    this.stride = ntuple(name, 'stride', opts.stride ?? 1, n);
    this.dilation = ntuple(name, 'dilation', opts.dilation ?? 1, n);
    this.outputPadding = ntuple(name, 'outputPadding', opts.outputPadding ?? 0, n, 0);
    const pad = opts.padding ?? 0;
    this.padding = typeof pad === 'string' ? pad : ntuple(name, 'padding', pad, n, 0);
    if (typeof pad === 'string' && pad !== 'same' && pad !== 'valid')
      throw new ShapeError(
        `${name}: invalid padding '${String(pad)}' (expected a number, an array, 'same' or 'valid')`,
      );
    if (pad === 'same') resolvePadding(name, pad, this.kernelSize, this.stride, this.dilation); // throws when strided
    this.paddingMode = opts.paddingMode ?? 'zeros';
    const [a, b] = cfg.transposed
      ? [inChannels, outChannels / this.groups]
      : [outChannels, inChannels / this.groups];
    this.weight = param([a, b, ...this.kernelSize], opts);
    this.bias = (opts.bias ?? true) ? param([outChannels], opts) : null;
    this.resetParameters();
  }

  /** torch's default: kaiming_uniform(a=√5) weights, U(±1/√fan_in) bias. */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    const { fanIn } = calculateFans(this.weight);
    if (this.bias && fanIn > 0) uniform_(this.bias, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn));
  }

  /**
   * Throw a ShapeError unless `x` is batched or unbatched with `inChannels` channels; `layout`
   * names the spatial dims in the message.
   */
  protected checkInput(x: Tensor, layout: string): void {
    const n = this.cfg.spatial;
    if ((x.ndim !== n + 1 && x.ndim !== n + 2) || x.shape[x.ndim - n - 1] !== this.inChannels)
      throw new ShapeError(
        `${this.cfg.name}: expected input of shape [N,${this.inChannels},${layout}] or [${this.inChannels},${layout}], got ${fmtShape(x.shape)}`,
      );
  }

  /** Pad with a non-zero padding mode, in F.pad order (last dim first). */
  protected padInput(x: Tensor): Tensor {
    const pairs = resolvePadding(
      this.cfg.name,
      this.padding,
      this.kernelSize,
      this.stride,
      this.dilation,
    );
    const flat = pairs.reverse().flat();
    if (this.paddingMode === 'circular') return circularPad(this.cfg.name, x, flat);
    return x.pad(flat, this.paddingMode as 'reflect' | 'replicate');
  }

  override extraRepr(): string {
    const zeros = (v: readonly number[]) => v.every((d) => d === 0);
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyValue(this.kernelSize)}, stride=${pyValue(this.stride)}`;
    if (typeof this.padding === 'string' || !zeros(this.padding))
      s += `, padding=${pyValue(this.padding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${pyValue(this.dilation)}`;
    if (!zeros(this.outputPadding)) s += `, output_padding=${pyValue(this.outputPadding)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ', bias=false';
    if (this.paddingMode !== 'zeros') s += `, padding_mode=${this.paddingMode}`;
    return s;
  }
}

/** Wrap-around padding, one dim at a time (F.pad order: [left, right, top, bottom]). */
function circularPad(op: string, x: Tensor, pads: readonly number[]): Tensor {
  return tidy(() => {
    let r = x;
    for (let k = 0; k < pads.length / 2; k++) {
      const dim = x.ndim - 1 - k;
      const [before, after] = [pads[2 * k]!, pads[2 * k + 1]!];
      const n = r.shape[dim]!;
      if (before > n || after > n)
        throw new ShapeError(
          `${op}: circular padding (${before}, ${after}) is larger than dimension ${dim} of input ${fmtShape(x.shape)}`,
        );
      const parts = [
        ...(before ? [r.narrow(dim, n - before, before)] : []),
        r,
        ...(after ? [r.narrow(dim, 0, after)] : []),
      ];
      if (parts.length > 1) r = cat(parts, dim);
    }
    return r;
  });
}

/**
 * 2-D convolution over [N, C, H, W] (or [C, H, W]) with weight [out, in/groups, kH, kW].
 * @example
 * const conv = new nn.Conv2d(1, 32, 3, { padding: 1 });
 * conv.forward(fl.randn([64, 1, 28, 28])).shape; // [64, 32, 28, 28]
 */
export class Conv2d extends ConvBase {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: SpatialArg,
    opts: ConvLayerOptions = {},
  ) {
    checkArgs(NN.Conv2d, [inChannels, outChannels, kernelSize, opts], arguments.length);
    super(
      { name: 'Conv2d', spatial: 2, transposed: false },
      inChannels,
      outChannels,
      kernelSize,
      opts,
    );
  }
  forward(x: Tensor): Tensor {
    this.checkInput(x, 'H,W');
    const o = { stride: this.stride, dilation: this.dilation, groups: this.groups };
    if (this.paddingMode === 'zeros')
      return conv2d(x, this.weight, this.bias, { ...o, padding: this.padding });
    return tidy(() => conv2d(this.padInput(x), this.weight, this.bias, o));
  }
}

/**
 * 1-D convolution over [N, C, L] (or [C, L]) with weight [out, in/groups, k].
 * @example
 * const conv = new nn.Conv1d(16, 33, 3, { stride: 2 });
 * conv.forward(fl.randn([20, 16, 50])).shape; // [20, 33, 24]
 */
export class Conv1d extends ConvBase {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: SpatialArg,
    opts: ConvLayerOptions = {},
  ) {
    checkArgs(NN.Conv1d, [inChannels, outChannels, kernelSize, opts], arguments.length);
    super(
      { name: 'Conv1d', spatial: 1, transposed: false },
      inChannels,
      outChannels,
      kernelSize,
      opts,
    );
  }
  forward(x: Tensor): Tensor {
    this.checkInput(x, 'L');
    const o = { stride: this.stride, dilation: this.dilation, groups: this.groups };
    if (this.paddingMode === 'zeros')
      return conv1d(x, this.weight, this.bias, { ...o, padding: this.padding });
    return tidy(() => conv1d(this.padInput(x), this.weight, this.bias, o));
  }
}

/**
 * Transposed 2-D convolution ("deconvolution") with weight [in, out/groups, kH, kW]. Pass
 * `outputSize` to forward to pick among the sizes a strided conv could have come from.
 * @example
 * const up = new nn.ConvTranspose2d(16, 8, 4, { stride: 2, padding: 1 });
 * up.forward(fl.randn([1, 16, 7, 7])).shape; // [1, 8, 14, 14]
 */
export class ConvTranspose2d extends ConvBase {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: SpatialArg,
    opts: ConvTransposeLayerOptions = {},
  ) {
    checkArgs(NN.ConvTranspose2d, [inChannels, outChannels, kernelSize, opts], arguments.length);
    super(
      { name: 'ConvTranspose2d', spatial: 2, transposed: true },
      inChannels,
      outChannels,
      kernelSize,
      opts,
    );
  }
  forward(x: Tensor, outputSize?: readonly number[]): Tensor {
    this.checkInput(x, 'H,W');
    return convTranspose2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding as number[],
      outputPadding: outputSize ? this.paddingFor(x, outputSize) : this.outputPadding,
      groups: this.groups,
      dilation: this.dilation,
    });
  }

  /** The outputPadding that yields `outputSize` (its last two entries), as torch's _output_padding. */
  private paddingFor(x: Tensor, outputSize: readonly number[]): number[] {
    const want = outputSize.slice(-2);
    const pad = this.padding as number[];
    return want.map((size, i) => {
      const n = x.shape[x.ndim - 2 + i]!;
      const min =
        (n - 1) * this.stride[i]! - 2 * pad[i]! + this.dilation[i]! * (this.kernelSize[i]! - 1) + 1;
      if (want.length !== 2 || size < min || size > min + this.stride[i]! - 1)
        throw new ShapeError(
          `ConvTranspose2d: requested output size ${fmtShape(outputSize)} is not reachable from input ${fmtShape(x.shape)} (dim ${i}: ${min} to ${min + this.stride[i]! - 1})`,
        );
      return size - min;
    });
  }
}

// Public methods check their arguments against their specs (check/specs/methods.ts) first.
guardMethods(Conv1d, forwardOf('Conv1d'));
guardMethods(Conv2d, forwardOf('Conv2d'));
guardMethods(
  ConvTranspose2d,
  forwardOf('ConvTranspose2d', { input: tensor, outputSize: optional(intList) }),
);
