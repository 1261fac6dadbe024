/**
 * Convolutions as composites: pad, unfold the windows (im2col, one gather), then one batched
 * matmul over the groups. Gradients come from autograd. conv2d is also the hook for a backend's
 * fused kernel (DESIGN §2 tier 3): when the device offers `overrides.conv2d` it runs instead,
 * with the closed-form gradient below, which is itself written with these composites; a
 * backend's `conv2dBackward` computes that gradient in one call.
 */
import { ShapeError, fmtShape } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { tidy } from '../../scope.js';
import type { GradCtx, GradRule } from '../../autograd/node.js';
import type { Conv2dParams, KView } from '../../backend/types.js';
import { isGradEnabled, noGrad } from '../../autograd/mode.js';
import { record } from '../../autograd/record.js';
import { execFusedAs, execKernel } from '../../ops/dispatch.js';
import { overridesEnabled } from '../../ops/reduce.js';
import { promote } from '../../ops/elementwise.js';
import { expectRank, ntuple, type SpatialArg, windowCount } from './args.js';
import { fold, unfold, type WindowAxis } from './im2col.js';

/** Options of `F.conv1d` and `F.conv2d` (torch's keyword arguments, camelCase). */
export interface ConvOptions {
  /** Step between windows (default 1). */
  stride?: SpatialArg;
  /** Zero padding per side, or `'same'` (output size = input size; stride 1 only) or `'valid'` (none). */
  padding?: SpatialArg | 'same' | 'valid';
  /** Spacing between kernel taps (default 1). */
  dilation?: SpatialArg;
  /** Split channels into this many independent groups (default 1). */
  groups?: number;
}

export type { Conv2dParams };

/** [before, after] padding per spatial dim; 'same' puts the odd element after, as torch does. */
export function resolvePadding(
  op: string,
  padding: ConvOptions['padding'],
  kernel: readonly number[],
  stride: readonly number[],
  dilation: readonly number[],
): [number, number][] {
  const n = kernel.length;
  if (padding === 'valid') return kernel.map(() => [0, 0]);
  if (padding === 'same') {
    if (stride.some((s) => s !== 1))
      throw new ShapeError(
        `${op}: padding='same' is not supported for strided convolutions (stride ${fmtShape(stride)})`,
      );
    return kernel.map((k, i) => {
      const total = dilation[i]! * (k - 1);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    });
  }
  return ntuple(op, 'padding', padding ?? 0, n, 0).map((p) => [p, p]);
}

/** Weight rank, group divisibility, channel count and bias shape, with torch's wording of the layout. */
export function checkConvShapes(
  op: string,
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  groups: number,
): void {
  const spatial = x.ndim - 2;
  if (weight.ndim !== spatial + 2)
    throw new ShapeError(
      `${op}: weight must be ${spatial + 2}-D [out_channels, in_channels/groups, ${spatial === 1 ? 'k' : 'kH, kW'}], got ${fmtShape(weight.shape)}`,
    );
  if (!Number.isInteger(groups) || groups < 1)
    throw new ShapeError(`${op}: groups must be a positive integer, got ${groups}`);
  const [o, cg] = weight.shape as [number, number];
  if (o % groups !== 0)
    throw new ShapeError(
      `${op}: weight ${fmtShape(weight.shape)} has ${o} output channels, not divisible by groups=${groups}`,
    );
  if (x.shape[1] !== cg * groups)
    throw new ShapeError(
      `${op}: expected input with ${cg * groups} channels (weight ${fmtShape(weight.shape)}, groups=${groups}), got input of shape ${fmtShape(x.shape)}`,
    );
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== o))
    throw new ShapeError(
      `${op}: bias must have shape [${o}] (one per output channel), got ${fmtShape(bias.shape)}`,
    );
}

/** Window axes over the padded input; throws when the kernel does not fit. */
export function convAxes(
  op: string,
  x: Tensor,
  kernel: readonly number[],
  p: Conv2dParams,
): [WindowAxis, WindowAxis] {
  const [, , h, w] = x.shape as [number, number, number, number];
  const sizes = [h + p.padding[0] + p.padding[1], w + p.padding[2] + p.padding[3]];
  const axes = sizes.map((size, i) => ({
    size,
    kernel: kernel[i]!,
    stride: p.stride[i]!,
    dilation: p.dilation[i]!,
    out: windowCount(size, 0, 0, kernel[i]!, p.stride[i]!, p.dilation[i]!),
  }));
  if (axes.some((a) => a.out < 1))
    throw new ShapeError(
      `${op}: kernel ${kernel.join('x')} (dilation ${p.dilation.join('x')}) is larger than the padded input ${sizes.join('x')} (input ${fmtShape(x.shape)})`,
    );
  return axes as [WindowAxis, WindowAxis];
}

/** x with the zero padding of `p` applied (x itself when there is none). */
function padded(x: Tensor, p: Conv2dParams): Tensor {
  const [t, b, l, r] = p.padding;
  return t || b || l || r ? x.pad([l, r, t, b]) : x;
}

