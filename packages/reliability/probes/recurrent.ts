/**
 * LSTM and GRU with the native backend's fused sequence kernels (issue 14): bad states and dtypes
 * through the public layers, inconsistent views handed to the fused kernels directly (past
 * core's checks, so that the addon's own checks are probed), special values, and the fused path
 * against the composite (`fl.decomposed.run`) on the same inputs, gradients and memory included.
 */
import assert from 'node:assert/strict';
import type * as Flint from '@flint/core';
import type { KView } from '@flint/core/backend';
import type { Probe } from '../src/probe.js';

type Fl = typeof Flint;
const NATIVE = ['native'] as const;

/** A contiguous kernel view of a tensor's buffer, with the given (possibly wrong) shape. */
function view(t: Flint.Tensor, shape: number[]): KView<unknown> {
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  return { buf: t.storage.buf, dtype: t.dtype, shape, strides, offset: 0 } as KView<unknown>;
}

/** The tensor's backend's override `name`, as plain JS calls it. */
function override(t: Flint.Tensor, name: string): (...a: unknown[]) => unknown {
  const o = t.storage.backend.overrides as unknown as Record<string, (...a: unknown[]) => unknown>;
  return o[name]!;
}

/** Loss and every gradient of a small layer run, with overrides on or off. */
function lossAndGrads(fl: Fl, kind: 'lstm' | 'gru', off: boolean, x0: number[]): number[] {
  const run = () =>
    fl.tidy(() => {
      fl.manualSeed(3);
      const m =
        kind === 'lstm'
          ? new fl.nn.LSTM(3, 4, { bidirectional: true, dtype: 'float64' })
          : new fl.nn.GRU(3, 4, { numLayers: 2, batchFirst: true, dtype: 'float64' });
      const x = fl.tensor(x0, { dtype: 'float64' }).reshape([2, 2, 3]).requiresGrad_();
      const [out, st] = m.forward(x) as [Flint.Tensor, Flint.Tensor | Flint.Tensor[]];
      const h = Array.isArray(st) ? st[0]! : st;
      const loss = out.square().sum().add(h.sum());
      loss.backward();
      const grads = [x, ...m.parameters()].flatMap((p) => Array.from(p.grad!.dataSync()));
      const res = [loss.item(), ...grads];
      for (const p of m.parameters()) p.dispose();
      return res;
    });
  return off ? fl.decomposed.run(run) : run();
}

const X0 = [0.5, -1, 2, 0.25, 3, -0.5, 1.5, -2, 0.1, 0, 0.75, -1.25];

function sameAsComposite(fl: Fl, kind: 'lstm' | 'gru'): void {
  const fused = lossAndGrads(fl, kind, false, X0);
  const composite = lossAndGrads(fl, kind, true, X0);
  assert.equal(fused.length, composite.length);
  fused.forEach((v, i) =>
    assert.ok(Math.abs(v - composite[i]!) <= 1e-10 * (1 + Math.abs(composite[i]!)), `${i}`),
  );
}

