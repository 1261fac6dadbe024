import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import { GRU, GRUCell, LSTM, LSTMCell, RNN, RNNCell } from '../src/nn/recurrent/index.js';
import type { Module } from '../src/nn/module.js';
import {
  type Enc,
  disposeAll,
  expectClose,
  loadFixture,
  tensorOf,
  tensorsOf,
  weightedSum,
} from './nn-rnn-helpers.js';

const backend = cpuBackend({ name: 'cpu-rnn-test' });
beforeAll(() => fl.use(backend));
afterAll(() => fl.removeBackend(backend.name));

interface Case {
  id: string;
  module: string;
  inputSize: number;
  hiddenSize: number;
  options: Record<string, unknown>;
  stateDict: Record<string, Enc>;
  keys: string[];
  inputs: Record<string, Enc>;
  outputs: Record<string, Enc>;
  weights: Enc[];
  grads: { inputs: Record<string, Enc>; params: Record<string, Enc> };
}
const fx = loadFixture<{ layers: Case[]; cells: Case[] }>('nn-rnn.json');

type AnyRecurrent = Module & { forward(input: fl.Tensor, hx?: unknown): unknown };
const CLASSES: Record<string, new (i: number, h: number, o: object) => AnyRecurrent> = {
  RNN,
  LSTM,
  GRU,
  RNNCell,
  LSTMCell,
  GRUCell,
};

function build(c: Case): AnyRecurrent {
  const m = new CLASSES[c.module]!(c.inputSize, c.hiddenSize, { ...c.options, dtype: 'float64' });
  const sd = tensorsOf(c.stateDict);
  m.loadStateDict(sd);
  disposeAll(sd);
  return m;
}

/** Run a case: returns the outputs in the fixture's order (output, hN, cN / h, c). */
function run(c: Case, m: AnyRecurrent, inputs: Record<string, fl.Tensor>): fl.Tensor[] {
  const { input, h0, c0 } = inputs;
  const lstm = c.module.startsWith('LSTM');
  const hx = lstm ? (h0 ? [h0, c0] : undefined) : h0;
  const out = m.forward(input!, hx) as fl.Tensor | [fl.Tensor, fl.Tensor | [fl.Tensor, fl.Tensor]];
  if (out instanceof fl.Tensor) return [out];
  return out.flat() as fl.Tensor[];
}

function check(c: Case): void {
  const m = build(c);
  expect(Object.keys(m.stateDict())).toEqual(c.keys);
  const inputs = tensorsOf(c.inputs, true);
  const outs = run(c, m, inputs);
  Object.entries(c.outputs).forEach(([k, e], i) => expectClose(outs[i], e, `${c.id} ${k}`));
  weightedSum(outs, c.weights).backward();
  for (const [k, e] of Object.entries(c.grads.inputs))
    expectClose(inputs[k]!.grad, e, `${c.id} d/d${k}`);
  for (const [k, p] of m.namedParameters())
    expectClose(p.grad, c.grads.params[k]!, `${c.id} d/d${k}`);
}

describe('recurrent layers match PyTorch (float64 forward and gradients)', () => {
  for (const c of fx.layers) it(c.id, () => fl.tidy(() => check(c)));
});

describe('recurrent cells match PyTorch', () => {
  for (const c of fx.cells) it(c.id, () => fl.tidy(() => check(c)));
});

describe('recurrent parameters', () => {
  it('use torch key names and shapes, including _reverse and no-bias layers', () => {
    const lstm = new LSTM(3, 5, { numLayers: 2, bidirectional: true, bias: false });
    const shapes = Object.entries(lstm.stateDict()).map(([k, t]) => `${k}:${t.shape.join('x')}`);
    expect(shapes).toEqual([
      'weight_ih_l0:20x3',
      'weight_hh_l0:20x5',
      'weight_ih_l0_reverse:20x3',
      'weight_hh_l0_reverse:20x5',
      'weight_ih_l1:20x10',
      'weight_hh_l1:20x5',
      'weight_ih_l1_reverse:20x10',
      'weight_hh_l1_reverse:20x5',
    ]);
    expect(Object.keys(new GRUCell(2, 3).stateDict())).toEqual([
      'weight_ih',
      'weight_hh',
      'bias_ih',
      'bias_hh',
    ]);
    expect(new GRU(4, 6).numParameters()).toBe(3 * 6 * (4 + 6 + 2));
  });

  it('print like torch modules', () => {
    expect(new LSTM(10, 20, { numLayers: 2, batchFirst: true }).toString()).toBe(
      'LSTM(10, 20, numLayers=2, batchFirst=true)',
    );
    expect(new GRUCell(3, 4, { bias: false }).toString()).toBe('GRUCell(3, 4, bias=false)');
  });

  it('are initialised from U(−1/√hidden, 1/√hidden)', () => {
    fl.manualSeed(3);
    const hidden = 16;
    const rnn = new RNN(32, hidden, { numLayers: 2 });
    const all = rnn.parameters().flatMap((p) => Array.from(p.dataSync()));
    const k = 1 / Math.sqrt(hidden);
    expect(Math.max(...all.map(Math.abs))).toBeLessThanOrEqual(k);
    const mean = all.reduce((a, b) => a + b, 0) / all.length;
    const sd = Math.sqrt(all.reduce((a, b) => a + (b - mean) ** 2, 0) / all.length);
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(sd).toBeCloseTo(k / Math.sqrt(3), 2);
  });
});

