/**
 * The fused overrides (DESIGN §2, tier 3) this backend implements in C++: argument encoding
 * for each (native/dispatch.h lists the layout). Semantics are core's; conformance L3 checks
 * each against its decomposition.
 */
import type { KView, Overrides } from '@flint/core/backend';
import type { Handle } from './binding.js';
import type { Invoke } from './index.js';
import { OP_ID } from './ops.js';

type V = KView<Handle>;
type H = Handle;
const b = (x: boolean) => (x ? 1 : 0);

export function overrideTable(run: Invoke): Overrides<Handle> {
  return {
    softmax: (x: V, axis: number) => run(OP_ID.softmax!, [x], [axis]) as H,
    logSoftmax: (x: V, axis: number) => run(OP_ID.logSoftmax!, [x], [axis]) as H,
    // In place (q.inPlace) the kernel writes p, m and v and returns no buffers.
    adamStep: (p, g, m, v, q) => {
      const r = run(
        OP_ID.adamStep!,
        [p, g, m, v],
        [
          q.lr,
          q.beta1,
          q.beta2,
          q.eps,
          q.weightDecay,
          b(q.decoupled),
          b(q.maximize),
          q.step,
          b(q.inPlace ?? false),
        ],
      ) as H[];
      return r.length === 0 ? undefined : (r as [H, H, H]);
    },
    sgdStep: (p, g, buf, q) => {
      const r = run(
        OP_ID.sgdStep!,
        [p, g, buf],
        [
          q.lr,
          q.momentum,
          q.dampening,
          q.weightDecay,
          b(q.nesterov),
          b(q.maximize),
          b(q.firstStep),
          b(q.inPlace ?? false),
        ],
      ) as (H | null)[];
      return r.length === 0 ? undefined : (r as [H, H | null]);
    },
    layerNorm: (x, w, bias, normSize, eps) =>
      run(OP_ID.layerNorm!, [x, w, bias], [normSize, eps]) as [H, H, H],
    gelu: (x, approximate) => run(OP_ID.gelu!, [x], [approximate === 'tanh' ? 1 : 0]) as H,
    crossEntropy: (logits, target, ignoreIndex) =>
      run(OP_ID.crossEntropy!, [logits, target], [ignoreIndex]) as H,
    conv2d: (x, w, bias, p) =>
      run(OP_ID.conv2d!, [x, w, bias], [...p.stride, ...p.padding, ...p.dilation, p.groups]) as H,
    conv2dBackward: (x, w, g, p, needs) =>
      run(
        OP_ID.conv2dBackward!,
        [x, w, g],
        [...p.stride, ...p.padding, ...p.dilation, p.groups, b(needs[0]), b(needs[1])],
      ) as [H | null, H | null],
    maxPool2d: (x, p) =>
      run(
        OP_ID.maxPool2d!,
        [x],
        [...p.kernel, ...p.stride, ...p.padding, ...p.dilation, b(p.ceilMode)],
      ) as [H, H],
    lstmSequence: (gi, w, h0, c0, reverse) =>
      run(OP_ID.lstmSequence!, [gi, w, h0, c0], [b(reverse)]) as [H, H],
    lstmSequenceBackward: (gates, y, w, h0, c0, gy, reverse) =>
      run(OP_ID.lstmSequenceBackward!, [gates, y, w, h0, c0, gy], [b(reverse)]) as [H, H, H, H],
    gruSequence: (gi, w, bias, h0, reverse) =>
      run(OP_ID.gruSequence!, [gi, w, bias, h0], [b(reverse)]) as [H, H],
    gruSequenceBackward: (saved, hs, w, h0, ghs, reverse, hasBias) =>
      run(OP_ID.gruSequenceBackward!, [saved, hs, w, h0, ghs], [b(reverse), b(hasBias)]) as [
        H,
        H,
        H | null,
        H,
      ],
  };
}
