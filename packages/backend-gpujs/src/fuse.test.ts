/**
 * The fusion invariants of fuse.ts, checked directly: a chain runs as one kernel, results match
 * the unfused kernels, freeing or writing a buffer that a pending expression reads runs that
 * expression first, dropped expressions own no texture, and kernels are cached by signature.
 */
import * as fl from '@flint/core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { gpujsBackend } from './index.js';
import type { GpujsBackend } from './index.js';
import { compile } from './fuse.js';
import { FORMULAS, parseFormula } from './fuse-formula.js';
import { binarySrc } from './kernels/elementwise.js';

let g: GpujsBackend;
let plain: GpujsBackend;
// hostThreshold and sharedKernelMax 0: every call, however small, fuses on the device
beforeAll(() => {
  g = gpujsBackend({ name: 'gpujs-fuse', hostThreshold: 0, sharedKernelMax: 0 });
  plain = gpujsBackend({ name: 'gpujs-nofuse', hostThreshold: 0, fuse: false });
  fl.register(g);
  fl.register(plain);
});
afterAll(() => {
  fl.removeBackend('gpujs-fuse');
  fl.removeBackend('gpujs-nofuse');
});

const on = (device: string, data: number[], shape: number[]) =>
  fl.tidy(() => fl.tensor(data, { device }).reshape(shape));

function chain(device: string): number[] {
  return fl
    .tidy(() => {
      const x = on(device, [-2, -1, 0, 1, 2, 3, NaN, -0, 4, -5, 6, -7], [3, 4]);
      const w = on(device, [0.5, -1, 2, 0], [4]);
      const b = on(device, [1, 0, -3, 0.25], [4]);
      return x.mul(w).add(b).relu().sub(x.abs().exp().neg()).toArray() as number[];
    })
    .flat() as number[];
}

test('formulas of the clause form parse; others stay on their own kernel', () => {
  expect(FORMULAS.has('add')).toBe(true);
  expect(FORMULAS.has('maximum')).toBe(true);
  expect(FORMULAS.has('where')).toBe(true);
  // remainder loops: not of the clause form
  expect(FORMULAS.has('remainder')).toBe(false);
  const head =
    'function(x, xo, y, yo, nan, inf) { const a = x[xo + this.thread.x]; const b = y[yo + this.thread.x]; ';
  expect(parseFormula(binarySrc('maximum'), head, ['a', 'b'])?.conds.length).toBe(3);
  expect(parseFormula('function(x) { for (;;) {} }', head, ['a'])).toBeNull();
});

test('the kernel key is the signature, never the size', () => {
  const leaf = { buf: {} as never, off: 0, q: 1, p: 1, kind: 'plain' as const };
  const items = [{ leaf: 0 }, { leaf: 1 }, { op: 'mul', args: [0, 1] }];
  const [k1, s1] = compile({ leaves: [leaf, { ...leaf, p: 99 }], items });
  const [k2, s2] = compile({ leaves: [leaf, { ...leaf, p: 7 }], items });
  expect(k1).toBe(k2);
  expect(s1).toBe(s2);
  expect(k1).toBe('fuse:plain0;plain1;mul(0,1)');
});

test('a chain runs as one kernel and matches the unfused kernels, NaN and −0 included', () => {
  const before = g.stats();
  const fused = chain('gpujs-fuse');
  const ref = chain('gpujs-nofuse');
  expect(fused.map(Object.is.bind(null, NaN))).toEqual(ref.map(Object.is.bind(null, NaN)));
  fused.forEach((v, i) => {
    if (Number.isNaN(ref[i]!)) expect(v).toBeNaN();
    else expect(v).toBeCloseTo(ref[i]!, 5);
  });
  const after = g.stats();
  expect(after.textures).toBe(before.textures);
  expect(after.buffers).toBe(before.buffers);
  // the 6 primitives of the chain after the inputs: one fused kernel (compiled once)
  const again = g.stats().compiles;
  chain('gpujs-fuse');
  expect(g.stats().compiles).toBe(again);
});

