/** Keras conveniences: summary(), save/load of architecture + weights, string optimizers. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';

const nn = fl.nn;
const backend = cpuBackend({ name: 'cpu-keras' });
let dir = '';
beforeAll(() => {
  fl.use(backend);
  dir = mkdtempSync(join(tmpdir(), 'flint-keras-'));
});
afterAll(() => {
  fl.removeBackend(backend.name);
  rmSync(dir, { recursive: true, force: true });
});
const live = () => fl.memory().perDevice[backend.name]!.tensors;

function mlp(): fl.nn.Sequential {
  fl.manualSeed(0);
  return new nn.Sequential(
    new nn.Linear(784, 128),
    new nn.ReLU(),
    new nn.Dropout(0.2),
    new nn.Linear(128, 10, { bias: false }),
  );
}

describe('summary', () => {
  it("prints Keras's table with output shapes from inputShape, and counts", () => {
    const m = mlp();
    const lines: string[] = [];
    const before = live();
    const text = m.summary({ inputShape: [784], printFn: (l) => lines.push(l) });
    expect(live()).toBe(before); // the shape pass leaves nothing behind
    expect(lines.join('\n')).toBe(text);
    expect(text).toContain('Model: "Sequential"');
    expect(text).toMatch(/ 0 \(Linear\)\s+\(None, 128\)\s+100480\n/);
    expect(text).toMatch(/ 1 \(ReLU\)\s+\(None, 128\)\s+0\n/);
    expect(text).toMatch(/ 3 \(Linear\)\s+\(None, 10\)\s+1280\n/);
    expect(text).toContain('Total params: 101,760');
    expect(text).toContain('Trainable params: 101,760');
    expect(text).toContain('Non-trainable params: 0');
    expect(m.training).toBe(true); // the shape pass restored the mode
    fl.dispose(m);
  });

  it('without inputShape: ? before any batch, then the shapes of the last batch seen', () => {
    const m = new nn.Sequential(new nn.Linear(3, 2), new nn.BatchNorm1d(2));
    const quiet = { printFn: () => {} };
    expect(m.summary(quiet)).toMatch(/ 0 \(Linear\)\s+\?\s+8\n/);
    expect(m.summary(quiet)).toContain("Output shapes '?'");
    fl.tidy(() => void m.predict(fl.ones([5, 3])));
    const text = m.summary(quiet);
    expect(text).toMatch(/ 1 \(BatchNorm1d\)\s+\(None, 2\)\s+9\n/); // 4 params + 5 buffer values
    expect(text).toContain('Non-trainable params: 5');
    expect(() => m.summary({ inputShape: 3 } as never)).toThrow(
      /Sequential.summary: options.inputShape/,
    );
    fl.dispose(m);
  });

  it('a wrapped custom Module lists its children; an Embedding model takes dtype int32', () => {
    class Net extends nn.Module {
      emb = new nn.Embedding(10, 4);
      head = new nn.Linear(4, 2);
      forward(x: fl.Tensor) {
        return this.head.forward(this.emb.forward(x).mean(1));
      }
    }
    const net = new Net();
    const text = new fl.Model(net).summary({ inputShape: [5], dtype: 'int32', printFn: () => {} });
    expect(text).toContain('Model: "Net"');
    expect(text).toMatch(/ emb \(Embedding\)\s+\(None, 5, 4\)\s+40\n/);
    expect(text).toMatch(/ head \(Linear\)\s+\(None, 2\)\s+10\n/);
    fl.dispose(net);
  });
});

describe('save / load', () => {
  it('round-trips a Sequential of built-in layers: same outputs, nothing leaked', async () => {
    const m = mlp();
    const x = fl.randn([4, 784]);
    const path = join(dir, 'mlp.safetensors');
    await m.save(path);
    const before = live();
    const back = await fl.Model.load(path);
    expect(live()).toBe(before + 3); // its three parameters; the loaded dict was freed
    expect(back).toBeInstanceOf(nn.Sequential);
    expect(back.toString()).toBe(m.toString());
    m.eval();
    back.eval();
    expect(fl.tidy(() => back.forward(x).toArray())).toEqual(fl.tidy(() => m.forward(x).toArray()));
    // The weights-only file still reads as a plain state dict.
    const sd = await fl.load(path);
    expect(Object.keys(sd).sort()).toEqual(['0.bias', '0.weight', '3.weight']);
    fl.dispose([m, back, x, sd]);
  });

  it('a nested Sequential, records of layers and option objects survive', async () => {
    const m = new nn.Sequential({
      body: new nn.Sequential(new nn.Conv2d(1, 2, 3, { stride: 2, padding: 1 }), new nn.GELU()),
      head: new nn.Flatten(),
    });
    const path = join(dir, 'nested.safetensors');
    await m.save(path);
    const back = await fl.Model.load(path);
    expect(back.toString()).toBe(m.toString());
    expect(Object.keys(back.stateDict())).toEqual(Object.keys(m.stateDict()));
    fl.dispose([m, back]);
  });

  it('custom Module subclasses, non-Sequential models and weight-only files are typed errors', async () => {
    class Net extends nn.Module {
      fc = new nn.Linear(2, 2);
      forward(x: fl.Tensor) {
        return this.fc.forward(x);
      }
    }
    const custom = new nn.Sequential(new Net());
    await expect(custom.save(join(dir, 'c.safetensors'))).rejects.toThrow(
      /'Net', not a built-in layer.*fl\.save\(model\.stateDict\(\), path\)/,
    );
    await expect(new fl.Model(new Net()).save(join(dir, 'd.safetensors'))).rejects.toThrow(
      fl.ArgumentError,
    );
    await fl.save(new nn.Linear(2, 2), join(dir, 'w.safetensors'));
    await expect(fl.Model.load(join(dir, 'w.safetensors'))).rejects.toThrow(
      /no 'flint.model' architecture/,
    );
    const missing = fl.Model.load(join(dir, 'missing.safetensors'));
    await expect(missing).rejects.toThrow(fl.IOError);
    await expect(missing).rejects.toThrow(/^Model\.load: cannot read .*missing\.safetensors/);
    await expect(fl.Model.load(42 as never)).rejects.toThrow(fl.ArgumentError);
    fl.dispose(custom);
  });
});

describe('compile with optimizer names', () => {
  it("builds Keras's optimizers with Keras's default learning rates, and trains", async () => {
    const expected: Record<string, [string, number]> = {
      sgd: ['SGD', 0.01],
      adam: ['Adam', 1e-3],
      adamw: ['AdamW', 1e-3],
      rmsprop: ['RMSprop', 1e-3],
      adagrad: ['Adagrad', 1e-3],
    };
    for (const [name, [cls, lr]] of Object.entries(expected)) {
      const model = new fl.Model(new nn.Linear(2, 1));
      model.compile({ optimizer: name as fl.OptimizerName, loss: 'mse' });
      const opt = (
        model as unknown as { compiled: { optimizer: fl.optim.Optimizer<object, object> } }
      ).compiled.optimizer;
      expect(opt.constructor.name).toBe(cls);
      expect(opt.paramGroups[0]!.lr).toBe(lr);
      const [x, y] = [fl.ones([4, 2]), fl.zeros([4, 1])];
      const h = await model.fit(x, y, { epochs: 2, verbose: 0 });
      expect(h.history.loss!.length).toBe(2);
      fl.dispose([x, y, model]);
    }
    expect(() =>
      new fl.Model(new nn.Linear(2, 1)).compile({ optimizer: 'Adam' as never, loss: 'mse' }),
    ).toThrow(/'sgd', 'adam', 'adamw', 'rmsprop'/);
  });
});
