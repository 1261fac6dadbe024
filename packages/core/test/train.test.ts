import { mkdtempSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';

const backend = cpuBackend({ name: 'cpu-train-test' });
beforeAll(() => fl.use(backend));
afterAll(() => fl.removeBackend(backend.name));

/** Two Gaussian blobs per class, 3 classes, fixed seed. */
function blobs(n: number): [fl.Tensor, fl.Tensor] {
  return fl.tidy(() => {
    fl.manualSeed(7);
    const y = fl.randint(0, 3, [n]);
    const centers = fl.tensor([
      [2, 0],
      [-2, 1],
      [0, -2],
    ]);
    const x = centers.indexSelect(0, y).add(fl.randn([n, 2]).mul(0.5));
    return [x, y];
  });
}

function mlp(): fl.nn.Module {
  fl.manualSeed(0);
  return new fl.nn.Sequential(new fl.nn.Linear(2, 16), new fl.nn.ReLU(), new fl.nn.Linear(16, 3));
}

describe('Model (Keras style)', () => {
  it('fits, evaluates and predicts, with history and validation split', async () => {
    const [x, y] = blobs(300);
    const model = new fl.Model(mlp());
    model.compile({
      optimizer: (p) => new fl.optim.Adam(p, { lr: 0.05 }),
      loss: 'crossEntropy',
      metrics: ['accuracy'],
    });
    const before = fl.memory().tensors;
    const h = await model.fit(x, y, {
      epochs: 8,
      batchSize: 32,
      validationSplit: 0.2,
      seed: 1,
      verbose: 0,
    });
    // What stays: Adam's two moments and the last step's gradient for each of the 4 parameters.
    expect(fl.memory().tensors).toBe(before + 4 * 3);
    expect(h.epoch).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Object.keys(h.history).sort()).toEqual(['accuracy', 'loss', 'valAccuracy', 'valLoss']);
    expect(h.history.loss![7]!).toBeLessThan(h.history.loss![0]!);
    expect(h.history.valAccuracy![7]!).toBeGreaterThan(0.9);
    const ev = model.evaluate(x, y);
    expect(ev.accuracy).toBeGreaterThan(0.9);
    const pred = model.predict(x, { batchSize: 64 });
    expect(pred.shape).toEqual([300, 3]);
    pred.dispose();
  });

  it('is deterministic for a fixed seed', async () => {
    const [x, y] = blobs(100);
    const run = async () => {
      const model = new fl.Model(mlp());
      model.compile({ optimizer: (p) => new fl.optim.SGD(p, { lr: 0.1 }), loss: 'crossEntropy' });
      return (await model.fit(x, y, { epochs: 3, batchSize: 16, seed: 3, verbose: 0 })).history
        .loss;
    };
    expect(await run()).toEqual(await run());
  });

  it('early stopping stops and checkpoints are written atomically', async () => {
    const [x, y] = blobs(120);
    const dir = mkdtempSync(join(tmpdir(), 'flint-ckpt-'));
    try {
      const model = new fl.Model(mlp());
      model.compile({ optimizer: (p) => new fl.optim.SGD(p, { lr: 0 }), loss: 'crossEntropy' });
      const stop = new fl.EarlyStopping({ monitor: 'loss', patience: 1, minDelta: 1e-3 });
      const ckpt = new fl.ModelCheckpoint({ path: join(dir, 'epoch-{epoch}.safetensors') });
      const h = await model.fit(x, y, {
        epochs: 10,
        batchSize: 60,
        shuffle: false,
        callbacks: [stop, ckpt],
        verbose: 0,
      });
      expect(h.epoch.length).toBe(2); // lr 0: no improvement after the first epoch
      expect(stop.stoppedEpoch).toBe(1);
      expect(ckpt.saved.map((p) => existsSync(p))).toEqual([true, true]);
      const sd = await fl.load(ckpt.saved[0]!);
      expect(Object.keys(sd).sort()).toEqual(['0.bias', '0.weight', '2.bias', '2.weight']);
      for (const t of Object.values(sd)) t.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports typed errors for misuse', async () => {
    const model = new fl.Model(mlp());
    await expect(model.fit(fl.zeros([4, 2]), fl.zeros([4], { dtype: 'int32' }))).rejects.toThrow(
      /compile/,
    );
    model.compile({ optimizer: (p) => new fl.optim.SGD(p, { lr: 0.1 }), loss: 'crossEntropy' });
    await expect(
      model.fit(fl.zeros([4, 2]), fl.zeros([5], { dtype: 'int32' }), { verbose: 0 }),
    ).rejects.toThrow(fl.ShapeError);
  });
});

describe('Model with a DataLoader', () => {
  it('frees the loader batches it consumes', async () => {
    const [x, y] = blobs(64);
    const model = new fl.Model(mlp());
    model.compile({
      optimizer: (p) => new fl.optim.SGD(p, { lr: 0.1 }),
      loss: 'crossEntropy',
      metrics: ['accuracy'],
    });
    const loader = new fl.data.DataLoader(new fl.data.TensorDataset(x, y), { batchSize: 8 });
    const before = fl.memory().tensors;
    await model.fit(loader, { epochs: 2, verbose: 0 });
    model.evaluate(loader);
    // Only the last step's gradients (4 parameters) remain.
    expect(fl.memory().tensors).toBe(before + 4);
  });
});
