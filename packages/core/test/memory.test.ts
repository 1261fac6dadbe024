import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';

const backend = cpuBackend({ name: 'cpu-memory-test' });
beforeAll(() => fl.use(backend));
afterAll(() => fl.removeBackend(backend.name));

describe('memory', () => {
  it('a 10,000-step training loop with tidy per step leaves fl.memory() where it started', () => {
    fl.manualSeed(1);
    const x = fl.randn([16, 4]);
    const y = fl.randn([16, 1]);
    let w = fl.keep(fl.randn([4, 1], { requiresGrad: true }));
    let b = fl.keep(fl.zeros([1], { requiresGrad: true }));
    const before = fl.memory();
    const buffersBefore = backend.stats().buffers;
    let first = 0;
    let last = 0;
    for (let step = 0; step < 10_000; step++) {
      last = fl.tidy(() => {
        const loss = x.matmul(w).add(b).sub(y).square().mean();
        loss.backward();
        fl.noGrad(() => {
          const nw = fl.keep(w.sub(w.grad!.mul(0.01)).requiresGrad_());
          const nb = fl.keep(b.sub(b.grad!.mul(0.01)).requiresGrad_());
          w.dispose();
          b.dispose();
          [w, b] = [nw, nb];
        });
        return loss.item();
      });
      if (step === 0) first = last;
    }
    expect(last).toBeLessThan(first);
    expect(fl.memory()).toEqual(before);
    expect(backend.stats().buffers).toBe(buffersBefore);
  });

  it('frees the graph of a forward pass that is never backpropagated', () => {
    const start = backend.stats();
    const w = fl.randn([4, 3], { requiresGrad: true });
    const out = fl.tidy(() => w.exp().mul(2).softmax(1).sum());
    out.dispose();
    w.dispose();
    expect(backend.stats()).toEqual(start);
  });

  it('dispose is idempotent and use after dispose throws DisposedTensorError', () => {
    const t = fl.ones([2]);
    t.dispose();
    t.dispose();
    expect(() => t.add(1)).toThrow(fl.DisposedTensorError);
    expect(() => t.toArray()).toThrow(/used after dispose/);
  });

  it('views keep the buffer alive until the last holder is gone', () => {
    const start = backend.stats().buffers;
    const base = fl.tidy(() => fl.arange(6).reshape([2, 3]));
    const v = base.T;
    base.dispose();
    expect(v.toArray()).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
    v.dispose();
    expect(backend.stats().buffers).toBe(start);
  });

  it('`using` disposes at the end of the block', () => {
    const start = fl.memory().tensors;
    {
      using t = fl.ones([3]);
      expect(t.sum().item()).toBe(3);
    }
    // the sum above is a live tensor too; only `t` was disposed by `using`
    expect(fl.memory().tensors).toBe(start + 1);
  });

  it('tidy keeps returned tensors (also in arrays and objects) and frees the rest', () => {
    const start = fl.memory().tensors;
    const r = fl.tidy(() => {
      const a = fl.ones([2]).mul(2);
      return { a, list: [a.add(1)] };
    });
    expect(fl.memory().tensors).toBe(start + 2);
    r.a.dispose();
    r.list[0]!.dispose();
    expect(fl.memory().tensors).toBe(start);
  });
});

