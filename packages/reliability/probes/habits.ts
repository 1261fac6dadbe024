/**
 * PyTorch and tfjs habits (issue 12 §3 and §4) from plain JavaScript: resetting gradients by
 * assignment, DataLoader loops without dispose, who owns loaded tensors, `fl.dispose`,
 * console.log/print/JSON of tensors, float labels in crossEntropy, and the Keras conveniences
 * (summary, save/load, optimizer names, verbose). Each either completes with the promised result
 * or throws the typed error named here.
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { join } from 'node:path';
import type * as Flint from '@flint/core';
import type { Probe } from '../src/probe.js';

type Fl = typeof Flint;
type T = Flint.Tensor;

/** A leaf with a gradient from one backward pass. */
function withGrad(fl: Fl): T {
  const w = fl.tensor([1, 2, 3], { requiresGrad: true });
  fl.tidy(() => w.mul(w).sum().backward());
  return w;
}

/** Assign `v` to `w.grad` as JavaScript would, past TypeScript's types. */
function assignGrad(w: T, v: unknown): void {
  (w as unknown as { grad: unknown }).grad = v;
}

/** Runs `fn` with console.log captured; returns the lines. */
async function logged(fn: () => unknown): Promise<string[]> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void lines.push(a.map(String).join(' '));
  try {
    await fn();
  } finally {
    console.log = log;
  }
  return lines;
}

function sequential(fl: Fl): Flint.nn.Sequential {
  fl.manualSeed(0);
  const { nn } = fl;
  return new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 3));
}

const GRAD: Probe[] = [
  {
    id: 'grad/assign-null-frees-the-old-gradient',
    expect: 'ok',
    run: ({ fl }) => {
      const w = withGrad(fl);
      const before = fl.memory().tensors;
      for (let i = 0; i < 200; i++) {
        fl.tidy(() => w.mul(w).sum().backward());
        w.grad = null;
      }
      assert.equal(fl.memory().tensors, before - 1); // the first gradient went too
      const old = (fl.tidy(() => w.mul(w).sum().backward()), w.grad!);
      w.grad = null;
      assert.equal(old.disposed, true); // documented: take old.clone() to keep it
    },
  },
  {
    id: 'grad/assign-tensor-owned-and-checked',
    expect: 'ok',
    run: ({ fl }) => {
      const w = withGrad(fl);
      const old = w.grad!;
      const g = fl.tidy(() => (w.grad = fl.ones([3])));
      assert.equal(old.disposed, true);
      assert.equal(g.disposed, false); // the tensor owns it: tidy left it alone
      assert.deepEqual(w.grad!.toArray(), [1, 1, 1]);
    },
  },
  {
    id: 'grad/wrong-shape',
    expect: { throws: 'ShapeError', match: /Tensor\.grad: .* must have shape \[3\], got \[2\]/ },
    run: ({ fl }) => assignGrad(withGrad(fl), fl.zeros([2])),
  },
  {
    id: 'grad/wrong-dtype',
    expect: { throws: 'DTypeError', match: /must be float32, got int32/ },
    run: ({ fl }) => assignGrad(withGrad(fl), fl.zeros([3], { dtype: 'int32' })),
  },
  {
    id: 'grad/an-array',
    expect: { throws: 'ArgumentError', match: /must be a Tensor or null, got \[1, ?2, ?3\]/ },
    run: ({ fl }) => assignGrad(withGrad(fl), [1, 2, 3]),
  },
  {
    id: 'grad/undefined',
    expect: { throws: 'ArgumentError', match: /must be a Tensor or null, got undefined/ },
    run: ({ fl }) => assignGrad(withGrad(fl), undefined),
  },
  {
    id: 'grad/disposed-tensor',
    expect: { throws: 'DisposedTensorError', match: /cannot be a disposed tensor/ },
    run: ({ fl }) => {
      const g = fl.ones([3]);
      g.dispose();
      assignGrad(withGrad(fl), g);
    },
  },
  {
    id: 'grad/itself',
    expect: { throws: 'GradError', match: /its own gradient/ },
    run: ({ fl }) => {
      const w = withGrad(fl);
      assignGrad(w, w);
    },
  },
];