/** The decomposition: x [N,C,H,W] (already validated) → [N,O,OH,OW]. */
function conv2dComposite(x: Tensor, weight: Tensor, bias: Tensor | null, p: Conv2dParams): Tensor {
  return tidy(() => {
    const [h, w] = convAxes('conv2d', x, weight.shape.slice(2), p);
    const [n] = x.shape as [number];
    const [o, cg, kh, kw] = weight.shape as [number, number, number, number];
    const g = p.groups;
    const ckk = cg * kh * kw;
    // Rows are output pixels, so each group is a single [N·L, C/g·kh·kw] × [C/g·kh·kw, O/g] product.
    const cols = unfold(padded(x, p), h, w)
      .reshape([n * h.out * w.out, g, ckk])
      .permute(1, 0, 2);
    const y = cols.matmul(weight.reshape([g, o / g, ckk]).transpose(1, 2));
    const out = y
      .reshape([g, n, h.out * w.out, o / g])
      .permute(1, 0, 3, 2)
      .reshape([n, o, h.out, w.out]);
    return bias ? out.add(bias.reshape([1, o, 1, 1])) : out;
  });
}

/**
 * The adjoint of conv2d in x: g [N,O,OH,OW] with weight [O,C/g,kH,kW] → [N,C,H+pads,W+pads]
 * (padding not yet cropped). It is conv2d's input gradient and conv_transpose2d's forward.
 */
export function col2im(
  g: Tensor,
  weight: Tensor,
  groups: number,
  h: WindowAxis,
  w: WindowAxis,
): Tensor {
  return tidy(() => {
    const [n, o] = g.shape as [number, number];
    const [, cg, kh, kw] = weight.shape as [number, number, number, number];
    const l = h.out * w.out;
    const rows = g
      .reshape([n, groups, o / groups, l])
      .permute(1, 0, 3, 2)
      .reshape([groups, n * l, o / groups]);
    const cols = rows.matmul(weight.reshape([groups, o / groups, cg * kh * kw])); // [g, N·L, C/g·K]
    const perPixel = cols.reshape([groups, n, l, cg * kh * kw]).permute(1, 2, 0, 3);
    return fold(perPixel.reshape([n, l, groups * cg * kh * kw]), groups * cg, h, w);
  });
}

/**
 * Closed-form gradient of conv2d, used with a backend's fused conv2d (or its conv2dBackward).
 * The backend's `conv2dBackward` computes it in one call unless a graph of the backward pass
 * is being recorded (createGraph), where the differentiable composite formula below is needed.
 */
const conv2dRule: GradRule<never> = {
  saves: [0, 1],
  grad: (g, c: GradCtx<Conv2dParams>) => {
    const x = c.inputs[0]!;
    const weight = c.inputs[1]!;
    const needs = [c.needs[0] ?? false, c.needs[1] ?? false] as const;
    const [gx, gw] = fusedConv2dBackward(x, weight, g, c.params, needs) ?? [
      needs[0] ? conv2dInputGrad(x, weight, g, c.params) : null,
      needs[1] ? conv2dWeightGrad(x, g, weight.shape, c.params) : null,
    ];
    return c.shapes.length === 3 ? [gx, gw, c.needs[2] ? g.sum([0, 2, 3]) : null] : [gx, gw];
  },
};

/** The backend's conv2dBackward when it may run (overrides on, no graph recorded); else null. */
function fusedConv2dBackward(
  x: Tensor,
  weight: Tensor,
  g: Tensor,
  p: Conv2dParams,
  needs: readonly [boolean, boolean],
): [Tensor | null, Tensor | null] | null {
  const on = overridesEnabled() && !isGradEnabled();
  const kernel = on ? x.storage.backend.overrides?.conv2dBackward : undefined;
  if (!kernel || !(needs[0] || needs[1])) return null;
  const outs = [x, weight].map((t) => ({ shape: t.shape, dtype: x.dtype }));
  const [gx, gw] = execFusedAs('conv2dBackward', [x, weight, g.to(x.dtype)], outs, (v) =>
    kernel(v[0]!, v[1]!, v[2]!, p, needs),
  );
  return [gx!, gw!];
}

function conv2dInputGrad(x: Tensor, weight: Tensor, g: Tensor, p: Conv2dParams): Tensor {
  const [h, w] = convAxes('conv2d', x, weight.shape.slice(2), p);
  const [, , height, width] = x.shape as [number, number, number, number];
  return col2im(g, weight, p.groups, h, w)
    .narrow(2, p.padding[0], height)
    .narrow(3, p.padding[2], width);
}

function conv2dWeightGrad(
  x: Tensor,
  g: Tensor,
  wshape: readonly number[],
  p: Conv2dParams,
): Tensor {
  const [h, w] = convAxes('conv2d', x, wshape.slice(2), p);
  const [n] = x.shape as [number];
  const [o, cg, kh, kw] = wshape as [number, number, number, number];
  const cols = unfold(padded(x, p), h, w)
    .reshape([n * h.out * w.out, p.groups, cg * kh * kw])
    .permute(1, 2, 0);
  const rows = g
    .reshape([n, p.groups, o / p.groups, h.out * w.out])
    .permute(1, 0, 3, 2)
    .reshape([p.groups, -1, o / p.groups]);
  return cols.matmul(rows).transpose(1, 2).reshape(wshape);
}

