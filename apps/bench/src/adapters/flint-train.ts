/**
 * Flint training steps written with plain tensor ops (core has no fl.nn / fl.optim yet): weights
 * are kept leaves, the loss is logSoftmax + gather, and Adam is tensor arithmetic under noGrad.
 * Ops are never in place in core, so each step swaps in new parameter and moment tensors and
 * disposes the old ones. When fl.nn and fl.optim land these become a Module and `optim.Adam`.
 */
import * as fl from '@flint/core';
import type { Specs } from '../harness/types.js';

export interface Model {
  /** One training step; returns the loss (read back, as a training loop logging it would). */
  step(): number;
  dispose(): void;
}

const B1 = 0.9;
const B2 = 0.999;
const EPS = 1e-8;
const LR = 1e-3;

/** Adam over a list of parameters that are replaced (not mutated) on every step. */
class Adam {
  private m: fl.Tensor[];
  private v: fl.Tensor[];
  private t = 0;
  constructor(public params: fl.Tensor[]) {
    this.m = params.map((p) => fl.keep(fl.zerosLike(p)));
    this.v = params.map((p) => fl.keep(fl.zerosLike(p)));
  }
  step(): void {
    this.t++;
    const c1 = 1 - B1 ** this.t;
    const c2 = 1 - B2 ** this.t;
    fl.noGrad(() =>
      this.params.forEach((p, i) => {
        // One scope per parameter: its temporaries go before the next parameter's are made.
        const [next, m, v] = fl.tidy(() => {
          const g = p.grad!;
          const m = this.m[i]!.mul(B1).add(g.mul(1 - B1));
          const v = this.v[i]!.mul(B2).add(g.square().mul(1 - B2));
          return [p.sub(m.div(v.div(c2).sqrt().add(EPS)).mul(LR / c1)), m, v];
        });
        p.dispose(); // also frees p.grad
        this.m[i]!.dispose();
        this.v[i]!.dispose();
        this.params[i] = fl.keep(next!).requiresGrad_(true);
        this.m[i] = fl.keep(m!);
        this.v[i] = fl.keep(v!);
      }),
    );
  }
  dispose(): void {
    for (const t of [...this.params, ...this.m, ...this.v]) t.dispose();
  }
}

/** He-initialised weight [fanIn, fanOut], as a kept leaf. */
function weight(fanIn: number, fanOut: number): fl.Tensor {
  return fl
    .keep(fl.tidy(() => fl.randn([fanIn, fanOut]).mul(Math.sqrt(2 / fanIn))))
    .requiresGrad_(true);
}

/** Weight and zero bias of a linear layer. */
function linear(fanIn: number, fanOut: number): fl.Tensor[] {
  return [weight(fanIn, fanOut), fl.keep(fl.zeros([fanOut])).requiresGrad_(true)];
}

/** Mean softmax cross-entropy of logits [B, C] against int32 labels [B, 1]. */
function crossEntropy(logits: fl.Tensor, labels: fl.Tensor): fl.Tensor {
  return logits.logSoftmax(1).gather(1, labels).mean().neg();
}

function trainer(
  params: fl.Tensor[],
  data: fl.Tensor[],
  loss: (p: fl.Tensor[]) => fl.Tensor,
): Model {
  const opt = new Adam(params);
  return {
    step: () =>
      fl.tidy(() => {
        const l = loss(opt.params);
        l.backward();
        const value = l.item();
        opt.step();
        return value;
      }),
    dispose() {
      opt.dispose();
      for (const d of data) d.dispose();
    },
  };
}

const labels = (batch: number, classes: number) => fl.keep(fl.randint(0, classes, [batch, 1]));

export function mlpModel(batch: number, sizes: readonly number[]): Model {
  const params = sizes.slice(1).flatMap((out, i) => linear(sizes[i]!, out));
  const x = fl.keep(fl.randn([batch, sizes[0]!]));
  const y = labels(batch, sizes[sizes.length - 1]!);
  return trainer(params, [x, y], (p) => {
    let h = x;
    for (let i = 0; i < p.length; i += 2) {
      h = h.matmul(p[i]!).add(p[i + 1]!);
      if (i + 2 < p.length) h = h.relu();
    }
    return crossEntropy(h, y);
  });
}

/**
 * One-layer LSTM (gate order i, f, g, o as in PyTorch) over [seq, batch, input], a linear head
 * on the last hidden state. The input projection of all steps is one matmul, as cuDNN and
 * PyTorch do; only the recurrent matmul runs per step.
 */
export function lstmModel(s: Specs['lstmStep']): Model {
  const [wx, b] = linear(s.input, 4 * s.hidden);
  const params = [wx!, weight(s.hidden, 4 * s.hidden), b!, ...linear(s.hidden, s.classes)];
  const x = fl.keep(fl.randn([s.seq, s.batch, s.input]));
  const y = labels(s.batch, s.classes);
  return trainer(params, [x, y], ([wx, wh, b, wo, bo]) => {
    const xw = x
      .reshape([s.seq * s.batch, s.input])
      .matmul(wx!)
      .add(b!)
      .reshape([s.seq, s.batch, 4 * s.hidden]);
    let h = fl.zeros([s.batch, s.hidden]);
    let c = fl.zeros([s.batch, s.hidden]);
    for (let t = 0; t < s.seq; t++) {
      const [i, f, g, o] = xw.index(t).add(h.matmul(wh!)).chunk(4, 1) as [
        fl.Tensor,
        fl.Tensor,
        fl.Tensor,
        fl.Tensor,
      ];
      c = f.sigmoid().mul(c).add(i.sigmoid().mul(g.tanh()));
      h = o.sigmoid().mul(c.tanh());
    }
    return crossEntropy(h.matmul(wo!).add(bo!), y);
  });
}
