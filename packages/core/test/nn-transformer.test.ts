import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';

const backend = cpuBackend({ name: 'cpu-transformer-test' });
beforeAll(() => fl.use(backend));
afterAll(() => fl.removeBackend(backend.name));

// The PyTorch fixtures (nn-transformer.json: outputs, gradients, state-dict keys) are replayed by
// the conformance suite on every backend (packages/conformance/src/nn/transformer.ts); this file
// checks the behaviour around them.

describe('Transformer behaviour', () => {
  it('generateSquareSubsequentMask is −∞ above the diagonal, 0 elsewhere (float32)', () => {
    const m = fl.nn.Transformer.generateSquareSubsequentMask(3);
    expect(m.dtype).toBe('float32');
    expect(m.toArray()).toEqual([
      [0, -Infinity, -Infinity],
      [0, 0, -Infinity],
      [0, 0, 0],
    ]);
    expect(fl.nn.Transformer.generateSquareSubsequentMask(0).shape).toEqual([0, 0]);
    m.dispose();
  });

  it('TransformerEncoder copies the layer: equal values, independent parameters', () => {
    const layer = new fl.nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
    const enc = new fl.nn.TransformerEncoder(layer, 2);
    const w0 = enc.stateDict()['layers.0.linear1.weight']!;
    const w1 = enc.stateDict()['layers.1.linear1.weight']!;
    expect(w0.toArray()).toEqual(layer.linear1.weight.toArray());
    fl.noGrad(() => w0.mul_(2));
    expect(w1.toArray()).toEqual(layer.linear1.weight.toArray());
    expect(enc.parameters().length).toBe(2 * layer.parameters().length);
  });

  it('nn.Transformer has torch defaults and Xavier-initialised matrices', () => {
    fl.manualSeed(1);
    const m = new fl.nn.Transformer({
      dModel: 16,
      nhead: 2,
      numEncoderLayers: 1,
      numDecoderLayers: 1,
      dimFeedforward: 32,
    });
    const keys = Object.keys(m.stateDict());
    expect(keys).toContain('encoder.layers.0.self_attn.in_proj_weight');
    expect(keys).toContain('decoder.layers.0.multihead_attn.out_proj.bias');
    expect(keys.at(-1)).toBe('decoder.norm.bias');
    const w = m.stateDict()['encoder.layers.0.linear1.weight']!;
    const bound = Math.sqrt(6 / (16 + 32));
    expect(Math.max(...Array.from(w.dataSync(), Math.abs))).toBeLessThanOrEqual(bound);
    const y = m.eval().forward(fl.randn([5, 3, 16]), fl.randn([4, 3, 16]), { tgtIsCausal: true });
    expect(y.shape).toEqual([4, 3, 16]);
  });

  it('tgtIsCausal without a mask equals the generated causal mask', () => {
    fl.manualSeed(2);
    const layer = new fl.nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 8, dropout: 0 });
    const dec = new fl.nn.TransformerDecoder(layer, 2).eval();
    const tgt = fl.randn([4, 2, 8]);
    const mem = fl.randn([3, 2, 8]);
    const a = dec.forward(tgt, mem, { tgtIsCausal: true });
    const b = dec.forward(tgt, mem, {
      tgtMask: fl.nn.Transformer.generateSquareSubsequentMask(4),
    });
    expect(a.toArray()).toEqual(b.toArray());
  });

  it('bad calls throw typed errors that name the op', () => {
    const m = new fl.nn.Transformer({
      dModel: 8,
      nhead: 2,
      numEncoderLayers: 1,
      numDecoderLayers: 1,
      dimFeedforward: 8,
    });
    expect(() => m.forward(fl.randn([3, 2, 8]), fl.randn([3, 4, 8]))).toThrow(
      /Transformer: the batch size of src \[3,2,8\] and tgt \[3,4,8\]/,
    );
    expect(() => m.forward(fl.randn([3, 2, 8]), fl.randn([3, 2, 6]))).toThrow(fl.ShapeError);
    const layer = new fl.nn.TransformerDecoderLayer(8, 2);
    expect(() => layer.forward(fl.randn([3, 2, 8]), fl.randn([3, 5, 8]))).toThrow(
      /TransformerDecoderLayer: tgt .* and memory .* same batch size/,
    );
    expect(() => new fl.nn.TransformerEncoder(layer as never, 2)).toThrow(fl.ArgumentError);
    expect(() => new fl.nn.Transformer(512 as never)).toThrow(fl.ArgumentError);
    expect(() => fl.nn.Transformer.generateSquareSubsequentMask(-1)).toThrow(fl.ArgumentError);
  });

  it('disposing a forward leaks nothing', () => {
    const layer = new fl.nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 8 });
    const dec = new fl.nn.TransformerDecoder(layer, 2).eval();
    const tgt = fl.randn([4, 2, 8]);
    const mem = fl.randn([3, 2, 8]);
    const before = fl.memory().tensors;
    dec.forward(tgt, mem, { tgtIsCausal: true }).dispose();
    expect(fl.memory().tensors).toBe(before);
  });
});