const OWNERSHIP: Probe[] = [
  {
    id: 'loader/guide-loop-frees-its-batches',
    expect: 'ok',
    run: ({ fl }) => {
      const ds = new fl.data.TensorDataset(fl.randn([60, 4]), fl.randint(0, 3, [60]));
      const before = fl.memory().tensors;
      const loader = new fl.data.DataLoader(ds, { batchSize: 2, shuffle: true, seed: 0 });
      for (const [xb, yb] of loader) fl.tidy(() => xb!.sum().add(yb!.sum()).item());
      assert.equal(fl.memory().tensors, before);
      let kept: T | undefined;
      for (const [xb] of loader) {
        kept = fl.keep(xb!);
        break;
      }
      assert.equal(kept!.shape[0], 2);
      assert.equal(kept!.disposed, false);
    },
  },
  {
    id: 'load/caller-owns-the-loaded-tensors',
    expect: 'ok',
    run: async ({ fl, tmp }) => {
      const a = new fl.nn.Linear(3, 2);
      const b = new fl.nn.Linear(3, 2);
      await fl.save(a, join(tmp, 'a.safetensors')); // a Module is accepted as its state dict
      const sd = await fl.load(join(tmp, 'a.safetensors'));
      // Counted with no await in between: across an await the FinalizationRegistry may free
      // earlier probes' garbage tensors and move the live count.
      const held = fl.memory().tensors;
      b.loadStateDict(sd);
      assert.equal(
        fl.memory().tensors,
        held,
        'loadStateDict copies into the module: no new tensor',
      );
      assert.equal(Object.keys(sd).length, 2);
      fl.dispose(sd);
      assert.equal(
        fl.memory().tensors,
        held - 2,
        'the two loaded tensors were the caller’s to free',
      );
      assert.deepEqual(b.weight.toArray(), a.weight.toArray());
    },
  },
  {
    id: 'load/missing-file',
    expect: { throws: 'IOError', match: /fl\.load: .*nope\.safetensors/ },
    run: ({ fl, tmp }) => fl.load(join(tmp, 'nope.safetensors')),
  },
  {
    id: 'dispose/containers-modules-models',
    expect: 'ok',
    run: ({ fl }) => {
      const before = fl.memory().tensors;
      const seq = sequential(fl).compile({ optimizer: 'adam', loss: 'mse' });
      fl.dispose({ a: [fl.ones([2]), { b: fl.zeros([1]) }], note: 'x', n: 1, none: null });
      fl.dispose(seq); // parameters and the optimizer compile made
      assert.equal(fl.memory().tensors, before);
    },
  },
  {
    id: 'dispose/a-number',
    expect: { throws: 'ArgumentError', match: /fl\.dispose: .*got 3/ },
    run: ({ fl }) => fl.dispose(3 as never),
  },
  {
    id: 'dispose/a-map',
    expect: { throws: 'ArgumentError', match: /fl\.dispose/ },
    run: ({ fl }) => fl.dispose(new Map() as never),
  },
];

