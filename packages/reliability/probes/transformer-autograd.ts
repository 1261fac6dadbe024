/**
 * The Transformer stack, custom autograd functions and hooks (issue 13 §1) called badly from
 * plain JavaScript: wrong shapes, masks and argument kinds for the Transformer modules; custom
 * Functions whose backward returns the wrong number, shape, dtype or kind of gradients; hooks
 * that return the wrong thing. Each is a typed error naming the call, and the graph and its
 * saved tensors are freed after it. The answers easy to get wrong (a causal mask's −∞, a custom
 * gradient, a hook's replacement, no leaked tensor) are checked on every device, gpujs included.
 */
import assert from 'node:assert/strict';
import type { Probe, ProbeContext } from '../src/probe.js';

type Fl = ProbeContext['fl'];
type T = InstanceType<Fl['Tensor']>;
type Ctx = Fl['autograd'] extends { Function: unknown } ? Record<string, unknown> : never;
type Any = (...a: unknown[]) => unknown;
const ALL = ['cpu', 'native', 'gpujs'] as const;

const small = (fl: Fl, o: Record<string, unknown> = {}) =>
  new fl.nn.Transformer({
    dModel: 4,
    nhead: 2,
    numEncoderLayers: 1,
    numDecoderLayers: 1,
    dimFeedforward: 4,
    ...o,
  });

/** A Function whose backward returns `ret(g)`, built from plain JS. */
function fnReturning(fl: Fl, ret: (g: T) => unknown) {
  class Bad extends fl.autograd.Function {
    static override forward(_ctx: unknown, x: T): T {
      return x.mul(2);
    }
    static override backward(_ctx: unknown, g: T): unknown {
      return ret(g);
    }
  }
  return Bad as unknown as { apply: Any };
}

/** Runs Bad.apply(x).sum().backward() and checks that nothing leaked after the failure. */
function backwardThrough(fl: Fl, ret: (g: T) => unknown, extra: unknown[] = []): void {
  const x = fl.tensor([1, 2], { requiresGrad: true });
  const before = fl.memory().tensors;
  try {
    fl.tidy(() => (fnReturning(fl, ret).apply(x, ...extra) as T).sum().backward());
  } finally {
    assert.equal(fl.memory().tensors, before, 'tensors leaked by a failed backward');
  }
}

const BAD: [string, (fl: Fl) => unknown, string, RegExp][] = [
  [
    'transformer/batch-mismatch',
    (fl) => small(fl).forward(fl.randn([3, 2, 4]), fl.randn([3, 5, 4])),
    'ShapeError',
    /Transformer: the batch size of src \[3,2,4\] and tgt \[3,5,4\]/,
  ],
  [
    'transformer/feature-mismatch',
    (fl) => small(fl).forward(fl.randn([3, 2, 4]), fl.randn([3, 2, 5])),
    'ShapeError',
    /Transformer: the feature size .* must be dModel \(4\)/,
  ],
  [
    'transformer/positional-torch-call',
    (fl) => new (fl.nn.Transformer as unknown as new (...a: unknown[]) => unknown)(512, 8),
    'ArgumentError',
    /nn\.Transformer/,
  ],
  [
    'transformer/nhead-not-dividing',
    (fl) => small(fl, { nhead: 3 }),
    'ShapeError',
    /MultiheadAttention: embedDim \(4\) must be a positive multiple of numHeads \(3\)/,
  ],
  [
    'transformer/tgt-mask-shape',
    (fl) =>
      small(fl).forward(fl.randn([3, 2, 4]), fl.randn([5, 2, 4]), { tgtMask: fl.zeros([3, 3]) }),
    'ShapeError',
    /MultiheadAttention: expected attnMask of shape \[5,5\]/,
  ],
  [
    'transformer/int-mask',
    (fl) =>
      small(fl).forward(fl.randn([3, 2, 4]), fl.randn([2, 2, 4]), {
        memoryMask: fl.zeros([2, 3], { dtype: 'int32' }),
      }),
    'DTypeError',
    /attnMask/,
  ],
  [
    'transformer/unknown-option',
    (fl) =>
      (small(fl).forward as Any)(fl.randn([3, 2, 4]), fl.randn([2, 2, 4]), { tgtCausal: true }),
    'ArgumentError',
    /unknown option 'tgtCausal'/,
  ],
  [
    'decoder-layer/memory-batch',
    (fl) =>
      new fl.nn.TransformerDecoderLayer(4, 2).forward(fl.randn([3, 2, 4]), fl.randn([3, 1, 4])),
    'ShapeError',
    /TransformerDecoderLayer: tgt \[3,2,4\] and memory \[3,1,4\]/,
  ],
  [
    'encoder/not-a-layer',
    (fl) =>
      new (fl.nn.TransformerEncoder as unknown as new (...a: unknown[]) => unknown)(
        new fl.nn.Linear(2, 2),
        2,
      ),
    'ArgumentError',
    /nn\.TransformerEncoder: encoderLayer/,
  ],
  [
    'encoder/fractional-layers',
    (fl) => new fl.nn.TransformerEncoder(new fl.nn.TransformerEncoderLayer(4, 2), 1.5),
    'ArgumentError',
    /numLayers/,
  ],
  [
    'mask/negative-size',
    (fl) => fl.nn.Transformer.generateSquareSubsequentMask(-2),
    'ArgumentError',
    /generateSquareSubsequentMask/,
  ],
  [
    'function/too-many-grads',
    (fl) => backwardThrough(fl, (g) => [g, g]),
    'GradError',
    /Bad\.backward returned 2 gradients, expected 1/,
  ],
  [
    'function/wrong-shape',
    (fl) => backwardThrough(fl, () => fl.ones([3])),
    'ShapeError',
    /Bad\.backward: the gradient of argument 0 has shape \[3\], expected .*\[2\]/,
  ],
  [
    'function/int-grad',
    (fl) => backwardThrough(fl, () => fl.ones([2], { dtype: 'int32' })),
    'DTypeError',
    /must be a float tensor, got int32/,
  ],
  [
    'function/object-grad',
    (fl) => backwardThrough(fl, () => ({ grad: 1 })),
    'GradError',
    /Bad\.backward must return a Tensor, null or an array/,
  ],
  [
    'function/grad-for-number',
    (fl) => backwardThrough(fl, (g) => [g, g], [3]),
    'GradError',
    /argument 1, which is not a tensor \(3\)/,
  ],
  [
    'function/forward-returns-number',
    (fl) => {
      class N extends fl.autograd.Function {
        static override forward(): unknown {
          return 42;
        }
      }
      return N.apply();
    },
    'ArgumentError',
    /N\.forward must return a Tensor or a non-empty array of Tensors, got 42/,
  ],
  [
    'function/save-a-number',
    (fl) => {
      class S extends fl.autograd.Function {
        static override forward(ctx: Ctx, x: T): T {
          (ctx.saveForBackward as Any)(x, 3);
          return x.mul(1);
        }
      }
      return S.apply(fl.ones([1], { requiresGrad: true }));
    },
    'ArgumentError',
    /saveForBackward: argument 1 must be a Tensor or null/,
  ],
  [
    'custom-grad/not-a-function',
    (fl) => (fl.customGrad as Any)({}),
    'ArgumentError',
    /fl\.customGrad/,
  ],
  [
    'hook/no-grad',
    (fl) => fl.ones([2]).registerHook((g) => g),
    'GradError',
    /registerHook: cannot register a hook on a tensor that does not require grad/,
  ],
  [
    'hook/not-a-function',
    (fl) => (fl.ones([2], { requiresGrad: true }).registerHook as Any)('g'),
    'ArgumentError',
    /Tensor\.registerHook/,
  ],
  [
    'hook/changes-shape',
    (fl) => {
      const x = fl.ones([2], { requiresGrad: true });
      const y = x.mul(2);
      y.registerHook(() => fl.ones([2, 2]));
      y.sum().backward();
    },
    'ShapeError',
    /a hook changed the gradient's shape from \[2\] to \[2,2\]/,
  ],
  [
    'hook/module-bad-return',
    (fl) => {
      const lin = new fl.nn.Linear(2, 2);
      lin.registerFullBackwardHook((() => 'x') as never);
      lin
        .forward(fl.ones([1, 2], { requiresGrad: true }))
        .sum()
        .backward();
    },
    'ArgumentError',
    /full backward hook: must return nothing or an array of 1 Tensors/,
  ],
  [
    'hook/module-not-a-function',
    (fl) => (new fl.nn.Linear(2, 2).registerForwardHook as Any)(null),
    'ArgumentError',
    /registerForwardHook/,
  ],
];

