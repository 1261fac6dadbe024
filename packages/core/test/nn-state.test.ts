/**
 * Module.loadStateDict is all-or-nothing (issue 15): every key, value, shape and dtype is checked
 * before the first write, each failure is a typed error naming the key, and a failed load leaves
 * every parameter and buffer exactly as it was and allocates nothing that outlives the call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import { nn } from '@flint/core';

const backend = cpuBackend({ name: 'cpu-nn-state-test' });
const second = cpuBackend({ name: 'cpu-nn-state-2' });
beforeAll(() => {
  fl.use(second);
  fl.use(backend);
});
afterAll(() => {
  expect(fl.memory().perDevice[backend.name]?.tensors ?? 0).toBe(0);
  fl.removeBackend(backend.name);
  fl.removeBackend(second.name);
});

function model(): nn.Module {
  return new nn.Sequential(new nn.Linear(2, 3), new nn.BatchNorm1d(3), new nn.Linear(3, 1));
}
function dispose(m: nn.Module): void {
  for (const t of [...m.parameters(), ...m.buffers()]) t.dispose();
}
/** Every entry read back, to compare before and after a failed load. */
function snapshot(m: nn.Module): Record<string, unknown> {
  return Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, t.toArray()]));
}
/** A full state dict of fresh values (the caller's tensors, made inside a tidy). */
function fresh(m: nn.Module, fill = 7): Record<string, fl.Tensor> {
  return Object.fromEntries(
    Object.entries(m.stateDict()).map(([k, t]) => [
      k,
      fl.full(t.shape, k.endsWith('num_batches_tracked') ? 3 : fill, { dtype: t.dtype }),
    ]),
  );
}