describe('FinalizationRegistry backstop', () => {
  it('frees the buffer of a tensor collected without dispose()', async () => {
    const { setFlagsFromString } = await import('node:v8');
    const { runInNewContext } = await import('node:vm');
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const start = backend.stats().buffers;
    (() => {
      fl.keep(fl.ones([1024])); // unreachable once this function returns, never disposed
    })();
    expect(backend.stats().buffers).toBe(start + 1);
    // Other unreachable tensors of earlier tests may be collected too, hence `≤`.
    for (let i = 0; i < 20 && backend.stats().buffers > start; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(backend.stats().buffers).toBeLessThanOrEqual(start);
  });
});

/** The guide's PyTorch-style model and loop (docs/guide/training.md), small enough for a test. */
class MLP extends fl.nn.Module {
  fc1 = new fl.nn.Linear(12, 16);
  fc2 = new fl.nn.Linear(16, 8);
  fc3 = new fl.nn.Linear(8, 4);
  forward(x: fl.Tensor): fl.Tensor {
    const h = x.flatten(1);
    return this.fc3.forward(this.fc2.forward(this.fc1.forward(h).relu()).relu());
  }
}

function setup() {
  fl.manualSeed(0);
  const model = new MLP();
  const optimizer = new fl.optim.Adam(model.parameters(), { lr: 1e-2 });
  const criterion = new fl.nn.CrossEntropyLoss();
  const xb = fl.keep(fl.rand([8, 3, 4]));
  const yb = fl.keep(fl.randint(0, 4, [8]));
  /** One step exactly as a PyTorch user writes it: no tidy, nothing disposed. */
  const step = () => {
    optimizer.zeroGrad();
    const loss = criterion.forward(model.forward(xb), yb);
    loss.backward();
    optimizer.step();
    return loss.item();
  };
  return { model, optimizer, step };
}

describe('Module.forward frees its intermediates', () => {
  class Net extends fl.nn.Module {
    w = fl.nn.Parameter(fl.tensor([[1, -2]]));
    cache: fl.Tensor | null = null;
    forward(x: fl.Tensor, mode = 'tensor'): unknown {
      const h = x.matmul(this.w).relu().mul(3); // three intermediates
      const y = h.add(1);
      if (mode === 'array') return [y, { h }];
      if (mode === 'field') {
        this.cache = h.neg();
        return y;
      }
      if (mode === 'map') return new Map([['y', y]]);
      if (mode === 'throw') throw new Error('boom');
      return y;
    }
  }
  let x: fl.Tensor;
  beforeAll(() => {
    x = fl.keep(fl.tensor([[1], [2]]));
  });

  it('keeps only what forward returns, and the graph still differentiates', () => {
    const net = new Net();
    const start = fl.memory().tensors;
    fl.noGrad(() => (net.forward(x) as fl.Tensor).dispose());
    expect(fl.memory().tensors).toBe(start);
    const y = net.forward(x) as fl.Tensor;
    const loss = y.sum();
    loss.backward();
    // d/dw of sum(3·relu(x·w) + 1) = 3·Σ x·[x·w > 0]
    expect(net.w.grad!.toArray()).toEqual([[9, 0]]);
    // After backward only the graph's ends are left: y, the loss and w.grad.
    expect(fl.memory().tensors).toBe(start + 3);
    for (const t of [y, loss]) t.dispose();
    net.zeroGrad();
    expect(fl.memory().tensors).toBe(start);
  });

  it('keeps tensors in returned arrays and objects, and tensors stored on the module', () => {
    const net = new Net();
    const start = fl.memory().tensors;
    const [y, { h }] = fl.noGrad(() => net.forward(x, 'array') as [fl.Tensor, { h: fl.Tensor }]);
    expect(fl.memory().tensors).toBe(start + 2);
    expect(h.toArray()).toEqual([
      [3, 0],
      [6, 0],
    ]);
    const z = fl.noGrad(() => net.forward(x, 'field') as fl.Tensor);
    expect(net.cache!.toArray()).toEqual([
      [-3, -0],
      [-6, -0],
    ]);
    for (const t of [y, h, z, net.cache!]) t.dispose();
    expect(fl.memory().tensors).toBe(start);
  });

  it('keeps everything when the result hides tensors it cannot see (a Map, a Promise)', async () => {
    const net = new Net();
    const start = fl.memory().tensors;
    const m = net.forward(x, 'map') as Map<string, fl.Tensor>;
    expect(m.get('y')!.toArray()).toEqual([
      [4, 1],
      [7, 1],
    ]);
    expect(fl.memory().tensors).toBeGreaterThan(start + 1);
    class Later extends fl.nn.Module {
      async forward(t: fl.Tensor): Promise<fl.Tensor> {
        const doubled = t.mul(2);
        await new Promise((r) => setTimeout(r, 1));
        return doubled.add(1);
      }
    }
    expect((await new Later().forward(x)).toArray()).toEqual([[3], [5]]);
  });

  it('frees the intermediates of a forward that throws', () => {
    const net = new Net();
    const start = fl.memory().tensors;
    expect(() => net.forward(x, 'throw')).toThrow('boom');
    expect(fl.memory().tensors).toBe(start);
  });

  it('stays a plain method to callers: detached calls, forward fields, no enumerable key', () => {
    const lin = new fl.nn.Linear(1, 2);
    const detached = lin.forward;
    const y = fl.noGrad(() => detached(x));
    expect(y.shape).toEqual([2, 2]);
    expect(Object.keys(lin)).not.toContain('forward');
    expect(Object.keys(lin.stateDict())).toEqual(['weight', 'bias']);
    class Field extends fl.nn.Module {
      forward = (t: fl.Tensor) => t.mul(2).add(1); // an own field replaces the scoped method
    }
    expect(fl.noGrad(() => new Field().forward(x)).toArray()).toEqual([[3], [5]]);
    y.dispose();
  });

  it('gives the same gradients as the same computation under tidy', () => {
    const { model } = setup();
    const xb = fl.rand([5, 12]);
    const out = model.forward(xb).square().sum();
    out.backward();
    const viaModule = model.parameters().map((p) => p.grad!.toArray());
    model.zeroGrad();
    const [a, b, c] = [model.fc1, model.fc2, model.fc3];
    fl.tidy(() => {
      const lin = (l: fl.nn.Linear, t: fl.Tensor) => t.matmul(l.weight.T).add(l.bias!);
      lin(c, lin(b, lin(a, xb).relu()).relu())
        .square()
        .sum()
        .backward();
    });
    expect(model.parameters().map((p) => p.grad!.toArray())).toEqual(viaModule);
    xb.dispose();
    out.dispose();
  });
});

describe('a training loop without fl.tidy', () => {
  let warn: ReturnType<typeof vi.spyOn>;
  beforeAll(() => {
    warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  });
  afterEach(() => {
    warn.mockClear();
    fl.config({ warnLeaks: true }); // re-arms the detector for the next test
  });
  afterAll(() => warn.mockRestore());

  it('grows only by the two tensors the loop itself drops each step (logits and loss)', () => {
    fl.config({ warnLeaks: true });
    const { step } = setup();
    const first = step();
    for (let i = 0; i < 50; i++) step();
    const a = fl.memory();
    for (let i = 0; i < 100; i++) step();
    const b = fl.memory();
    // Before forwards freed their intermediates this was 7 tensors and 1,668 bytes a step.
    expect(b.tensors - a.tensors).toBe(2 * 100);
    expect(b.bytes - a.bytes).toBe((8 * 4 + 1) * 4 * 100);
    expect(step()).toBeLessThan(first);
  });

  it('warns exactly once, naming fl.tidy and how to silence it, when the count keeps rising', () => {
    fl.config({ warnLeaks: true });
    const { step } = setup();
    for (let i = 0; i < 3000; i++) step();
    expect(warn).toHaveBeenCalledOnce();
    const msg = String(warn.mock.calls[0]![0]);
    expect(msg).toMatch(/live tensors rose from \d+ to \d+ over the last 1000 backward\(\) calls/);
    expect(msg).toMatch(/fl\.tidy\(/);
    expect(msg).toMatch(/fl\.config\(\{ warnLeaks: false \}\)/);
    expect(msg.length).toBeLessThan(700);
  });

  it('never warns for the same loop with one tidy per step', () => {
    fl.config({ warnLeaks: true });
    const { step } = setup();
    const start = fl.memory();
    for (let i = 0; i < 3000; i++) fl.tidy(step);
    expect(warn).not.toHaveBeenCalled();
    // What stays is Adam's state (two tensors per parameter) and the last step's .grad of each.
    expect(fl.memory().tensors - start.tensors).toBe(3 * 6);
  });

  it('never warns for the Keras-style fit', async () => {
    fl.config({ warnLeaks: true });
    fl.manualSeed(0);
    const x = fl.randn([1500, 12]);
    const y = fl.randint(0, 4, [1500]);
    const model = new fl.Model(new MLP()).compile({
      optimizer: (p) => new fl.optim.SGD(p, { lr: 0.01 }),
      loss: 'crossEntropy',
    });
    await model.fit(x, y, { epochs: 1, batchSize: 1, verbose: 0 });
    expect(warn).not.toHaveBeenCalled();
    x.dispose();
    y.dispose();
  });

  it('fl.config({ warnLeaks: false }) silences it', () => {
    expect(fl.config({ warnLeaks: false })).toEqual({ warnLeaks: false });
    expect(fl.config().warnLeaks).toBe(false);
    const { step } = setup();
    for (let i = 0; i < 1500; i++) step();
    expect(warn).not.toHaveBeenCalled();
  });

  it('fl.config rejects what it does not know with an ArgumentError, and changes nothing', () => {
    fl.config({ warnLeaks: true });
    const bad = fl.config as unknown as (...a: unknown[]) => unknown;
    expect(() => bad(5)).toThrow(fl.ArgumentError);
    expect(() => bad(5)).toThrow(/fl\.config: .*options object/);
    expect(() => bad({ warnleaks: false })).toThrow(/fl\.config: unknown option 'warnleaks'/);
    expect(() => bad({ warnLeaks: 'no' })).toThrow(/fl\.config: .*warnLeaks must be a boolean/);
    expect(() => bad({ warnLeaks: false }, 1)).toThrow(fl.ArgumentError);
    expect(fl.config().warnLeaks).toBe(true);
  });
});
