import { describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { main } from '../src/import.js';
import { silent } from '../src/train-utils.js';

describe('import of PyTorch-trained weights', () => {
  it('reproduces PyTorch predictions within 1e-5 (committed fixtures: CNN, char-LSTM, GPT)', async () => {
    const before = fl.memory().tensors;
    const r = await main({ log: silent });
    expect(r.models.map((m) => m.name)).toEqual(['cnn', 'char-lstm', 'gpt']);
    for (const m of r.models) {
      expect(m.maxAbsDiff, m.name).toBeLessThanOrEqual(1e-5);
      expect(m.samePredictions, m.name).toBe(true);
      expect(m.byteIdentical, `${m.name}: fl.io.serialize reproduces the Python-written file`).toBe(
        true,
      );
    }
    expect(r.models[0]!.keys.sort()).toEqual([
      '0.bias',
      '0.weight',
      '3.bias',
      '3.weight',
      '7.bias',
      '7.weight',
    ]);
    expect(r.models[1]!.keys.sort()).toEqual([
      'embed.weight',
      'head.bias',
      'head.weight',
      'lstm.bias_hh_l0',
      'lstm.bias_ih_l0',
      'lstm.weight_hh_l0',
      'lstm.weight_ih_l0',
    ]);
    // The GPT of make-gpt-fixture.py: strict loadStateDict of every block's keys.
    expect(r.models[2]!.keys).toHaveLength(4 + 2 * 12 + 2);
    expect(r.models[2]!.keys).toContain('blocks.1.attn.in_proj_weight');
    expect(r.models[2]!.keys).toContain('blocks.1.mlp.2.bias');
    expect(r.ok).toBe(true);
    expect(fl.memory().tensors).toBe(before);
  });

  it('fails loudly for a tolerance the float32 outputs cannot meet', async () => {
    const r = await main({ log: silent, tolerance: 0 });
    expect(r.ok).toBe(false);
  });
});
