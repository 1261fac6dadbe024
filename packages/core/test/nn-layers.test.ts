/** Layer behaviour beyond the PyTorch fixtures: errors, train/eval, containers, memory. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import { nn } from '@flint/core';

const backend = cpuBackend({ name: 'cpu-nn-test' });
beforeAll(() => fl.use(backend));
afterAll(() => fl.removeBackend(backend.name));

function disposeModule(m: nn.Module): void {
  for (const t of Object.values(m.stateDict())) t.dispose();
}
/** Run fn, disposing every tensor it allocated (fn's result is ignored, so it is never kept). */
function scoped(fn: () => void): void {
  fl.tidy(() => {
    fn();
  });
}

describe('shape errors name the layer, the expected and the actual shape', () => {
  it.each([
    [
      'Linear',
      () => new nn.Linear(784, 128),
      [32, 100],
      'Linear: expected input with last dimension 784, got [32,100]',
    ],
    [
      'Conv2d',
      () => new nn.Conv2d(3, 8, 3),
      [4, 1, 28, 28],
      'Conv2d: expected input of shape [N,3,H,W] or [3,H,W], got [4,1,28,28]',
    ],
    [
      'Conv1d',
      () => new nn.Conv1d(2, 4, 3),
      [4, 2],
      'Conv1d: expected input of shape [N,2,L] or [2,L], got [4,2]',
    ],
    [
      'ConvTranspose2d',
      () => new nn.ConvTranspose2d(4, 2, 3),
      [1, 2, 5, 5],
      'ConvTranspose2d: expected input of shape [N,4,H,W] or [4,H,W], got [1,2,5,5]',
    ],
    [
      'BatchNorm2d',
      () => new nn.BatchNorm2d(16),
      [8, 16, 4],
      'BatchNorm2d: expected input of shape [N,C,H,W] with C=16, got [8,16,4]',
    ],
    [
      'BatchNorm1d',
      () => new nn.BatchNorm1d(5),
      [8, 4],
      'BatchNorm1d: expected input of shape [N,C] or [N,C,L] with C=5, got [8,4]',
    ],
    [
      'LayerNorm',
      () => new nn.LayerNorm([64]),
      [8, 32],
      'LayerNorm: expected input of shape [*, 64], got [8,32]',
    ],
    [
      'GroupNorm',
      () => new nn.GroupNorm(2, 8),
      [2, 6, 3],
      'GroupNorm: expected input of shape [N,8,*], got [2,6,3]',
    ],
    [
      'MaxPool2d',
      () => new nn.MaxPool2d(2),
      [4, 4],
      'MaxPool2d: expected input of shape [N,C,H,W] or [C,H,W], got [4,4]',
    ],
  ] as const)('%s', (_name, make, shape, message) => {
    const m = make();
    const x = fl.zeros(shape as unknown as number[]);
    expect(() => m.forward(x)).toThrow(fl.ShapeError);
    expect(() => m.forward(x)).toThrow(message);
    x.dispose();
    disposeModule(m);
  });

  it('functional forms check kernels, groups, padding and indices', () => {
    scoped(() => {
      const x = fl.zeros([1, 4, 5, 5]);
      expect(() => nn.F.conv2d(x, fl.zeros([2, 4, 7, 7]))).toThrow(
        /kernel 7x7 \(dilation 1x1\) is larger than the padded input 5x5/,
      );
      expect(() => nn.F.conv2d(x, fl.zeros([3, 2, 3, 3]), null, { groups: 2 })).toThrow(
        /not divisible by groups=2/,
      );
      expect(() => nn.F.conv2d(x, fl.zeros([2, 3, 3, 3]))).toThrow(
        /expected input with 3 channels .* got input of shape \[1,4,5,5\]/,
      );
      expect(() => nn.F.conv2d(x, fl.zeros([2, 4, 3, 3]), fl.zeros([3]))).toThrow(
        /bias must have shape \[2\]/,
      );
      expect(() =>
        nn.F.conv2d(x, fl.zeros([2, 4, 3, 3]), null, { padding: 'same', stride: 2 }),
      ).toThrow(/not supported for strided/);
      expect(() => nn.F.conv2d(x, fl.zeros([2, 4, 3]))).toThrow(/weight must be 4-D/);
      expect(() => nn.F.maxPool2d(x, 2, { padding: 2 })).toThrow(/at most half the kernel size/);
      expect(() => nn.F.avgPool2d(x, 7)).toThrow(/does not fit input/);
      expect(() =>
        nn.F.convTranspose2d(x, fl.zeros([4, 2, 3, 3]), null, { stride: 2, outputPadding: 2 }),
      ).toThrow(/outputPadding/);
      expect(() => nn.F.linear(fl.zeros([2, 3]), fl.zeros([4, 5]))).toThrow(
        'linear: expected input with last dimension 5 (weight [4,5]), got [2,3]',
      );
      expect(() => nn.F.batchNorm(fl.zeros([1, 3]), null, null, { training: true })).toThrow(
        /more than 1 value per channel/,
      );
      expect(() => nn.F.layerNorm(fl.zeros([2, 3]), [4])).toThrow(
        /expected input of shape \[\*, 4\]/,
      );
      expect(() => nn.F.groupNorm(fl.zeros([2, 6]), 4)).toThrow(/cannot be split into 4 groups/);
      expect(() => nn.F.dropout(x, 1.5)).toThrow(fl.ArgumentError);
    });
  });

  it('constructors reject impossible configurations', () => {
    expect(() => new nn.Conv2d(3, 8, 3, { groups: 2 })).toThrow(/divisible by groups/);
    expect(() => new nn.Conv2d(3, 8, 3, { padding: 'same', stride: 2 })).toThrow(/strided/);
    expect(() => new nn.GroupNorm(3, 8)).toThrow(/divisible by numGroups/);
    expect(() => new nn.Dropout(-0.1)).toThrow(fl.ArgumentError);
    expect(() => new nn.Embedding(4, 2, { paddingIdx: 4 })).toThrow(fl.ShapeError);
    expect(() => new nn.Linear(2, 2, { dtype: 'int32' })).toThrow(fl.DTypeError);
  });

  it('Embedding rejects float indices and out-of-range rows', () => {
    const emb = new nn.Embedding(10, 3);
    scoped(() => {
      expect(() => emb.forward(fl.tensor([1, 2]))).toThrow(fl.DTypeError);
      expect(() => emb.forward(fl.tensor([1, 12], { dtype: 'int32' }))).toThrow(
        'Embedding: index 12 is out of range for 10 embeddings (valid: 0 to 9)',
      );
    });
    disposeModule(emb);
  });
});