/** Run the backend's fused conv2d when there is one (and overrides are not disabled). */
function fusedConv2d(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  p: Conv2dParams,
): Tensor | null {
  const fused = overridesEnabled() ? x.storage.backend.overrides?.conv2d : undefined;
  if (!fused) return null;
  const [h, w] = convAxes('conv2d', x, weight.shape.slice(2), p);
  const shape = [x.shape[0]!, weight.shape[0]!, h.out, w.out];
  const inputs = bias ? [x, weight, bias] : [x, weight];
  const kernel = bias
    ? fused
    : (xv: KView<unknown>, wv: KView<unknown>, q: Conv2dParams) => fused(xv, wv, null, q);
  return execKernel('conv2d', kernel as never, conv2dRule, inputs, [p], shape, x.dtype, p);
}

/**
 * The composite forward. When the backend has `conv2dBackward`, the forward runs untaped and the
 * closed-form rule is recorded instead, so the backward is one fused call rather than the
 * gradients of the unfold and matmul.
 */
function compositeConv2d(x: Tensor, weight: Tensor, bias: Tensor | null, p: Conv2dParams): Tensor {
  if (!overridesEnabled() || !x.storage.backend.overrides?.conv2dBackward)
    return conv2dComposite(x, weight, bias, p);
  const out = noGrad(() => conv2dComposite(x, weight, bias, p));
  record('conv2d', conv2dRule, bias ? [x, weight, bias] : [x, weight], out, p);
  return out;
}

/**
 * 2-D convolution (cross-correlation, as in torch) of x [N,C,H,W] or [C,H,W] with weight
 * [O, C/groups, kH, kW] and an optional bias [O].
 * @example
 * const y = nn.F.conv2d(fl.randn([8, 3, 32, 32]), fl.randn([16, 3, 3, 3]), null, { padding: 'same' });
 * y.shape; // [8, 16, 32, 32]
 */
export function conv2d(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  opts: ConvOptions = {},
): Tensor {
  expectRank('conv2d', x, [3, 4], 'input of shape [N,C,H,W] or [C,H,W]');
  if (x.ndim === 3) return tidy(() => conv2d(x.unsqueeze(0), weight, bias, opts).squeeze(0));
  const groups = opts.groups ?? 1;
  checkConvShapes('conv2d', x, weight, bias, groups);
  const kernel = weight.shape.slice(2);
  const stride = ntuple('conv2d', 'stride', opts.stride ?? 1, 2);
  const dilation = ntuple('conv2d', 'dilation', opts.dilation ?? 1, 2);
  const pads = resolvePadding('conv2d', opts.padding, kernel, stride, dilation);
  const p: Conv2dParams = {
    stride: stride as [number, number],
    padding: [pads[0]![0], pads[0]![1], pads[1]![0], pads[1]![1]],
    dilation: dilation as [number, number],
    groups,
  };
  return tidy(() => {
    const dtype = promote(bias ? [x, weight, bias] : [x, weight]);
    const [xc, wc, bc] = [x.to(dtype), weight.to(dtype), bias?.to(dtype) ?? null];
    return fusedConv2d(xc, wc, bc, p) ?? compositeConv2d(xc, wc, bc, p);
  });
}

/**
 * 1-D convolution of x [N,C,L] or [C,L] with weight [O, C/groups, k]: conv2d over a height-1 image.
 * @example
 * nn.F.conv1d(fl.randn([4, 2, 10]), fl.randn([3, 2, 5])).shape; // [4, 3, 6]
 */
export function conv1d(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  opts: ConvOptions = {},
): Tensor {
  expectRank('conv1d', x, [2, 3], 'input of shape [N,C,L] or [C,L]');
  if (x.ndim === 2) return tidy(() => conv1d(x.unsqueeze(0), weight, bias, opts).squeeze(0));
  checkConvShapes('conv1d', x, weight, bias, opts.groups ?? 1);
  // Height 1: stride, dilation and padding act on the width only.
  const lift = (name: string, v: SpatialArg | undefined, dflt: number, min: number) => [
    dflt,
    ...ntuple('conv1d', name, v ?? dflt, 1, min),
  ];
  const padding =
    typeof opts.padding === 'string' ? opts.padding : lift('padding', opts.padding, 0, 0);
  const stride = lift('stride', opts.stride, 1, 1);
  if (opts.padding === 'same' && stride[1] !== 1)
    throw new ShapeError(
      `conv1d: padding='same' is not supported for strided convolutions (stride ${fmtShape(stride.slice(1))})`,
    );
  return tidy(() => {
    const y = conv2d(x.unsqueeze(2), weight.unsqueeze(2), bias, {
      stride,
      dilation: lift('dilation', opts.dilation, 1, 1),
      padding,
      groups: opts.groups,
    });
    return y.squeeze(2);
  });
}