export const probes: Probe[] = [
  {
    id: 'lstm/h0-wrong-batch',
    expect: {
      throws: 'ShapeError',
      match: /LSTM: expected h0 of shape \[1,3,4\] for input \[5,3,2\], got \[1,2,4\]/,
    },
    run: ({ fl }) => {
      const m = new fl.nn.LSTM(2, 4);
      m.forward(fl.zeros([5, 3, 2]), [fl.zeros([1, 2, 4]), fl.zeros([1, 3, 4])]);
    },
  },
  {
    id: 'gru/input-dtype',
    expect: { throws: 'DTypeError', match: /GRU: input dtype float64 does not match/ },
    run: ({ fl }) => new fl.nn.GRU(2, 3).forward(fl.zeros([4, 1, 2], { dtype: 'float64' })),
  },
  {
    id: 'lstm/c0-not-a-tensor',
    expect: { throws: 'FlintError', match: /LSTM/ },
    run: ({ fl }) =>
      new fl.nn.LSTM(2, 3).forward(fl.zeros([4, 1, 2]), [
        fl.zeros([1, 1, 3]),
        { shape: [1, 1, 3] },
      ] as unknown as [Flint.Tensor, Flint.Tensor]),
  },
  {
    id: 'kernel/lstmSequence-weight-mismatch',
    devices: NATIVE,
    expect: { throws: 'BackendError', match: /lstmSequence: weightHh float32 \[8, 3\]/ },
    run: ({ fl }) => {
      const gi = fl.zeros([2, 3, 8]);
      const w = fl.zeros([8, 3]);
      const s = fl.zeros([3, 2]);
      override(gi, 'lstmSequence')(
        view(gi, [2, 3, 8]),
        view(w, [8, 3]),
        view(s, [3, 2]),
        view(s, [3, 2]),
        false,
      );
    },
  },
  {
    id: 'kernel/lstmSequence-state-mismatch',
    devices: NATIVE,
    expect: { throws: 'BackendError', match: /lstmSequence: c0 float32 \[2, 2\]/ },
    run: ({ fl }) => {
      const gi = fl.zeros([2, 3, 8]);
      const w = fl.zeros([8, 2]);
      const [h, c] = [fl.zeros([3, 2]), fl.zeros([2, 2])];
      override(gi, 'lstmSequence')(
        view(gi, [2, 3, 8]),
        view(w, [8, 2]),
        view(h, [3, 2]),
        view(c, [2, 2]),
        true,
      );
    },
  },
  {
    id: 'kernel/gruSequenceBackward-saved-mismatch',
    devices: NATIVE,
    expect: { throws: 'BackendError', match: /gruSequenceBackward: saved float32 \[2, 3, 6\]/ },
    run: ({ fl }) => {
      const saved = fl.zeros([2, 3, 6]);
      const w = fl.zeros([6, 2]);
      const hs = fl.zeros([2, 3, 2]);
      const h0 = fl.zeros([3, 2]);
      override(saved, 'gruSequenceBackward')(
        view(saved, [2, 3, 6]),
        view(hs, [2, 3, 2]),
        view(w, [6, 2]),
        view(h0, [3, 2]),
        view(hs, [2, 3, 2]),
        false,
        true,
      );
    },
  },
  {
    id: 'kernel/gruSequence-bias-mismatch',
    devices: NATIVE,
    expect: { throws: 'BackendError', match: /gruSequence: biasHh must have 3·H elements/ },
    run: ({ fl }) => {
      const gi = fl.zeros([2, 1, 6]);
      const w = fl.zeros([6, 2]);
      const b = fl.zeros([5]);
      const h0 = fl.zeros([1, 2]);
      override(gi, 'gruSequence')(
        view(gi, [2, 1, 6]),
        view(w, [6, 2]),
        view(b, [5]),
        view(h0, [1, 2]),
        false,
      );
    },
  },
  {
    id: 'lstm/fused-matches-composite',
    expect: 'ok',
    run: ({ fl }) => sameAsComposite(fl, 'lstm'),
  },
  {
    id: 'gru/fused-matches-composite',
    expect: 'ok',
    run: ({ fl }) => sameAsComposite(fl, 'gru'),
  },
  {
    id: 'lstm/nan-and-inf-inputs',
    expect: 'ok',
    run: ({ fl }) => {
      const x = [NaN, 1, Infinity, -Infinity, 0, 2, 1e30, -1e30, 3, 0.5, -0.5, 1];
      const outs = (off: boolean) => {
        const f = () =>
          fl.tidy(() => {
            fl.manualSeed(5);
            const m = new fl.nn.LSTM(3, 2);
            const [out, [h, c]] = m.forward(fl.tensor(x).reshape([4, 1, 3]));
            const v = [out, h, c].flatMap((t) => Array.from(t.dataSync()));
            for (const p of m.parameters()) p.dispose();
            return v;
          });
        return off ? fl.decomposed.run(f) : f();
      };
      const [a, b] = [outs(false), outs(true)];
      a.forEach((v, i) =>
        Number.isNaN(b[i])
          ? assert.ok(Number.isNaN(v), `${i}`)
          : assert.ok(Math.abs(v - b[i]!) < 1e-5, `${i}`),
      );
      assert.ok(
        a.some((v) => Number.isNaN(v)),
        'NaN propagates',
      );
    },
  },
  {
    id: 'gru/no-leak-after-training-steps',
    expect: 'ok',
    run: ({ fl }) => {
      const m = new fl.nn.GRU(4, 5, { bidirectional: true });
      const x = fl.randn([6, 2, 4]);
      const step = () =>
        fl.tidy(() => {
          const [out, h] = m.forward(x);
          out.sum().add(h.sum()).backward();
        });
      step(); // the gradients now exist; later steps accumulate into them
      const before = fl.memory().tensors;
      for (let i = 0; i < 3; i++) step();
      assert.equal(fl.memory().tensors, before);
    },
  },
];
