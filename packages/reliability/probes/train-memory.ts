/**
 * Peak memory of a training step (issue 14, M1) from JavaScript: the fused Adam step writes the
 * parameter and its state in place where that is safe, and falls back to fresh buffers where it
 * is not (aliased or strided operands), with the values of the composite update either way;
 * saved tensors it overwrites are caught by version; a step's peak stays within its bound.
 */
import assert from 'node:assert/strict';
import type * as Flint from '@flint/core';
import { type Backend, kview } from '@flint/core/backend';
import type { Probe } from '../src/probe.js';

type Fl = typeof Flint;
type T = Flint.Tensor;

/** Three Adam steps of `p` (grads from `grad(p, i)`), fused or decomposed; returns p's values. */
function adamRun(
  fl: Fl,
  make: () => T,
  grad: (p: T, i: number) => T,
  decomposed: boolean,
): number[] {
  const p = fl.keep(make().requiresGrad_());
  const opt = new fl.optim.Adam([p], { lr: 0.1, weightDecay: 0.05 });
  const go = () => {
    for (let i = 0; i < 3; i++) {
      p.grad = grad(p, i);
      opt.step();
    }
  };
  if (decomposed) fl.decomposed.run(go);
  else go();
  const out = Array.from(p.dataSync() as Float32Array);
  opt.dispose();
  p.dispose();
  return out;
}

/** Fused and composite Adam agree within float32 rounding. */
function sameAsComposite(fl: Fl, make: () => T, grad: (p: T, i: number) => T): void {
  const fused = adamRun(fl, make, grad, false);
  const composite = adamRun(fl, make, grad, true);
  assert.equal(fused.length, composite.length);
  fused.forEach((v, i) =>
    assert.ok(Math.abs(v - composite[i]!) <= 1e-5, `${i}: ${v} vs ${composite[i]}`),
  );
}

const ADAM = {
  lr: 0.1,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0,
  decoupled: false,
  maximize: false,
  step: 1,
  inPlace: true,
};

/**
 * Peak live bytes of one MLP step on a second registration of the probe's own backend whose
 * `free` samples the live bytes (they only fall at frees, so the maximum is exact).
 */
function mlpStepPeak(fl: Fl, device: string): { peak: number; activations: number } {
  const inner = fl.getBackend(device) as Backend;
  let peak = 0;
  const name = fl.register({
    ...inner,
    name: `${device}-peak`,
    free(buf: unknown) {
      peak = Math.max(peak, inner.stats().bytes);
      inner.free(buf);
    },
  } as Backend);
  const prev = fl.getDefaultDevice();
  fl.setDefaultDevice(name);
  try {
    const sizes = [200, 64, 32, 10];
    const batch = 16;
    const { nn } = fl;
    const net = new nn.Sequential(
      new nn.Linear(sizes[0]!, sizes[1]!),
      new nn.ReLU(),
      new nn.Linear(sizes[1]!, sizes[2]!),
      new nn.ReLU(),
      new nn.Linear(sizes[2]!, sizes[3]!),
    );
    const x = fl.keep(fl.randn([batch, sizes[0]!]));
    const y = fl.keep(fl.randint(0, sizes[3]!, [batch]));
    const opt = new fl.optim.Adam(net.parameters(), { lr: 1e-3 });
    const step = () =>
      fl.tidy(() => {
        opt.zeroGrad();
        const loss = nn.F.crossEntropy(net.forward(x), y);
        loss.backward();
        opt.step();
        return loss.item();
      });
    step();
    const start = inner.stats().bytes;
    peak = start;
    step();
    peak = Math.max(peak, inner.stats().bytes);
    const activations = sizes.slice(1).reduce((n, s) => n + batch * s * 4, 0);
    assert.equal(inner.stats().bytes, start, 'the step leaves nothing behind');
    const result = { peak: peak - start, activations };
    opt.dispose();
    for (const p of net.parameters()) p.dispose();
    x.dispose();
    y.dispose();
    return result;
  } finally {
    fl.setDefaultDevice(prev);
  }
}

