/**
 * Peak memory of a training step (issue 14): the live bytes at the worst moment of
 * zeroGrad → forward → backward → Adam step stay within what the step must hold, and the
 * in-place optimizer update keeps PyTorch's semantics (views, version counters, fallbacks).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import type { Backend } from '@flint/core/backend';
import { cpuBackend } from '@flint/backend-cpu';

const inner = cpuBackend({ name: 'cpu-peak-inner' });
/** The highest live byte count seen; sampled before every free (bytes only fall at frees). */
let peak = 0;
const probe: Backend = {
  ...inner,
  name: 'cpu-peak-test',
  free(buf: unknown) {
    peak = Math.max(peak, inner.stats().bytes);
    inner.free(buf as Parameters<typeof inner.free>[0]);
  },
} as Backend;
beforeAll(() => fl.use(probe));
afterAll(() => fl.removeBackend(probe.name));

const F32 = 4;

/** Peak live bytes while `fn` runs (the end state included). */
function peakOf(fn: () => void): number {
  peak = inner.stats().bytes;
  fn();
  return Math.max(peak, inner.stats().bytes);
}

function mlp(sizes: readonly number[]): fl.nn.Sequential {
  const layers: fl.nn.Module[] = [];
  for (let i = 1; i < sizes.length; i++) {
    layers.push(new fl.nn.Linear(sizes[i - 1]!, sizes[i]!));
    if (i + 1 < sizes.length) layers.push(new fl.nn.ReLU());
  }
  return new fl.nn.Sequential(...layers);
}

describe('peak memory of an MLP training step', () => {
  it('holds parameters, grads, Adam state and batch plus at most one set of activations', () => {
    fl.manualSeed(0);
    // A first layer much larger than the activations, as in the benchmark's 784-128-64-10: a
    // step that materialised a parameter-sized buffer would blow the bound at once.
    const sizes = [96, 48, 24, 6];
    const batch = 8;
    const net = mlp(sizes);
    const x = fl.keep(fl.randn([batch, sizes[0]!]));
    const y = fl.keep(fl.randint(0, sizes[3]!, [batch]));
    const opt = new fl.optim.Adam(net.parameters(), { lr: 1e-3 });
    const step = () =>
      fl.tidy(() => {
        opt.zeroGrad();
        const loss = fl.nn.F.crossEntropy(net.forward(x), y);
        loss.backward();
        opt.step();
        return loss.item();
      });
    step(); // Adam's state exists from here on, as in every later step
    const params = net.parameters().reduce((n, p) => n + p.size, 0) * F32;
    // Parameters, their grads (from the previous step, freed by zeroGrad), exp_avg, exp_avg_sq.
    const state = 4 * params + x.size * F32 + y.size * F32;
    expect(inner.stats().bytes).toBe(state);
    // Each layer's output (its gradient in flight is the same size); scalars need a few bytes.
    const activations = sizes.slice(1).reduce((n, s) => n + batch * s * F32, 0);
    const measured = peakOf(step);
    expect(measured).toBeLessThanOrEqual(state + activations + 64);
    expect(inner.stats().bytes).toBe(state); // and nothing is left behind
    opt.dispose();
    for (const p of net.parameters()) p.dispose();
    x.dispose();
    y.dispose();
  });

  it('frees each backward rule’s temporaries as soon as the rule returns', () => {
    // relu's rule makes a bool mask and a zero-filled operand besides the gradient it returns:
    // down a chain of relus, none of those may pile up (they used to live until the pass ended).
    const n = 1024;
    const before = inner.stats().bytes;
    const w = fl.keep(fl.randn([n], { requiresGrad: true }));
    const depth = 8;
    const measured = peakOf(() =>
      fl.tidy(() => {
        let h = w;
        for (let i = 0; i < depth; i++) h = h.relu();
        h.sum().backward();
      }),
    );
    const base = before + (n + n) * F32; // w and w.grad after the pass
    // Forward: depth outputs, each saved by the next relu; backward adds at most a gradient in
    // flight, the one being made, a mask and small scalars at a time.
    expect(measured).toBeLessThanOrEqual(base + depth * n * F32 + 2 * n * F32 + n + 64);
    w.dispose();
  });
});