describe('train and eval', () => {
  it('BatchNorm updates its running statistics only in training mode', () => {
    const bn = new nn.BatchNorm1d(2, { momentum: 0.5 });
    scoped(() => {
      const x = fl.tensor([
        [1, 10],
        [3, 30],
      ]);
      bn.forward(x);
      expect(bn.runningMean!.toArray()).toEqual([1, 10]); // 0.5·0 + 0.5·[2, 20]
      expect(bn.runningVar!.toArray()).toEqual([1.5, 100.5]); // 0.5·1 + 0.5·unbiased var [2, 200]
      expect(bn.numBatchesTracked!.item()).toBe(1);
      bn.eval();
      const y = bn.forward(x);
      expect(bn.numBatchesTracked!.item()).toBe(1);
      expect(bn.runningMean!.toArray()).toEqual([1, 10]);
      // Eval normalises with the running statistics: (1 − 1)/√1.5, (3 − 1)/√1.5, …
      expect((y.toArray() as number[][])[1]![0]).toBeCloseTo(2 / Math.sqrt(1.5 + 1e-5), 5);
      bn.resetRunningStats();
      expect(bn.runningVar!.toArray()).toEqual([1, 1]);
    });
    disposeModule(bn);
  });

  it('Dropout zeroes about p of the entries and scales the rest in training, and is the identity in eval', () => {
    fl.manualSeed(3);
    const drop = new nn.Dropout(0.25);
    scoped(() => {
      const x = fl.ones([200, 100]);
      const y = drop.forward(x).dataSync();
      const zeros = y.filter((v) => v === 0).length / y.length;
      expect(zeros).toBeGreaterThan(0.23);
      expect(zeros).toBeLessThan(0.27);
      expect(new Set(y)).toEqual(new Set([0, 1 / 0.75].map(Math.fround)));
      expect(drop.eval().forward(x)).toBe(x);
      expect(nn.F.dropout(x, 1).sum().item()).toBe(0);
    });
  });

  it('train()/eval() reach nested children', () => {
    const model = new nn.Sequential(
      new nn.Linear(2, 2),
      new nn.Sequential(new nn.Dropout(), new nn.BatchNorm1d(2)),
    );
    model.eval();
    expect(model.modules().every((m) => !m.training)).toBe(true);
    model.train();
    expect(model.modules().every((m) => m.training)).toBe(true);
    disposeModule(model);
  });
});

