/**
 * Soak loops: the guides' own training loops (docs/guide autograd, training PyTorch-style and
 * Keras-style, the data guide's DataLoader loop), written as the guides write them, on small
 * models so that 10,000 steps stay quick. Each loop samples `fl.memory()` as it goes; a loop that
 * leaks shows up as a live-tensor count or byte count that rises between samples.
 *   node dist/src/soak-cli.js <cpu|native> [steps]   (prints the figures in docs/guide/memory.md)
 */
import type * as Flint from '@flint/core';

type Fl = typeof Flint;

export interface Sample {
  step: number;
  tensors: number;
  bytes: number;
}

export interface SoakResult {
  loop: string;
  steps: number;
  /** fl.memory() before the loop, and every `steps / 10` steps during it. */
  samples: Sample[];
  /** fl.memory() after the loop disposed its model and data: the same as before it. */
  after: Sample;
  ms: number;
}

/** A loop of the guides: runs `steps` steps, calling `sample(step)` now and then. */
type Loop = (fl: Fl, steps: number, sample: (step: number) => void) => Promise<void> | void;

/** Small data: 64 samples of 8 features, 3 classes (as the guides' shapes, scaled down). */
function data(fl: Fl): [Flint.Tensor, Flint.Tensor] {
  fl.manualSeed(0);
  return [fl.randn([64, 8]), fl.randint(0, 3, [64])];
}

/** docs/guide/autograd.md: backward, then reset the gradient with `w.grad = null`. */
const autograd: Loop = (fl, steps, sample) => {
  const w = fl.randn([8], { requiresGrad: true });
  const x = fl.randn([8]);
  for (let step = 1; step <= steps; step++) {
    fl.tidy(() => {
      const y = x.mul(w).tanh().sum();
      y.backward(); // w.grad = dy/dw
      fl.noGrad(() => w.sub_(w.grad!.mul(0.01)));
    });
    w.grad = null;
    sample(step);
  }
  fl.dispose([w, x]);
};

/** docs/guide/training.md, PyTorch style: a Module subclass, Adam, a DataLoader, tidy per step. */
const torchStyle: Loop = (fl, steps, sample) => {
  const { nn } = fl;
  class MLP extends nn.Module {
    fc1 = new nn.Linear(8, 16);
    fc2 = new nn.Linear(16, 3);
    forward(x: Flint.Tensor): Flint.Tensor {
      return this.fc2.forward(this.fc1.forward(x).relu());
    }
  }
  const [x, y] = data(fl);
  const model = new MLP();
  const optimizer = new fl.optim.Adam(model.parameters(), { lr: 1e-3 });
  const criterion = new nn.CrossEntropyLoss();
  const loader = new fl.data.DataLoader(new fl.data.TensorDataset(x, y), {
    batchSize: 8,
    shuffle: true,
    seed: 0,
  });
  let step = 0;
  while (step < steps) {
    model.train();
    for (const [xb, yb] of loader) {
      fl.tidy(() => {
        optimizer.zeroGrad();
        const l = criterion.forward(model.forward(xb!), yb!);
        l.backward();
        optimizer.step();
        return l.item();
      });
      sample(++step);
      if (step === steps) break;
    }
  }
  optimizer.dispose();
  fl.dispose([model, x, y]);
};

/** docs/guide/training.md, Keras style: Sequential, compile with a name, fit on tensors. */
const kerasStyle: Loop = async (fl, steps, sample) => {
  const { nn } = fl;
  const [x, y] = data(fl);
  const net = new nn.Sequential(new nn.Linear(8, 16), new nn.ReLU(), new nn.Linear(16, 3));
  const model = new fl.Model(net).compile({
    optimizer: 'adam',
    loss: 'crossEntropy',
    metrics: ['accuracy'],
  });
  let step = 0;
  const perEpoch = 64 / 8;
  await model.fit(x, y, {
    epochs: Math.ceil(steps / perEpoch),
    batchSize: 8,
    seed: 0,
    verbose: 0,
    callbacks: [{ onBatchEnd: () => sample(++step) }],
  });
  fl.dispose([model, x, y]); // the module and the optimizer compile made
};

/** docs/guide/data.md: `for (const [xb, yb] of loader) fl.tidy(() => { ... })`. */
const dataLoop: Loop = (fl, steps, sample) => {
  const { nn } = fl;
  const F = nn.functional;
  const [x, y] = data(fl);
  const model = new nn.Sequential(new nn.Linear(8, 3));
  const opt = new fl.optim.SGD(model.parameters(), { lr: 0.1 });
  const ds = new fl.data.TensorDataset(x, y);
  const [train] = fl.data.randomSplit(ds, [0.75, 0.25], 42);
  const loader = new fl.data.DataLoader(train!, { batchSize: 8, shuffle: true, seed: 0 });
  let step = 0;
  while (step < steps)
    for (const [xb, yb] of loader) {
      fl.tidy(() => {
        const loss = F.crossEntropy(model.forward(xb!), yb!);
        loss.backward();
        opt.step();
        opt.zeroGrad();
      });
      sample(++step);
      if (step === steps) break;
    }
  opt.dispose();
  fl.dispose([model, x, y]);
};

export const LOOPS: Record<string, Loop> = {
  autograd,
  'training (PyTorch style)': torchStyle,
  'training (Keras style)': kerasStyle,
  'data loader': dataLoop,
};

/** Run one loop for `steps` steps, sampling fl.memory() before and every steps/10 steps. */
export async function soak(fl: Fl, loop: string, steps: number): Promise<SoakResult> {
  const every = Math.max(1, Math.floor(steps / 10));
  const samples: Sample[] = [];
  const take = (step: number) => {
    const m = fl.memory();
    samples.push({ step, tensors: m.tensors, bytes: m.bytes });
  };
  take(0);
  const t0 = performance.now();
  await LOOPS[loop]!(fl, steps, (step) => {
    if (step % every === 0) take(step);
  });
  const ms = performance.now() - t0;
  const m = fl.memory();
  return { loop, steps, samples, after: { step: steps, tensors: m.tensors, bytes: m.bytes }, ms };
}