const READABLE: Probe[] = [
  {
    id: 'show/inspect-print-json',
    expect: 'ok',
    run: async ({ fl }) => {
      const t = fl.tensor([1, 2.5]);
      assert.equal(inspect(t), String(t));
      assert.match(inspect({ t }), /tensor\(\[1\.0000, 2\.5000\]/);
      assert.deepEqual(await logged(() => t.print()), [String(t)]);
      assert.equal(JSON.stringify(t), '{"dtype":"float32","shape":[2],"data":[1,2.5]}');
    },
  },
  {
    id: 'show/print-with-an-argument',
    expect: { throws: 'ArgumentError', match: /Tensor\.print/ },
    run: ({ fl }) => (fl.ones([1]).print as (v: unknown) => void)(true),
  },
  {
    id: 'show/toJSON-with-a-number',
    expect: { throws: 'ArgumentError', match: /Tensor\.toJSON/ },
    run: ({ fl }) => (fl.ones([1]).toJSON as (k: unknown) => unknown)(5),
  },
  {
    id: 'crossEntropy/float-labels',
    expect: { throws: 'DTypeError', match: /looks like class indices.*target\.int\(\)/ },
    run: ({ fl }) => fl.nn.functional.crossEntropy(fl.zeros([4, 3]), fl.tensor([0, 2, 1, 1])),
  },
  {
    id: 'crossEntropy/float-probabilities-ok',
    expect: 'ok',
    run: ({ fl }) => {
      const l = fl.nn.functional.crossEntropy(fl.zeros([4, 3]), fl.full([4, 3], 1 / 3));
      assert.ok(Math.abs(l.item() - Math.log(3)) < 1e-6);
    },
  },
];

const KERAS: Probe[] = [
  {
    id: 'summary/table',
    expect: 'ok',
    run: async ({ fl }) => {
      const lines = await logged(() => sequential(fl).summary({ inputShape: [4] }));
      const text = lines.join('\n');
      assert.match(text, / 0 \(Linear\)\s+\(None, 8\)\s+40\n/);
      assert.match(text, / 2 \(Linear\)\s+\(None, 3\)\s+27\n/);
      assert.match(text, /Total params: 67\n/);
    },
  },
  {
    id: 'summary/positional-shape',
    expect: { throws: 'ArgumentError', match: /Sequential\.summary/ },
    run: ({ fl }) => (sequential(fl).summary as (s: unknown) => unknown)([4]),
  },
  {
    id: 'summary/wrong-input-shape',
    expect: { throws: 'ShapeError', match: /Linear: expected input with last dimension 4/ },
    run: ({ fl }) => sequential(fl).summary({ inputShape: [5], printFn: () => {} }),
  },
  {
    id: 'save-load/round-trip',
    expect: 'ok',
    run: async ({ fl, tmp }) => {
      const m = sequential(fl);
      await m.save(join(tmp, 'm.safetensors'));
      const back = await fl.Model.load(join(tmp, 'm.safetensors'));
      const x = fl.randn([2, 4]);
      assert.deepEqual(back.forward(x).toArray(), m.forward(x).toArray());
      assert.equal(back.toString(), m.toString());
    },
  },
  {
    id: 'save-load/custom-module',
    expect: { throws: 'ArgumentError', match: /not a built-in layer.*stateDict\(\)/ },
    run: async ({ fl, tmp }) => {
      class Net extends fl.nn.Module {
        forward(x: T): T {
          return x;
        }
      }
      await new fl.nn.Sequential(new Net()).save(join(tmp, 'c.safetensors'));
    },
  },
  {
    id: 'save-load/weights-only-file',
    expect: { throws: 'FormatError', match: /no 'flint\.model' architecture.*loadStateDict/ },
    run: async ({ fl, tmp }) => {
      await fl.save(sequential(fl), join(tmp, 'w.safetensors'));
      await fl.Model.load(join(tmp, 'w.safetensors'));
    },
  },
  {
    id: 'save-load/missing-file',
    expect: { throws: 'IOError', match: /^Model\.load: cannot read .*nope\.safetensors/ },
    run: ({ fl, tmp }) => fl.Model.load(join(tmp, 'nope.safetensors')),
  },
  {
    id: 'save-load/not-a-path',
    expect: { throws: 'ArgumentError', match: /Model\.load/ },
    run: ({ fl }) => fl.Model.load(42 as never),
  },
  {
    id: 'compile/optimizer-name',
    expect: 'ok',
    run: async ({ fl }) => {
      const m = sequential(fl).compile({ optimizer: 'rmsprop', loss: 'mse' });
      const h = await m.fit(fl.ones([4, 4]), fl.zeros([4, 3]), { epochs: 2, verbose: 0 });
      assert.equal(h.history.loss!.length, 2);
    },
  },
  {
    id: 'compile/unknown-optimizer-name',
    expect: {
      throws: 'ArgumentError',
      match: /one of 'sgd', 'adam', 'adamw', 'rmsprop', 'adagrad', got 'Adam'/,
    },
    run: ({ fl }) => sequential(fl).compile({ optimizer: 'Adam' as never, loss: 'mse' }),
  },
  {
    id: 'fit/verbose-1-without-a-terminal-logs-one-line-per-epoch',
    expect: 'ok',
    run: async ({ fl }) => {
      const m = sequential(fl).compile({ optimizer: 'sgd', loss: 'mse' });
      const [x, y] = [fl.ones([8, 4]), fl.zeros([8, 3])];
      const lines = await logged(() => m.fit(x, y, { epochs: 3, batchSize: 4, verbose: 1 }));
      assert.equal(lines.length, 3);
      assert.match(lines[2]!, /^Epoch 3\/3: 2\/2 batches \| loss \d/);
      assert.deepEqual(await logged(() => m.fit(x, y, { epochs: 2, verbose: 0 })), []);
    },
  },
];

export const probes: Probe[] = [...GRAD, ...OWNERSHIP, ...READABLE, ...KERAS];
