import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import { DataLoader, defaultCollate } from '../src/data/loader.js';
import {
  Dataset,
  Subset,
  TensorDataset,
  randomPermutation,
  randomSplit,
} from '../src/data/dataset.js';

const backend = cpuBackend({ name: 'cpu-data-loader-test' });
beforeAll(() => fl.use(backend));
afterAll(() => fl.removeBackend(backend.name));
// Every test frees what it makes: a tensor left to the garbage collector could be finalized after
// removeBackend, and tests here double as a leak check of the code under test.
let liveAtStart = 0;
beforeEach(() => {
  liveAtStart = fl.memory().tensors;
});
afterEach(() => {
  expect(fl.memory().tensors, 'tensors leaked by this test').toBe(liveAtStart);
});

const live = () => fl.memory().perDevice[backend.name]?.tensors ?? 0;

/** x[i] = [i, 10 i], y[i] = i % 3 */
function rows(n: number) {
  const x = fl
    .arange(n, undefined, 1, { dtype: 'float32' })
    .unsqueeze(1)
    .mul(fl.tensor([1, 10]));
  const y = fl.arange(n).remainder(3);
  return { x, y, ds: new TensorDataset(x, y) };
}

class Squares extends Dataset<[number, number]> {
  constructor(readonly n: number) {
    super();
  }
  get length() {
    return this.n;
  }
  get(i: number): [number, number] {
    return [i, i * i];
  }
}

describe('TensorDataset', () => {
  it('get returns row views; length is the first dim', () =>
    fl.tidy(() => {
      const { x, y, ds } = rows(5);
      expect(ds.length).toBe(5);
      const [xi, yi] = ds.get(3);
      expect(xi!.toArray()).toEqual([3, 30]);
      expect(yi!.shape).toEqual([]);
      expect(yi!.item()).toBe(0);
      expect(() => ds.get(5)).toThrow(fl.ShapeError);
      expect(() => ds.get(-1)).toThrow(/index -1 is out of range for a dataset of length 5/);
      expect([...ds].length).toBe(5);
      x.dispose();
      y.dispose();
    }));

  it('mismatched first dims throw ShapeError naming every shape', () =>
    fl.tidy(() => {
      const a = fl.zeros([4, 2]);
      const b = fl.zeros([3]);
      const c = fl.zeros([4]);
      expect(() => new TensorDataset(a, b, c)).toThrow(fl.ShapeError);
      expect(() => new TensorDataset(a, b, c)).toThrow('got shapes [4,2], [3], [4]');
      expect(() => new TensorDataset()).toThrow(/at least one tensor/);
      expect(() => new TensorDataset(fl.tensor(1))).toThrow(/shapes \[\]/);
    }));
});