describe('containers', () => {
  it('Sequential chains its modules and names them by index or by key', () => {
    const seq = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
    expect(seq.length).toBe(3);
    expect(seq.at(-1)).toBeInstanceOf(nn.Linear);
    expect(Object.keys(seq.stateDict())).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    scoped(() => expect(seq.forward(fl.ones([5, 3])).shape).toEqual([5, 2]));
    seq.append(new nn.Softmax(1));
    expect([...seq].map((m) => m.constructor.name)).toEqual([
      'Linear',
      'ReLU',
      'Linear',
      'Softmax',
    ]);
    const named = new nn.Sequential({ fc: new nn.Linear(2, 2), act: new nn.Tanh() });
    expect(Object.keys(named.stateDict())).toEqual(['fc.weight', 'fc.bias']);
    disposeModule(seq);
    disposeModule(named);
  });

  it('Sequential trains Keras-style with compile / fit / evaluate / predict', async () => {
    fl.manualSeed(4);
    const [x, y] = fl.tidy(() => {
      const xs = fl.randn([64, 3]);
      return [xs, xs.matmul(fl.tensor([[1], [-2], [0.5]]))];
    });
    const model = new nn.Sequential(new nn.Linear(3, 1));
    expect(() => model.evaluate(x, y)).toThrow(/call compile/);
    model.compile({ optimizer: (p) => new fl.optim.SGD(p, { lr: 0.1 }), loss: 'mse' });
    const h = await model.fit(x, y, { epochs: 5, batchSize: 16, verbose: 0 });
    expect(h.history.loss![4]!).toBeLessThan(h.history.loss![0]!);
    expect(model.evaluate(x, y).loss).toBeLessThan(h.history.loss![0]!);
    const pred = model.predict(x);
    expect(pred.shape).toEqual([64, 1]);
    for (const t of [x, y, pred, ...model.parameters()]) t.dispose();
  });

  it('ModuleList registers, inserts and refuses forward; ModuleDict maps names', () => {
    const list = new nn.ModuleList([new nn.Linear(1, 1), new nn.Linear(1, 2)]);
    list.insert(0, new nn.Linear(1, 3));
    expect(list.length).toBe(3);
    expect(list.at(0).outFeatures).toBe(3);
    expect(Object.keys(list.stateDict())).toEqual([
      '0.weight',
      '0.bias',
      '1.weight',
      '1.bias',
      '2.weight',
      '2.bias',
    ]);
    expect(list.stateDict()['2.weight']!.shape).toEqual([2, 1]);
    expect(() => list.forward()).toThrow(/no forward/);
    const dict = new nn.ModuleDict<nn.Module>({ a: new nn.Linear(1, 1) });
    dict.set('b', new nn.ReLU());
    expect(dict.keys()).toEqual(['a', 'b']);
    expect(dict.get('b')).toBeInstanceOf(nn.ReLU);
    expect(() => dict.set('x.y', new nn.ReLU())).toThrow(fl.ArgumentError);
    disposeModule(list);
    disposeModule(dict);
  });

  it('a module holding the same layer twice lists it under both keys, as torch state_dict does', () => {
    const shared = new nn.Linear(2, 2);
    const seq = new nn.Sequential(shared, shared);
    expect(Object.keys(seq.stateDict())).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
    expect(seq.parameters()).toHaveLength(2);
    seq.loadStateDict(seq.stateDict());
    disposeModule(shared);
  });
});