const near = (a: ArrayLike<number>, b: number[]) =>
  b.forEach((v, i) => assert.ok(Math.abs(a[i]! - v) < 1e-4, `${a[i]} vs ${v}`));

export const probes: Probe[] = [
  ...BAD.map(([id, run, throws, match]): Probe => ({
    id,
    expect: { throws, match },
    run: ({ fl }) => run(fl),
  })),
  {
    id: 'ok/causal-mask-and-hint',
    expect: 'ok',
    devices: ALL,
    run: ({ fl }) => {
      const m = fl.nn.Transformer.generateSquareSubsequentMask(3);
      assert.deepEqual(m.toArray(), [
        [0, -Infinity, -Infinity],
        [0, 0, -Infinity],
        [0, 0, 0],
      ]);
      const dec = new fl.nn.TransformerDecoder(
        new fl.nn.TransformerDecoderLayer(4, 2, { dimFeedforward: 4 }),
        1,
      ).eval();
      const tgt = fl.randn([3, 2, 4]);
      const mem = fl.randn([2, 2, 4]);
      near(
        dec.forward(tgt, mem, { tgtIsCausal: true }).dataSync(),
        Array.from(dec.forward(tgt, mem, { tgtMask: m }).dataSync()),
      );
    },
  },
  {
    id: 'ok/function-gradient-and-no-leak',
    expect: 'ok',
    devices: ALL,
    run: ({ fl }) => {
      class Sq extends fl.autograd.Function {
        static override forward(ctx: Ctx, x: T): T {
          (ctx.saveForBackward as Any)(x);
          return x.square();
        }
        static override backward(ctx: Ctx, g: T): T {
          return g.mul((ctx.savedTensors as T[])[0]!).mul(2);
        }
      }
      const x = fl.tensor([1, -2, 3], { requiresGrad: true });
      const before = fl.memory().tensors;
      fl.tidy(() => Sq.apply(x).sum().backward());
      near(x.grad!.dataSync(), [2, -4, 6]);
      x.grad = null;
      assert.equal(fl.memory().tensors, before);
      const y = Sq.apply(x); // never backpropagated: its saved input goes with it
      y.dispose();
      assert.equal(fl.memory().tensors, before);
    },
  },
  {
    id: 'ok/hook-replaces-gradient',
    expect: 'ok',
    devices: ALL,
    run: ({ fl }) => {
      const x = fl.tensor([1, 2], { requiresGrad: true });
      const h = x.registerHook((g) => g.mul(3));
      x.mul(x).sum().backward();
      near(x.grad!.dataSync(), [6, 12]);
      h.remove();
      x.grad = null;
      x.mul(x).sum().backward();
      near(x.grad!.dataSync(), [2, 4]);
    },
  },
];