describe('Adam updating in place', () => {
  it('updates views of a parameter, as an in-place update does', () => {
    const p = fl.keep(fl.tensor([1, 2, 3, 4]).requiresGrad_());
    const view = p.view([2, 2]);
    const opt = new fl.optim.Adam([p], { lr: 0.1 });
    p.grad = fl.tensor([1, -1, 1, -1]);
    opt.step();
    // Adam's first step moves every element by lr against the gradient's sign.
    expect(Array.from(p.dataSync())).toEqual([
      expect.closeTo(0.9, 6),
      expect.closeTo(2.1, 6),
      expect.closeTo(2.9, 6),
      expect.closeTo(4.1, 6),
    ]);
    expect(Array.from(view.dataSync())).toEqual(Array.from(p.dataSync()));
    opt.dispose();
    view.dispose();
    p.dispose();
  });

  it('makes backward through a graph that saved the parameter throw, as torch does', () => {
    const p = fl.keep(fl.tensor([1, 2, 3]).requiresGrad_());
    const loss = p.mul(p).sum(); // mul saves p
    loss.backward(undefined, { retainGraph: true });
    const opt = new fl.optim.Adam([p], { lr: 0.1 });
    opt.step();
    let err: unknown;
    try {
      loss.backward();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(fl.GradError);
    expect((err as Error).message).toMatch(/'mul' saved .* in-place operation \(adamStep\)/);
    opt.dispose();
    loss.dispose();
    p.dispose();
  });

  it('gives the same result when the gradient shares the parameter’s storage', () => {
    // Written in place, p would change under the kernel reading it as the gradient: core falls
    // back to fresh buffers, and the values match the composite update.
    const run = (decomposed: boolean) => {
      const p = fl.keep(fl.tensor([0.5, -1, 2, 3]).requiresGrad_());
      const opt = new fl.optim.Adam([p], { lr: 0.1, weightDecay: 0.1 });
      const go = () => {
        for (let i = 0; i < 3; i++) {
          p.grad = p.detach(); // shares p's storage
          opt.step();
        }
      };
      if (decomposed) fl.decomposed.run(go);
      else go();
      const out = Array.from(p.dataSync());
      opt.dispose();
      p.dispose();
      return out;
    };
    const fused = run(false);
    const composite = run(true);
    fused.forEach((v, i) => expect(v).toBeCloseTo(composite[i]!, 6));
  });
});

describe('SGD updating in place', () => {
  it('updates the parameter and its momentum buffer where views see them', () => {
    const p = fl.keep(fl.tensor([1, 2, 3]).requiresGrad_());
    const view = p.narrow(0, 1, 2);
    const opt = new fl.optim.SGD([p], { lr: 0.5, momentum: 0.9 });
    p.grad = fl.tensor([1, 1, 1]);
    opt.step(); // first step: the buffer is the gradient
    const buf = opt.state.get(p)!.momentumBuffer!;
    const bufView = buf.narrow(0, 0, 1);
    opt.step(); // b = 0.9·1 + 1 = 1.9; p -= 0.5·1.9
    expect(Array.from(p.dataSync())).toEqual([
      expect.closeTo(1 - 0.5 - 0.95, 6),
      expect.closeTo(2 - 0.5 - 0.95, 6),
      expect.closeTo(3 - 0.5 - 0.95, 6),
    ]);
    expect(Array.from(view.dataSync())).toEqual(Array.from(p.dataSync()).slice(1));
    expect(bufView.item()).toBeCloseTo(1.9, 6);
    bufView.dispose();
    view.dispose();
    opt.dispose();
    p.dispose();
  });
});
