/**
 * Memory and autograd from JavaScript: a training loop written without `fl.tidy` (issue 15 item
 * 10) must stay bounded or warn once, and backward through tensors the caller disposed must be a
 * typed error instead of a silently dropped gradient (item 7).
 */
import assert from 'node:assert/strict';
import type * as Flint from '@flint/core';
import type { Probe } from '../src/probe.js';

type Fl = typeof Flint;

/** The guide's PyTorch-style MLP, loss and Adam, at a size that runs 3,000 steps quickly. */
function guideLoop(fl: Fl) {
  const { nn } = fl;
  class MLP extends nn.Module {
    fc1 = new nn.Linear(64, 32);
    fc2 = new nn.Linear(32, 16);
    fc3 = new nn.Linear(16, 10);
    forward(x: Flint.Tensor): Flint.Tensor {
      return this.fc3.forward(this.fc2.forward(this.fc1.forward(x.flatten(1)).relu()).relu());
    }
  }
  fl.manualSeed(0);
  const model = new MLP();
  const optimizer = new fl.optim.Adam(model.parameters(), { lr: 1e-3 });
  const criterion = new nn.CrossEntropyLoss();
  const xb = fl.keep(fl.rand([16, 1, 8, 8]));
  const yb = fl.keep(fl.randint(0, 10, [16]));
  /** One step as a PyTorch user writes it: no tidy, nothing disposed. */
  const step = (): number => {
    optimizer.zeroGrad();
    const loss = criterion.forward(model.forward(xb), yb);
    loss.backward();
    optimizer.step();
    return loss.item();
  };
  return { step, outputBytes: (16 * 10 + 1) * 4 };
}

/** Runs `fn` with console.warn captured; returns the warnings. */
function warnings(fn: () => void): string[] {
  const seen: string[] = [];
  const prev = console.warn;
  console.warn = (...a: unknown[]) => void seen.push(a.map(String).join(' '));
  try {
    fn();
  } finally {
    console.warn = prev;
  }
  return seen;
}

const LOOP_MS = 120_000;

