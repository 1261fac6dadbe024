/**
 * Transposed convolution: the adjoint of conv2d in its input, computed as conv2d's input
 * gradient is: one matmul per group, then col2im (one scatterAdd), then the padding is cropped.
 */
import { ShapeError, fmtShape } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { tidy } from '../../scope.js';
import { promote } from '../../ops/elementwise.js';
import { expectRank, ntuple, type SpatialArg } from './args.js';
import { col2im } from './conv.js';
import type { WindowAxis } from './im2col.js';

/** Options of `F.convTranspose2d` (torch's keyword arguments, camelCase). */
export interface ConvTransposeOptions {
  /** Step of the matching conv, i.e. the upsampling factor (default 1). */
  stride?: SpatialArg;
  /** Rows/columns cropped from each side of the full output (dilation·(k−1) − padding of the matching conv). */
  padding?: SpatialArg;
  /** Extra rows/columns at the end, choosing among the input sizes a strided conv maps to one size. */
  outputPadding?: SpatialArg;
  /** Split channels into this many independent groups (default 1). */
  groups?: number;
  /** Spacing between kernel taps (default 1). */
  dilation?: SpatialArg;
}

function checkShapes(
  op: string,
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  groups: number,
): void {
  if (
    weight.ndim !== 4 ||
    x.shape[1] !== weight.shape[0] ||
    !Number.isInteger(groups) ||
    groups < 1 ||
    weight.shape[0]! % groups !== 0
  )
    throw new ShapeError(
      `${op}: expected weight [in_channels=${x.shape[1]}, out_channels/groups, kH, kW] with in_channels divisible by groups=${groups}, got weight ${fmtShape(weight.shape)} for input ${fmtShape(x.shape)}`,
    );
  const cout = weight.shape[1]! * groups;
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== cout))
    throw new ShapeError(
      `${op}: bias must have shape [${cout}] (one per output channel), got ${fmtShape(bias.shape)}`,
    );
}

/** The uncropped output as window axes (every tap of every input pixel, plus outputPadding), and the crop. */
function geometry(op: string, x: Tensor, weight: Tensor, opts: ConvTransposeOptions) {
  const kernel = weight.shape.slice(2);
  const stride = ntuple(op, 'stride', opts.stride ?? 1, 2);
  const dilation = ntuple(op, 'dilation', opts.dilation ?? 1, 2);
  const padding = ntuple(op, 'padding', opts.padding ?? 0, 2, 0);
  const extra = ntuple(op, 'outputPadding', opts.outputPadding ?? 0, 2, 0);
  if (extra.some((e, i) => e >= Math.max(stride[i]!, dilation[i]!)))
    throw new ShapeError(
      `${op}: outputPadding ${fmtShape(extra)} must be smaller than stride ${fmtShape(stride)} or dilation ${fmtShape(dilation)}`,
    );
  const axes = x.shape.slice(2).map((n, i) => ({
    size: (n - 1) * stride[i]! + dilation[i]! * (kernel[i]! - 1) + 1 + extra[i]!,
    kernel: kernel[i]!,
    stride: stride[i]!,
    dilation: dilation[i]!,
    out: n,
  })) as [WindowAxis, WindowAxis];
  const outSize = axes.map((a, i) => a.size - 2 * padding[i]!);
  if (outSize.some((s) => s < 1))
    throw new ShapeError(
      `${op}: padding ${fmtShape(padding)} leaves no output for input ${fmtShape(x.shape)} and kernel ${kernel.join('x')}`,
    );
  return { axes, padding, outSize };
}

/**
 * Transposed 2-D convolution of x [N,Cin,H,W] or [Cin,H,W] with weight [Cin, Cout/groups, kH, kW]:
 * each input pixel scatters a weighted copy of the kernel into the output.
 * @example
 * nn.F.convTranspose2d(fl.randn([1, 16, 7, 7]), fl.randn([16, 8, 4, 4]), null, { stride: 2, padding: 1 }).shape; // [1, 8, 14, 14]
 */
export function convTranspose2d(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  opts: ConvTransposeOptions = {},
): Tensor {
  const op = 'convTranspose2d';
  expectRank(op, x, [3, 4], 'input of shape [N,C,H,W] or [C,H,W]');
  if (x.ndim === 3)
    return tidy(() => convTranspose2d(x.unsqueeze(0), weight, bias, opts).squeeze(0));
  const groups = opts.groups ?? 1;
  checkShapes(op, x, weight, bias, groups);
  const { axes, padding, outSize } = geometry(op, x, weight, opts);
  return tidy(() => {
    const dtype = promote(bias ? [x, weight, bias] : [x, weight]);
    const full = col2im(x.to(dtype), weight.to(dtype), groups, axes[0], axes[1]);
    const out = full.narrow(2, padding[0]!, outSize[0]!).narrow(3, padding[1]!, outSize[1]!);
    return bias ? out.add(bias.to(dtype).reshape([1, -1, 1, 1])) : out;
  });
}