describe('recurrent behaviour', () => {
  it('applies dropout between layers only in training mode', () => {
    fl.manualSeed(0);
    const gru = new GRU(3, 4, { numLayers: 2, dropout: 0.5, dtype: 'float64' });
    const x = fl.randn([5, 2, 3], { dtype: 'float64' });
    const evalOut = fl.tidy(() => gru.eval().forward(x)[0].toArray());
    expect(fl.tidy(() => gru.forward(x)[0].toArray())).toEqual(evalOut);
    expect(fl.tidy(() => gru.train().forward(x)[0].toArray())).not.toEqual(evalOut);
  });

  it('batchFirst transposes input and output but not the state', () => {
    fl.manualSeed(1);
    const a = new LSTM(3, 4, { dtype: 'float64' });
    const b = new LSTM(3, 4, { batchFirst: true, dtype: 'float64' });
    b.loadStateDict(a.stateDict());
    fl.tidy(() => {
      const x = fl.randn([5, 2, 3], { dtype: 'float64' });
      const [ya, [ha]] = a.forward(x);
      const [yb, [hb]] = b.forward(x.transpose(0, 1));
      expect(yb.shape).toEqual([2, 5, 4]);
      expect(yb.transpose(0, 1).toArray()).toEqual(ya.toArray());
      expect(hb.toArray()).toEqual(ha.toArray());
    });
  });

  it('an unrolled RNNCell equals a one-layer RNN', () => {
    fl.manualSeed(2);
    const rnn = new RNN(3, 4, { dtype: 'float64' });
    const cell = new RNNCell(3, 4, { dtype: 'float64' });
    const sd = rnn.stateDict();
    cell.loadStateDict(
      Object.fromEntries(Object.entries(sd).map(([k, v]) => [k.replace('_l0', ''), v])),
    );
    fl.tidy(() => {
      const x = fl.randn([4, 2, 3], { dtype: 'float64' });
      let h = fl.zeros([2, 4], { dtype: 'float64' });
      for (let t = 0; t < 4; t++) h = cell.forward(x.index(t), h);
      const [, hN] = rnn.forward(x);
      const diff = hN.index(0).sub(h).abs().amax().item();
      expect(diff).toBeLessThan(1e-12);
    });
  });

  it('leaves fl.memory() unchanged after forward + backward in a tidy', () => {
    const lstm = new LSTM(3, 4, { numLayers: 2, bidirectional: true });
    const x = fl.randn([6, 2, 3], { requiresGrad: true });
    const run = () =>
      fl.tidy(() => {
        const [y, [h, c]] = lstm.forward(x, [fl.zeros([4, 2, 4]), fl.zeros([4, 2, 4])]);
        y.sum().add(h.sum()).add(c.sum()).backward();
      });
    run(); // first call creates the parameters' .grad
    const before = fl.memory();
    const buffers = backend.stats().buffers;
    run();
    expect(fl.memory()).toEqual(before);
    expect(backend.stats().buffers).toBe(buffers);
  });
});

describe('recurrent errors', () => {
  let lstm: LSTM;
  beforeAll(() => void (lstm = new LSTM(3, 4, { numLayers: 2 })));
  it('names the layer, the expected and the actual input shape', () => {
    expect(() => lstm.forward(fl.zeros([5, 2, 7]))).toThrow(fl.ShapeError);
    expect(() => lstm.forward(fl.zeros([5, 2, 7]))).toThrow(
      'LSTM: expected input of shape [seq, batch, 3] or unbatched [seq, 3] with no empty dims, got [5,2,7]',
    );
    expect(() => new GRU(3, 4, { batchFirst: true }).forward(fl.zeros([2, 5, 3, 1]))).toThrow(
      /GRU: expected input of shape \[batch, seq, 3\].*got \[2,5,3,1\]/,
    );
  });
  it('checks the initial state against numLayers × directions', () => {
    const h = fl.zeros([1, 2, 4]);
    expect(() => lstm.forward(fl.zeros([5, 2, 3]), [h, h])).toThrow(
      'LSTM: expected h0 of shape [2,2,4] for input [5,2,3], got [1,2,4]',
    );
    expect(() => new RNN(3, 4).forward(fl.zeros([5, 2, 3]), fl.zeros([1, 3, 4]))).toThrow(
      /RNN: expected h0 of shape \[1,2,4\]/,
    );
  });
  it('rejects a dtype that differs from the parameters', () => {
    expect(() => lstm.forward(fl.zeros([5, 2, 3], { dtype: 'float64' }))).toThrow(fl.DTypeError);
    expect(() => new LSTM(3, 4, { dtype: 'int32' })).toThrow(fl.DTypeError);
  });
  it('checks cells and constructor arguments', () => {
    expect(() => new LSTMCell(3, 4).forward(fl.zeros([2, 5]))).toThrow(
      'LSTMCell: expected input of shape [batch, 3] or [3], got [2,5]',
    );
    expect(() => new GRUCell(3, 4).forward(fl.zeros([2, 3]), fl.zeros([2, 5]))).toThrow(
      'GRUCell: expected hx of shape [2,4] for input [2,3], got [2,5]',
    );
    expect(() => new RNN(3, 0)).toThrow(/RNN: hiddenSize must be a positive integer, got 0/);
    expect(() => new RNN(3, 4, { nonlinearity: 'sigmoid' as 'tanh' })).toThrow(
      /nonlinearity must be one of 'tanh', 'relu', got 'sigmoid'/,
    );
    expect(() => new GRU(3, 4, { dropout: 1.5 })).toThrow(/dropout must be in \[0, 1\]/);
  });
});

// Keeps the fixture helpers' signature honest when a case is added without inputs.
void tensorOf;