/** `load` must throw `Err` matching `match`, changing nothing and leaking nothing. */
function expectNoChange(
  m: nn.Module,
  load: () => unknown,
  Err: new (...a: never[]) => Error,
  match: RegExp,
): void {
  const before = snapshot(m);
  const mem = fl.memory();
  let thrown: unknown;
  try {
    load();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(Err);
  expect((thrown as Error).message).toMatch(match);
  expect((thrown as Error).message.length).toBeLessThan(2000);
  expect(fl.memory()).toEqual(mem);
  expect(snapshot(m)).toEqual(before);
}

describe('Module.loadStateDict: all or nothing', () => {
  it('a bad entry after good ones leaves the module as it was', () => {
    const m = model();
    fl.tidy(() => {
      const sd = fresh(m);
      sd['2.weight'] = fl.zeros([2, 3]);
      expectNoChange(
        m,
        () => m.loadStateDict(sd),
        fl.ShapeError,
        /Sequential.loadStateDict: size mismatch for '2.weight': checkpoint has \[2,3\], model has \[1,3\]/,
      );
      // The same dict, fixed, loads every entry.
      sd['2.weight'] = fl.full([1, 3], 7);
      expect(m.loadStateDict(sd)).toEqual({ missingKeys: [], unexpectedKeys: [] });
      expect(m.stateDict()['0.weight']!.toArray()).toEqual([
        [7, 7],
        [7, 7],
        [7, 7],
      ]);
      expect(m.stateDict()['1.num_batches_tracked']!.item()).toBe(3);
    });
    dispose(m);
  });

  it('null, undefined and numbers where tensors belong are ArgumentErrors naming the key', () => {
    const m = model();
    fl.tidy(() => {
      for (const bad of [null, undefined, 5, [1, 2], { shape: [3, 2] }]) {
        const sd: Record<string, unknown> = fresh(m);
        sd['0.bias'] = bad;
        for (const strict of [true, false])
          expectNoChange(
            m,
            () => m.loadStateDict(sd as Record<string, fl.Tensor>, { strict }),
            fl.ArgumentError,
            /Sequential.loadStateDict: the value of '0.bias' must be a Tensor, got /,
          );
      }
    });
    dispose(m);
  });

  it('the argument itself must be a state dict object', () => {
    const m = model();
    fl.tidy(() => {
      for (const bad of [null, undefined, 5, 'weights', [], fl.zeros([2])])
        expectNoChange(
          m,
          () => m.loadStateDict(bad as unknown as Record<string, fl.Tensor>),
          fl.ArgumentError,
          /Sequential.loadStateDict: expected a state dict, an object of tensors by key/,
        );
    });
    fl.tidy(() => {
      const map = new Map(Object.entries(fresh(m)));
      expectNoChange(
        m,
        () => m.loadStateDict(map as unknown as Record<string, fl.Tensor>),
        fl.ArgumentError,
        /for a Map, pass Object.fromEntries\(map\)/,
      );
    });
    fl.tidy(() => {
      const sd = fresh(m);
      for (const [opts, match] of [
        [5, /options must be an object \{ strict \}, got 5/],
        [{ strict: 'no' }, /strict must be true or false, got 'no'/],
        [{ stric: false }, /unknown option 'stric'; the only option is strict/],
      ] as const)
        expectNoChange(
          m,
          () => m.loadStateDict(sd, opts as unknown as nn.LoadOptions),
          fl.ArgumentError,
          match,
        );
    });
    dispose(m);
  });

  it('missing and unexpected keys: strict throws (listing a bounded number), non-strict reports', () => {
    const m = model();
    fl.tidy(() => {
      const sd: Record<string, fl.Tensor> = fresh(m);
      delete sd['2.bias'];
      for (let i = 0; i < 50; i++) sd[`extra.${'x'.repeat(5000)}.${i}`] = fl.zeros([1]);
      expectNoChange(
        m,
        () => m.loadStateDict(sd),
        fl.ShapeError,
        /missing keys \['2.bias'\]; unexpected keys \['extra.x+…', .*… 42 more\]/,
      );
      const r = m.loadStateDict(sd, { strict: false });
      expect(r.missingKeys).toEqual(['2.bias']);
      expect(r.unexpectedKeys).toHaveLength(50);
      expect(m.stateDict()['2.weight']!.toArray()).toEqual([[7, 7, 7]]);
    });
    dispose(m);
  });

  it('a disposed tensor, in the dict or in the module, is a DisposedTensorError', () => {
    const m = model();
    fl.tidy(() => {
      const sd = fresh(m);
      sd['1.running_var']!.dispose();
      expectNoChange(
        m,
        () => m.loadStateDict(sd),
        fl.DisposedTensorError,
        /the state dict's tensor for '1.running_var' was disposed/,
      );
    });
    const lin = new nn.Linear(2, 2);
    lin.bias!.dispose();
    fl.tidy(() => {
      const sd = { weight: fl.zeros([2, 2]), bias: fl.zeros([2]) };
      expect(() => lin.loadStateDict(sd)).toThrow(/the module's own tensor 'bias' was disposed/);
      expect(lin.weight.toArray()).not.toEqual([
        [0, 0],
        [0, 0],
      ]);
    });
    dispose(lin);
    dispose(m);
  });

  it('dtypes convert to the same or a wider kind; float into an int buffer is a DTypeError', () => {
    const m = model();
    fl.tidy(() => {
      const sd = fresh(m);
      sd['1.num_batches_tracked'] = fl.tensor(2.5);
      expectNoChange(
        m,
        () => m.loadStateDict(sd),
        fl.DTypeError,
        /'1.num_batches_tracked' is float32 in the state dict but int32 in the module; .*\.to\('int32'\)/,
      );
      // int32 and bool into float parameters, float64 into float32: all exact or in kind.
      sd['1.num_batches_tracked'] = fl.tensor(4, { dtype: 'int32' });
      sd['0.bias'] = fl.tensor([1, 2, 3], { dtype: 'int32' });
      sd['2.bias'] = fl.tensor([true]);
      sd['0.weight'] = fl.full([3, 2], 0.1, { dtype: 'float64' });
      m.loadStateDict(sd);
      const after = m.stateDict();
      expect(after['0.bias']!.dtype).toBe('float32');
      expect(after['0.bias']!.toArray()).toEqual([1, 2, 3]);
      expect(after['2.bias']!.toArray()).toEqual([1]);
      expect(after['0.weight']!.dataSync()[0]).toBeCloseTo(0.1, 7);
      expect(after['1.num_batches_tracked']!.item()).toBe(4);
    });
    dispose(m);
  });

  it('sources may live on another device, or be views of the parameters being written', () => {
    const a = new nn.Sequential(
      new nn.Linear(2, 2, { bias: false }),
      new nn.Linear(2, 2, { bias: false }),
    );
    const [w0, w1] = [a.stateDict()['0.weight']!, a.stateDict()['1.weight']!];
    const before = [w0.toArray(), w1.toArray()];
    // Swap the two weights: the second source is the first destination, overwritten first.
    a.loadStateDict({ '0.weight': w1, '1.weight': w0 });
    expect([a.stateDict()['0.weight']!.toArray(), a.stateDict()['1.weight']!.toArray()]).toEqual(
      before.reverse(),
    );
    fl.tidy(() => {
      const elsewhere = fl.full([2, 2], 5, { device: second.name });
      a.loadStateDict({ '0.weight': elsewhere, '1.weight': elsewhere });
      expect(a.stateDict()['1.weight']!.device).toBe(backend.name);
      expect(a.stateDict()['1.weight']!.toArray()).toEqual([
        [5, 5],
        [5, 5],
      ]);
    });
    dispose(a);
  });
});