export const probes: Probe[] = [
  {
    id: 'adam/in-place-update-reaches-views',
    expect: 'ok',
    run: ({ fl }) => {
      const p = fl.keep(fl.tensor([1, 2, 3, 4]).requiresGrad_());
      const view = p.view([2, 2]).transpose(0, 1);
      const opt = new fl.optim.Adam([p], { lr: 0.1 });
      p.grad = fl.tensor([1, -1, 1, -1]);
      opt.step();
      const want = [0.9, 2.1, 2.9, 4.1];
      Array.from(p.dataSync() as Float32Array).forEach((v, i) =>
        assert.ok(Math.abs(v - want[i]!) < 1e-6, `p[${i}] = ${v}`),
      );
      const q = Array.from(p.dataSync() as Float32Array);
      assert.deepEqual(Array.from(view.contiguous().dataSync() as Float32Array), [
        q[0],
        q[2],
        q[1],
        q[3],
      ]);
    },
  },
  {
    id: 'adam/overwritten-saved-parameter-refuses-backward',
    expect: { throws: 'GradError', match: /'mul' saved .*in-place operation \(adamStep\)/ },
    run: ({ fl }) => {
      const p = fl.keep(fl.tensor([1, 2, 3]).requiresGrad_());
      const loss = p.mul(p).sum();
      loss.backward(undefined, { retainGraph: true });
      new fl.optim.Adam([p], { lr: 0.1 }).step();
      loss.backward();
    },
  },
  {
    id: 'adam/grad-on-the-parameter-storage-matches-composite',
    expect: 'ok',
    run: ({ fl }) =>
      sameAsComposite(
        fl,
        () => fl.tensor([0.5, -1, 2, 3, -0.25, 1.5]),
        (p) => p.detach(),
      ),
  },
  {
    id: 'adam/strided-parameter-matches-composite',
    expect: 'ok',
    run: ({ fl }) =>
      sameAsComposite(
        fl,
        () =>
          fl
            .tensor([
              [0.5, -1, 2],
              [3, -0.25, 1.5],
            ])
            .transpose(0, 1),
        (_, i) =>
          fl.tensor([
            [1, -2],
            [0.5, 3],
            [-1, i],
          ]),
      ),
  },
  {
    id: 'adam/state-aliasing-the-parameter-does-not-crash',
    expect: 'ok',
    run: ({ fl }) => {
      const p = fl.keep(fl.tensor([1, 2, 3]).requiresGrad_());
      const opt = new fl.optim.Adam([p], { lr: 0.1 });
      p.grad = fl.tensor([1, 1, 1]);
      opt.step();
      // An adversarial caller points the first moment at the parameter itself.
      const s = opt.state.get(p) as unknown as { expAvg: T };
      s.expAvg.dispose();
      s.expAvg = p;
      opt.step();
      assert.equal((p.dataSync() as Float32Array).length, 3);
    },
  },
  {
    id: 'adam/disposed-state-is-a-typed-error',
    expect: { throws: 'DisposedTensorError' },
    run: ({ fl }) => {
      const p = fl.keep(fl.tensor([1, 2, 3]).requiresGrad_());
      const opt = new fl.optim.Adam([p], { lr: 0.1 });
      p.grad = fl.tensor([1, 1, 1]);
      opt.step();
      (opt.state.get(p) as unknown as { expAvgSq: T }).expAvgSq.dispose();
      opt.step();
    },
  },
  {
    id: 'adam/kernel-in-place-on-shared-buffers-refused',
    devices: ['native'],
    expect: { throws: 'BackendError', match: /four distinct buffers/ },
    run: ({ fl, device }) => {
      const kernel = fl.getBackend(device).overrides!.adamStep!;
      const p = fl.tensor([1, 2, 3]);
      const g = fl.tensor([1, 1, 1]);
      kernel(kview(p), kview(g), kview(p), kview(p), ADAM);
    },
  },
  {
    id: 'adam/kernel-in-place-on-strided-views-refused',
    devices: ['native'],
    expect: { throws: 'BackendError', match: /contiguous/ },
    run: ({ fl, device }) => {
      const kernel = fl.getBackend(device).overrides!.adamStep!;
      const [p, m, v] = [0, 1, 2].map(() => fl.zeros([2, 3]).transpose(0, 1));
      kernel(kview(p!), kview(fl.ones([3, 2])), kview(m!), kview(v!), ADAM);
    },
  },
  {
    id: 'mlp-step/peak-within-state-plus-activations',
    expect: 'ok',
    run: ({ fl, device }) => {
      const { peak, activations } = mlpStepPeak(fl, device);
      // Above what persists between steps, a step may hold one set of activations (and their
      // gradients in flight, never all at once) plus scalars: never a parameter-sized buffer.
      assert.ok(peak <= activations + 64, `peak rise ${peak} B > ${activations + 64} B`);
    },
  },
];