describe('DataLoader', () => {
  it('in order: full batches plus an uneven last batch; dropLast drops it', () =>
    fl.tidy(() => {
      const { x, y, ds } = rows(10);
      const loader = new DataLoader(ds, { batchSize: 4 });
      expect(loader.length).toBe(3);
      const sizes: number[] = [];
      const firsts: number[] = [];
      for (const [xb, yb] of loader)
        fl.tidy(() => {
          sizes.push(xb!.shape[0]!);
          expect(xb!.shape.slice(1)).toEqual([2]);
          expect(yb!.shape).toEqual([xb!.shape[0]]);
          firsts.push(xb!.index(0, 0).item());
        });
      expect(sizes).toEqual([4, 4, 2]);
      expect(firsts).toEqual([0, 4, 8]);
      const dropping = new DataLoader(ds, { batchSize: 4, dropLast: true });
      expect(dropping.length).toBe(2);
      expect([...dropping].map((b) => fl.tidy(() => b[0]!.shape[0]))).toEqual([4, 4]);
      x.dispose();
      y.dispose();
    }));

  it('shuffle with a seed: reproducible, a permutation, different across epochs, global generator untouched', () =>
    fl.tidy(() => {
      const { x, y, ds } = rows(20);
      const order = (l: DataLoader<fl.Tensor[]>) =>
        Array.from(l, (b) => fl.tidy(() => Array.from(b[0]!.index(':', 0).dataSync()))).flat();
      fl.manualSeed(5);
      const before = fl.rand([3]).toArray();
      const a = new DataLoader(ds, { batchSize: 6, shuffle: true, seed: 7 });
      const b = new DataLoader(ds, { batchSize: 6, shuffle: true, seed: 7 });
      fl.manualSeed(5);
      const e1 = order(a);
      expect(fl.rand([3]).toArray()).toEqual(before); // the seeded shuffle did not draw from it
      const e2 = order(a);
      expect(order(b)).toEqual(e1);
      expect(order(b)).toEqual(e2);
      expect([...e1].sort((p, q) => p - q)).toEqual([...Array(20).keys()]);
      expect(e2).not.toEqual(e1);
      expect(e1).not.toEqual([...Array(20).keys()]);
      expect(order(new DataLoader(ds, { batchSize: 6, shuffle: true, seed: 8 }))).not.toEqual(e1);
      x.dispose();
      y.dispose();
    }));

  it('shuffle without a seed follows fl.manualSeed', () =>
    fl.tidy(() => {
      const { x, y, ds } = rows(12);
      const run = () => {
        fl.manualSeed(3);
        const l = new DataLoader(ds, { batchSize: 12, shuffle: true });
        return Array.from(l, (b) => Array.from(b[1]!.dataSync())).flat();
      };
      expect(run()).toEqual(run());
      x.dispose();
      y.dispose();
    }));

  it('TensorDataset batches are one indexSelect per tensor (no per-row stacking), and nothing leaks', () =>
    fl.tidy(() => {
      const { x, y, ds } = rows(9);
      const start = live();
      const gets: number[] = [];
      const spy = new Proxy(ds, {
        get(target, p, r) {
          if (p === 'get') gets.push(1);
          return Reflect.get(target, p, r);
        },
      });
      for (const [xb, yb] of new DataLoader(spy, { batchSize: 4, shuffle: true, seed: 1 })) {
        fl.tidy(() => {
          expect(xb!.index(':', 1).toArray()).toEqual(
            (xb!.index(':', 0).toArray() as number[]).map((v) => v * 10),
          );
        });
        xb!.dispose();
        yb!.dispose();
      }
      expect(gets).toEqual([]);
      expect(live()).toBe(start);
      x.dispose();
      y.dispose();
    }));

  it('generic datasets: numbers collate to int32/float32 tensors; custom collate', () =>
    fl.tidy(() => {
      const loader = new DataLoader(new Squares(5), { batchSize: 2 });
      // Read each batch before the next is drawn: the loader frees the previous one then.
      const batches = Array.from(loader, ([i, sq]) => [i.dtype, i.toArray(), sq.toArray()]);
      expect(batches).toEqual([
        ['int32', [0, 1], [0, 1]],
        ['int32', [2, 3], [4, 9]],
        ['int32', [4], [16]],
      ]);
      const custom = new DataLoader(new Squares(3), {
        batchSize: 3,
        collate: (items) => items.map(([a, b]) => a + b),
      });
      expect([...custom]).toEqual([[0, 2, 6]]);
    }));

  it('defaultCollate stacks tensors, recurses into arrays and objects, keeps strings as lists', () =>
    fl.tidy(() => {
      const start = live();
      const out = defaultCollate([
        { img: fl.ones([2]), label: 1, w: 0.5, name: 'a', ok: true },
        { img: fl.zeros([2]), label: 2, w: 1, name: 'b', ok: false },
      ]);
      expect(out.img.toArray()).toEqual([
        [1, 1],
        [0, 0],
      ]);
      expect(out.label.dtype).toBe('int32');
      expect(out.w.dtype).toBe('float32');
      expect(out.ok.toArray()).toEqual([true, false]);
      expect(out.name).toEqual(['a', 'b']);
      expect(() => defaultCollate([[fl.ones([2])], [fl.ones([3])]])).toThrow(fl.ShapeError);
      expect(() => defaultCollate([])).toThrow(/empty batch/);
      for (const t of [out.img, out.label, out.w, out.ok]) t.dispose();
      expect(live()).toBe(start + 4); // the four item tensors above, nothing else
    }));

  it('rejects bad options', () => {
    const ds = new Squares(3);
    expect(() => new DataLoader(ds, { batchSize: 0 })).toThrow(
      /batchSize must be a positive integer/,
    );
    expect(() => new DataLoader(ds, { seed: -1 })).toThrow(
      /seed must be a non-negative safe integer/,
    );
  });
});

describe('randomPermutation, Subset and randomSplit', () => {
  it('permutations are pure functions of (seed, stream) and roughly uniform', () => {
    expect(randomPermutation(10, 42)).toEqual(randomPermutation(10, 42));
    expect(randomPermutation(10, 42, 1)).not.toEqual(randomPermutation(10, 42, 0));
    expect(randomPermutation(0, 1)).toEqual([]);
    const firstCounts = new Array(4).fill(0);
    for (let s = 0; s < 4000; s++) firstCounts[randomPermutation(4, s)[0]!]++;
    for (const c of firstCounts) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });

  it('randomSplit by lengths and by fractions, disjoint and covering, seeded', () => {
    const ds = new Squares(10);
    const [a, b] = randomSplit(ds, [7, 3], 0);
    expect([a!.length, b!.length]).toEqual([7, 3]);
    expect([...a!.indices, ...b!.indices].sort((p, q) => p - q)).toEqual([...Array(10).keys()]);
    expect(randomSplit(ds, [7, 3], 0).map((s) => s.indices)).toEqual([a!.indices, b!.indices]);
    // floor(10 × f) = [5, 2, 2]; the remainder goes round-robin from the first split, as in PyTorch
    expect(randomSplit(ds, [0.5, 0.25, 0.25], 1).map((s) => s.length)).toEqual([6, 2, 2]);
    expect(() => randomSplit(ds, [5, 4])).toThrow(/summing to the dataset length 10/);
    expect(a!.get(0)[1]).toBe(a!.indices[0]! ** 2);
  });

  it('a Subset of a TensorDataset keeps the indexSelect fast path', () =>
    fl.tidy(() => {
      const { x, y, ds } = rows(8);
      const sub = new Subset(ds, [7, 1, 3]);
      expect(typeof sub.getBatch).toBe('function');
      expect(typeof new Subset(new Squares(3), [0]).getBatch).toBe('undefined');
      // The first batch, still live: the suspended iterator has not drawn the next one.
      const [xb] = new DataLoader(sub, { batchSize: 3 })[Symbol.iterator]().next().value!;
      expect(xb!.index(':', 0).toArray()).toEqual([7, 1, 3]);
      x.dispose();
      y.dispose();
    }));
});