test('freeing an input of a pending expression runs the expression first', () => {
  const x = on('gpujs-fuse', [1, 2, 3, 4], [4]);
  fl.tidy(() => x.add(0).toArray()); // uploads x
  // the scalars 2 and 1 are device fills here (hostThreshold 0), freed by tidy but still read
  const y = fl.tidy(() => x.mul(2).add(1));
  const held = g.stats().textures;
  x.dispose();
  // x's texture lives on while y's pending expression reads it
  expect(g.stats().textures).toBe(held);
  expect(y.toArray()).toEqual([3, 5, 7, 9]);
  // y ran (+1): x and both scalars are released (−3)
  expect(g.stats().textures).toBe(held - 2);
  y.dispose();
  expect(g.stats().textures).toBe(held - 3);
});

test('an in-place update of a leaf keeps pending readers on the old values', () => {
  const x = on('gpujs-fuse', [1, 2, 3, 4], [4]);
  const y = x.mul(10);
  x.add_(100);
  x.mul_(2);
  expect(y.toArray()).toEqual([10, 20, 30, 40]);
  expect(x.toArray()).toEqual([202, 204, 206, 208]);
  x.dispose();
  y.dispose();
});

test('optimizer steps (in-place parameter writes) train as without fusion', () => {
  const losses = (device: string) => {
    fl.manualSeed(3);
    const m = new fl.nn.Sequential(
      new fl.nn.Linear(4, 8),
      new fl.nn.ReLU(),
      new fl.nn.Linear(8, 2),
    );
    m.to(device);
    const opt = new fl.optim.Adam(m.parameters(), { lr: 0.05 });
    const x = fl.randn([16, 4]).to(device);
    const y = fl.randn([16, 2]).to(device);
    const out: number[] = [];
    for (let i = 0; i < 5; i++)
      out.push(
        fl.tidy(() => {
          opt.zeroGrad();
          const loss = (m.forward(x) as fl.Tensor).sub(y).pow(2).mean();
          loss.backward();
          opt.step();
          return loss.item();
        }),
      );
    x.dispose();
    y.dispose();
    return out;
  };
  const a = losses('gpujs-fuse');
  const b = losses('gpujs-nofuse');
  a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 5));
});

test('a lazy value read by two consumers (and twice by one) is right in each', () => {
  const v = fl.tidy(() => {
    const x = on('gpujs-fuse', [0, 1, -2, 3], [4]).mul(0.5);
    const a = x.add(1);
    const b = x.mul(x);
    const c = x.neg();
    return [a, b, c].map((t) => t.toArray() as number[]);
  });
  expect(v).toEqual([
    [1, 1.5, 0, 2.5],
    [0, 0.25, 1, 2.25],
    [-0, -0.5, 1, -1.5],
  ]);
});

test('a freed intermediate read by two pending expressions stays until both have run', () => {
  // mean = sum / n: the sum is freed at once; isnan reads the mean twice (inlined, then as a
  // leaf, which runs the mean and must not release the sum the inlined copy still reads)
  const v = fl.tidy(() => {
    const m = on('gpujs-fuse', [-0.25, 0.5, 1.75], [3]).mean();
    return [m.nanToNum(0.5, 9.5).item(), m.isnan().item()];
  });
  expect(v[0]).toBeCloseTo(2 / 3, 6);
  expect(Boolean(v[1])).toBe(false);
});

test('a dropped expression leaves no buffer or texture behind', () => {
  const before = g.stats();
  const x = on('gpujs-fuse', [1, 2, 3], [3]);
  const t = g.stats().textures;
  const y = fl.tidy(() => x.neg().exp());
  // nothing ran yet: the lazy results hold no texture
  expect(g.stats().textures).toBe(t);
  y.dispose();
  x.dispose();
  expect(g.stats().buffers).toBe(before.buffers);
  expect(g.stats().textures).toBe(before.textures);
});