describe('memory', () => {
  it('a CNN forward + backward inside fl.tidy leaves fl.memory() unchanged', () => {
    fl.manualSeed(0);
    const model = new nn.Sequential(
      new nn.Conv2d(1, 4, 3, { padding: 1 }),
      new nn.BatchNorm2d(4),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Conv2d(4, 4, 3, { groups: 2, padding: 'same' }),
      new nn.AvgPool2d(2, { ceilMode: true }),
      new nn.AdaptiveAvgPool2d([2, 1]),
      new nn.Flatten(),
      new nn.Dropout(0.1),
      new nn.Linear(8, 3),
    );
    const x = fl.randn([2, 1, 9, 9]);
    const step = () =>
      fl.tidy(() => {
        const loss = model.forward(x).logSoftmax(1).mean();
        loss.backward();
        return loss.item();
      });
    step(); // first call creates the .grad tensors
    model.zeroGrad();
    const before = fl.memory();
    const buffers = backend.stats().buffers;
    step();
    model.zeroGrad();
    expect(fl.memory()).toEqual(before);
    expect(backend.stats().buffers).toBe(buffers);
    x.dispose();
    disposeModule(model);
  });
});

describe('functional extras', () => {
  it('empty batches give empty outputs', () => {
    scoped(() => {
      expect(nn.F.conv2d(fl.zeros([0, 2, 5, 5]), fl.ones([3, 2, 3, 3])).shape).toEqual([
        0, 3, 3, 3,
      ]);
      expect(nn.F.maxPool2d(fl.zeros([0, 2, 4, 4]), 2).shape).toEqual([0, 2, 2, 2]);
      expect(nn.F.avgPool2d(fl.zeros([0, 2, 4, 4]), 2).shape).toEqual([0, 2, 2, 2]);
    });
  });

  it('convTranspose2d undoes the shape of a strided conv2d', () => {
    scoped(() => {
      const w = fl.randn([8, 3, 3, 3]);
      const y = nn.F.conv2d(fl.randn([2, 3, 9, 10]), w, null, { stride: 2, padding: 1 });
      expect(y.shape).toEqual([2, 8, 5, 5]);
      expect(
        nn.F.convTranspose2d(y, w, null, { stride: 2, padding: 1, outputPadding: [0, 1] }).shape,
      ).toEqual([2, 3, 9, 10]);
      const up = new nn.ConvTranspose2d(8, 3, 3, { stride: 2, padding: 1 });
      expect(up.forward(y, [9, 10]).shape).toEqual([2, 3, 9, 10]);
      expect(() => up.forward(y, [12, 10])).toThrow(/not reachable/);
      disposeModule(up);
    });
  });

  it('Embedding paddingIdx rows start at zero and get no gradient', () => {
    const emb = new nn.Embedding(4, 2, { paddingIdx: -1 });
    expect(emb.paddingIdx).toBe(3);
    expect((emb.weight.toArray() as number[][])[3]).toEqual([0, 0]);
    scoped(() => {
      emb
        .forward(fl.tensor([3, 0, 3], { dtype: 'int32' }))
        .sum()
        .backward();
      expect(emb.weight.grad!.toArray()).toEqual([
        [1, 1],
        [0, 0],
        [0, 0],
        [0, 0],
      ]);
    });
    const frozen = nn.Embedding.fromPretrained(fl.ones([3, 2]));
    expect(frozen.weight.requiresGrad).toBe(false);
    disposeModule(emb);
    disposeModule(frozen);
  });
});
