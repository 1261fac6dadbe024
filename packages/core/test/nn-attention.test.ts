import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import {
  MultiheadAttention,
  TransformerEncoderLayer,
  scaledDotProductAttention,
} from '../src/nn/attention/index.js';
import type { Module } from '../src/nn/module.js';
import {
  type Enc,
  disposeAll,
  expectClose,
  loadFixture,
  tensorsOf,
  weightedSum,
} from './nn-rnn-helpers.js';

const backend = cpuBackend({ name: 'cpu-attention-test' });
beforeAll(() => fl.use(backend));
afterAll(() => fl.removeBackend(backend.name));

interface Base {
  id: string;
  options: Record<string, unknown>;
  inputs: Record<string, Enc>;
  outputs: Record<string, Enc>;
  weights: Enc[];
  grads: { inputs: Record<string, Enc>; params?: Record<string, Enc> };
}
interface ModuleCase extends Base {
  stateDict: Record<string, Enc>;
  keys: string[];
}
interface MhaCase extends ModuleCase {
  embedDim: number;
  numHeads: number;
  selfAttention: boolean;
  needWeights: boolean;
}
interface EncoderCase extends ModuleCase {
  dModel: number;
  nhead: number;
}
const fx = loadFixture<{ sdpa: Base[]; mha: MhaCase[]; encoder: EncoderCase[] }>(
  'nn-attention.json',
);

const GRAD_INPUTS = new Set(['query', 'key', 'value', 'src']);
function inputsOf(c: Base): Record<string, fl.Tensor> {
  const ts = tensorsOf(c.inputs);
  for (const [k, t] of Object.entries(ts)) if (GRAD_INPUTS.has(k)) t.requiresGrad_();
  return ts;
}

function load<M extends Module>(m: M, c: ModuleCase): M {
  expect(Object.keys(m.stateDict())).toEqual(c.keys);
  const sd = tensorsOf(c.stateDict);
  m.loadStateDict(sd);
  disposeAll(sd);
  return m.eval();
}

function checkGrads(
  c: Base,
  outs: fl.Tensor[],
  inputs: Record<string, fl.Tensor>,
  m?: Module,
): void {
  Object.entries(c.outputs).forEach(([k, e], i) => expectClose(outs[i], e, `${c.id} ${k}`));
  weightedSum(outs, c.weights).backward();
  for (const [k, e] of Object.entries(c.grads.inputs))
    expectClose(inputs[k]!.grad, e, `${c.id} d/d${k}`);
  if (m)
    for (const [k, p] of m.namedParameters())
      expectClose(p.grad, c.grads.params![k]!, `${c.id} d/d${k}`);
}

describe('scaledDotProductAttention matches the PyTorch reference', () => {
  for (const c of fx.sdpa)
    it(c.id, () =>
      fl.tidy(() => {
        const ts = inputsOf(c);
        const out = scaledDotProductAttention(ts.query!, ts.key!, ts.value!, {
          ...c.options,
          attnMask: ts.attnMask,
        });
        checkGrads(c, [out], ts);
      }),
    );
});

describe('MultiheadAttention matches PyTorch (eval, float64)', () => {
  for (const c of fx.mha)
    it(c.id, () =>
      fl.tidy(() => {
        const m = load(
          new MultiheadAttention(c.embedDim, c.numHeads, { ...c.options, dtype: 'float64' }),
          c,
        );
        const ts = inputsOf(c);
        const q = ts.query!;
        const [k, v] = c.selfAttention ? [q, q] : [ts.key!, ts.value!];
        const [out, w] = m.forward(q, k, v, {
          keyPaddingMask: ts.keyPaddingMask,
          attnMask: ts.attnMask,
          needWeights: c.needWeights,
        });
        expect(w === null).toBe(!c.needWeights);
        checkGrads(c, w ? [out, w] : [out], ts, m);
      }),
    );
});

describe('TransformerEncoderLayer matches PyTorch (eval, float64)', () => {
  for (const c of fx.encoder)
    it(c.id, () =>
      fl.tidy(() => {
        const m = load(
          new TransformerEncoderLayer(c.dModel, c.nhead, { ...c.options, dtype: 'float64' }),
          c,
        );
        const ts = inputsOf(c);
        const out = m.forward(ts.src!, {
          srcMask: ts.srcMask,
          srcKeyPaddingMask: ts.srcKeyPaddingMask,
        });
        checkGrads(c, [out], ts, m);
      }),
    );
});