export const probes: Probe[] = [
  {
    id: 'forgotten-tidy/3000-steps-bounded-and-warns-once',
    expect: 'ok',
    timeoutMs: LOOP_MS,
    run: ({ fl }) => {
      fl.config({ warnLeaks: true });
      const { step, outputBytes } = guideLoop(fl);
      const first = step();
      let mid = fl.memory();
      let last = 0;
      const seen = warnings(() => {
        for (let i = 1; i < 3000; i++) {
          last = step();
          if (i === 999) mid = fl.memory();
        }
      });
      const end = fl.memory();
      // Forwards free their intermediates: what grows is what the loop drops (logits and loss).
      assert.ok((end.tensors - mid.tensors) / 2000 <= 2, `${end.tensors - mid.tensors} tensors`);
      assert.ok((end.bytes - mid.bytes) / 2000 <= outputBytes, `${end.bytes - mid.bytes} bytes`);
      assert.equal(seen.length, 1, `warnings: ${seen.length}`);
      assert.match(seen[0]!, /fl\.tidy\(/);
      assert.match(seen[0]!, /fl\.config\(\{ warnLeaks: false \}\)/);
      assert.ok(last < first, `loss ${first} → ${last}`);
    },
  },
  {
    id: 'forgotten-tidy/tidy-loop-is-flat-and-silent',
    expect: 'ok',
    timeoutMs: LOOP_MS,
    run: ({ fl }) => {
      fl.config({ warnLeaks: true });
      const { step } = guideLoop(fl);
      fl.tidy(step); // Adam creates its state on the first step
      const start = fl.memory();
      const seen = warnings(() => {
        for (let i = 0; i < 1500; i++) fl.tidy(step);
      });
      assert.deepEqual(seen, []);
      assert.equal(fl.memory().tensors, start.tensors);
      assert.equal(fl.memory().bytes, start.bytes);
    },
  },
  {
    id: 'forgotten-tidy/silenced-by-config',
    expect: 'ok',
    timeoutMs: LOOP_MS,
    run: ({ fl }) => {
      fl.config({ warnLeaks: false });
      const { step } = guideLoop(fl);
      const seen = warnings(() => {
        for (let i = 0; i < 1500; i++) step();
      });
      fl.config({ warnLeaks: true });
      assert.deepEqual(seen, []);
    },
  },
  {
    id: 'forgotten-tidy/keras-fit-is-silent',
    expect: 'ok',
    timeoutMs: LOOP_MS,
    run: async ({ fl }) => {
      fl.config({ warnLeaks: true });
      fl.manualSeed(0);
      const x = fl.randn([1300, 8]);
      const y = fl.randint(0, 3, [1300]);
      const net = new fl.nn.Sequential(
        new fl.nn.Linear(8, 16),
        new fl.nn.ReLU(),
        new fl.nn.Linear(16, 3),
      );
      const model = new fl.Model(net).compile({
        optimizer: (p) => new fl.optim.SGD(p, { lr: 0.01 }),
        loss: 'crossEntropy',
      });
      const seen: string[] = [];
      const prev = console.warn;
      console.warn = (...a: unknown[]) => void seen.push(a.map(String).join(' '));
      try {
        await model.fit(x, y, { epochs: 1, batchSize: 1, verbose: 0 });
      } finally {
        console.warn = prev;
      }
      assert.deepEqual(seen, []);
    },
  },
  {
    id: 'forward/intermediates-freed-outputs-kept',
    expect: 'ok',
    run: ({ fl }) => {
      const lin = new fl.nn.Linear(4, 3);
      const x = fl.randn([2, 4]);
      const start = fl.memory().tensors;
      const y = fl.noGrad(() => lin.forward(x).relu().mul(2));
      assert.equal(fl.memory().tensors, start + 3); // y and the two top-level intermediates
      const seq = new fl.nn.Sequential(
        new fl.nn.Linear(4, 8),
        new fl.nn.ReLU(),
        new fl.nn.Linear(8, 2),
      );
      const before = fl.memory().tensors;
      const z = fl.noGrad(() => seq.forward(x));
      assert.equal(fl.memory().tensors, before + 1);
      assert.deepEqual(z.shape, [2, 2]);
      assert.deepEqual(y.shape, [2, 3]);
    },
  },
  {
    id: 'forward/graph-survives-freed-intermediates',
    expect: 'ok',
    run: ({ fl }) => {
      const seq = new fl.nn.Sequential(
        new fl.nn.Linear(3, 5),
        new fl.nn.Tanh(),
        new fl.nn.Linear(5, 1),
      );
      const x = fl.randn([4, 3]);
      const loss = seq.forward(x).square().mean();
      loss.backward();
      const viaModule = seq.parameters().map((p) => Array.from(p.grad!.dataSync()));
      seq.zeroGrad();
      const [l1, , l2] = seq.children() as [Flint.nn.Linear, unknown, Flint.nn.Linear];
      fl.tidy(() => {
        const h = x.matmul(l1.weight.T).add(l1.bias!).tanh();
        h.matmul(l2.weight.T).add(l2.bias!).square().mean().backward();
      });
      const direct = seq.parameters().map((p) => Array.from(p.grad!.dataSync()));
      assert.deepEqual(viaModule, direct);
      assert.ok(Number.isFinite(loss.item())); // the loss stays usable after backward
    },
  },
  {
    id: 'forward/async-forward-keeps-its-tensors',
    expect: 'ok',
    run: async ({ fl }) => {
      class Later extends fl.nn.Module {
        async forward(t: Flint.Tensor): Promise<Flint.Tensor> {
          const d = t.mul(2);
          await new Promise((r) => setTimeout(r, 1));
          return d.add(1);
        }
      }
      const y = await new Later().forward(fl.tensor([1, 2]));
      assert.deepEqual(Array.from(y.dataSync()), [3, 5]);
    },
  },
  {
    id: 'backward/disposed-leaf',
    expect: {
      throws: 'DisposedTensorError',
      match: /backward: the leaf tensor \[2\] float32 used as input 0 of 'mul' was disposed/,
    },
    run: ({ fl }) => {
      const w = fl.tensor([1, 2], { requiresGrad: true });
      const loss = w.mul(fl.tensor([3, 4])).sum();
      w.dispose();
      loss.backward();
    },
  },
  {
    id: 'backward/disposed-leaf-changes-no-gradient',
    expect: 'ok',
    run: ({ fl }) => {
      const a = fl.tensor([1, 2], { requiresGrad: true });
      const b = fl.tensor([3, 4], { requiresGrad: true });
      const loss = a.mul(b).add(b).sum();
      a.dispose();
      assert.throws(() => loss.backward(), fl.DisposedTensorError);
      assert.equal(b.grad, null);
      assert.notEqual(loss.gradFn, null);
    },
  },
  {
    id: 'backward/disposed-module-parameter',
    expect: { throws: 'DisposedTensorError', match: /leaf tensor \[3,4\] float32/ },
    run: ({ fl }) => {
      const lin = new fl.nn.Linear(4, 3);
      const loss = lin.forward(fl.randn([2, 4])).sum();
      lin.weight.dispose();
      loss.backward();
    },
  },
  {
    id: 'backward/disposed-output',
    expect: {
      throws: 'DisposedTensorError',
      match: /backward: output 0 \(\[\] float32\) was disposed/,
    },
    run: ({ fl }) => {
      const x = fl.tensor([1, 2], { requiresGrad: true });
      const y = x.square().sum();
      y.dispose();
      y.backward();
    },
  },
  {
    id: 'grad/disposed-input',
    expect: {
      throws: 'DisposedTensorError',
      match: /grad: input 0 \(\[2\] float32\) was disposed/,
    },
    run: ({ fl }) => {
      const x = fl.tensor([1, 2], { requiresGrad: true });
      const y = x.square().sum();
      x.dispose();
      fl.grad(y, x);
    },
  },
  {
    id: 'backward/twice-without-retain-graph',
    expect: { throws: 'GradError', match: /second time/ },
    run: ({ fl }) => {
      const x = fl.tensor([1, 2], { requiresGrad: true });
      const y = x.exp().sum();
      y.backward();
      y.backward();
    },
  },
  {
    id: 'backward/frees-the-graph',
    expect: 'ok',
    run: ({ fl }) => {
      const x = fl.keep(fl.tensor([1, 2, 3], { requiresGrad: true }));
      const start = fl.memory();
      const loss = fl.tidy(() => x.exp().mul(x).tanh().sum());
      loss.backward();
      // Left: the loss and x.grad; every saved tensor and gradient of the pass is gone.
      assert.equal(fl.memory().tensors, start.tensors + 2);
      assert.equal(fl.memory().bytes, start.bytes + 4 + 12);
    },
  },
  {
    id: 'backward/retain-graph-then-create-graph',
    expect: 'ok',
    run: ({ fl }) => {
      const x = fl.tensor([0.5, -1], { dtype: 'float64', requiresGrad: true });
      const y = x.pow(3).sum();
      y.backward(undefined, { retainGraph: true });
      y.backward();
      assert.deepEqual(Array.from(x.grad!.dataSync()), [1.5, 6]);
      const [g] = fl.grad(x.pow(3).sum(), x, { createGraph: true });
      const [h] = fl.grad(g!.sum(), x);
      assert.deepEqual(Array.from(h!.dataSync()), [3, -6]);
    },
  },
  {
    id: 'config/not-an-object',
    expect: { throws: 'ArgumentError', match: /fl\.config: .*options object/ },
    run: ({ fl }) => (fl.config as unknown as (o: unknown) => unknown)(5),
  },
  {
    id: 'config/unknown-option',
    expect: { throws: 'ArgumentError', match: /fl\.config: unknown option 'warnleaks'/ },
    run: ({ fl }) => (fl.config as unknown as (o: unknown) => unknown)({ warnleaks: false }),
  },
  {
    id: 'config/wrong-type',
    expect: { throws: 'ArgumentError', match: /fl\.config: .*warnLeaks must be a boolean/ },
    run: ({ fl }) => (fl.config as unknown as (o: unknown) => unknown)({ warnLeaks: {} }),
  },
  {
    id: 'tidy/promise',
    expect: { throws: 'FlintError', match: /tidy: fn returned a Promise/ },
    run: ({ fl }) => fl.tidy((async () => fl.ones([2])) as unknown as () => Flint.Tensor),
  },
];