describe('attention behaviour', () => {
  it('MultiheadAttention starts with torch init: Xavier in_proj_weight, zero biases', () => {
    fl.manualSeed(4);
    const m = new MultiheadAttention(32, 4);
    const sd = m.stateDict();
    const bound = Math.sqrt(6 / (32 + 96));
    const w = Array.from(sd.in_proj_weight!.dataSync());
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(bound * 0.9);
    expect(sd.in_proj_bias!.abs().sum().item()).toBe(0);
    expect(sd['out_proj.bias']!.abs().sum().item()).toBe(0);
    expect(Object.keys(new MultiheadAttention(8, 2, { bias: false }).stateDict())).toEqual([
      'in_proj_weight',
      'out_proj.weight',
    ]);
  });

  it('a bool SDPA mask (true = attend) equals the float −∞ mask', () => {
    fl.tidy(() => {
      const q = fl.randn([2, 3, 4]);
      const allow = fl.tensor([
        [true, false, true],
        [true, true, false],
        [false, true, true],
      ]);
      const a = scaledDotProductAttention(q, q, q, { attnMask: allow });
      const b = scaledDotProductAttention(q, q, q, { attnMask: fl.where(allow, 0, -Infinity) });
      expect(a.sub(b).abs().amax().item()).toBe(0);
      const causal = scaledDotProductAttention(q, q, q, { isCausal: true });
      const tril = scaledDotProductAttention(q, q, q, { attnMask: fl.ones([3, 3]).tril().gt(0) });
      expect(causal.sub(tril).abs().amax().item()).toBe(0);
    });
  });

  it('packed (q = k = v), shared k = v and separate projections agree', () => {
    fl.manualSeed(6);
    const m = new MultiheadAttention(8, 2, { dtype: 'float64' });
    fl.tidy(() => {
      const x = fl.randn([3, 2, 8], { dtype: 'float64' });
      const kv = fl.randn([4, 2, 8], { dtype: 'float64' });
      const diff = (a: fl.Tensor, b: fl.Tensor) => a.sub(b).abs().amax().item();
      expect(diff(m.forward(x, x, x)[0], m.forward(x, x.clone(), x.clone())[0])).toBeLessThan(
        1e-14,
      );
      expect(diff(m.forward(x, kv, kv)[0], m.forward(x, kv, kv.clone())[0])).toBeLessThan(1e-14);
      expect(
        diff(m.forward(x, x, kv.index('0:3'))[0], m.forward(x, x.clone(), kv.index('0:3'))[0]),
      ).toBeLessThan(1e-14);
    });
  });

  it('scaledDotProductAttention applies dropoutP whenever it is set', () => {
    const q = fl.randn([2, 3, 4]);
    expect(scaledDotProductAttention(q, q, q, { dropoutP: 1 }).abs().sum().item()).toBe(0);
  });

  it('dropout on attention weights is active only in training mode', () => {
    fl.manualSeed(5);
    const m = new MultiheadAttention(8, 2, { dropout: 0.5 });
    const x = fl.randn([4, 2, 8]);
    const evalW = fl.tidy(() => m.eval().forward(x, x, x)[1]!.toArray());
    expect(fl.tidy(() => m.forward(x, x, x)[1]!.toArray())).toEqual(evalW);
    expect(fl.tidy(() => m.train().forward(x, x, x)[1]!.toArray())).not.toEqual(evalW);
  });

  it('leaves fl.memory() unchanged after forward + backward in a tidy', () => {
    const layer = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true });
    const x = fl.randn([2, 5, 8], { requiresGrad: true });
    const mask = fl.tensor([
      [false, false, false, true, true],
      [false, false, false, false, false],
    ]);
    const run = () => fl.tidy(() => layer.forward(x, { srcKeyPaddingMask: mask }).sum().backward());
    run();
    const before = fl.memory();
    const buffers = backend.stats().buffers;
    run();
    expect(fl.memory()).toEqual(before);
    expect(backend.stats().buffers).toBe(buffers);
  });
});

describe('attention errors', () => {
  it('names the module, the expected and the actual shapes', () => {
    const m = new MultiheadAttention(6, 2);
    const x = fl.zeros([4, 2, 6]);
    expect(() => m.forward(fl.zeros([4, 2, 5]), x, x)).toThrow(fl.ShapeError);
    expect(() => m.forward(fl.zeros([4, 2, 5]), x, x)).toThrow(
      'MultiheadAttention: expected query of shape [seq, batch, 6] (or unbatched [seq, 6]), got [4,2,5]',
    );
    expect(() => m.forward(x, x, x, { attnMask: fl.zeros([4, 5]) })).toThrow(
      'MultiheadAttention: expected attnMask of shape [4,4] or [4,4,4], got [4,5]',
    );
    expect(() => m.forward(x, x, x, { keyPaddingMask: fl.zeros([4, 2]) })).toThrow(
      'MultiheadAttention: expected keyPaddingMask of shape [2,4], got [4,2]',
    );
    expect(() =>
      m.forward(x, x, x, { keyPaddingMask: fl.zeros([2, 4], { dtype: 'int32' }) }),
    ).toThrow(fl.DTypeError);
    expect(() => new MultiheadAttention(6, 4)).toThrow(
      'MultiheadAttention: embedDim (6) must be a positive multiple of numHeads (4)',
    );
    expect(() => new TransformerEncoderLayer(6, 2).forward(fl.zeros([3, 2, 5]))).toThrow(
      'TransformerEncoderLayer: expected src of shape [seq, batch, 6] (or unbatched [seq, 6]), got [3,2,5]',
    );
  });
  it('checks scaledDotProductAttention arguments', () => {
    const q = fl.zeros([2, 3, 4]);
    expect(() => scaledDotProductAttention(q, fl.zeros([2, 5, 3]), fl.zeros([2, 5, 4]))).toThrow(
      'scaledDotProductAttention: expected query [..., L, E], key [..., S, E] and value [..., S, Ev], got [2,3,4], [2,5,3] and [2,5,4]',
    );
    expect(() =>
      scaledDotProductAttention(q, q, q, { isCausal: true, attnMask: fl.zeros([3, 3]) }),
    ).toThrow(/either attnMask or isCausal/);
    expect(() => scaledDotProductAttention(q, q, q, { attnMask: fl.zeros([2, 3]) })).toThrow(
      "scaledDotProductAttention: attnMask of shape [2,3] cannot be broadcast to the scores' shape [2,3,3]",
    );
  });
});
