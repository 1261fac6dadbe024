import { beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { pickBackend } from '../src/backend.js';
import { CharRNN, main, sampleWords, unigramLoss } from '../src/char-rnn.js';
import { loadWordList } from '../src/data.js';
import { silent } from '../src/train-utils.js';
import { shouldRun } from './data-gate.js';

describe('char-rnn pieces', () => {
  beforeAll(() => pickBackend());
  it('unigram loss is the cross-entropy of the (add-one smoothed) training frequencies', () => {
    // counts with add-one: [1+2, 1+1, 1+1] over 7 → val [0, 1]
    expect(unigramLoss([0, 0, 1, 2], [0, 1], 3)).toBeCloseTo(
      -(Math.log(3 / 7) + Math.log(2 / 7)) / 2,
      12,
    );
  });
  it('samples are reproducible under a seed and use only the vocabulary', () => {
    const ds = fl.data.CharDataset.fromWords(['cat', 'dog', 'bird'], { seqLen: 6 });
    const model = new CharRNN(ds.vocabSize, { embedDim: 4, hiddenSize: 8 });
    fl.manualSeed(7);
    const a = sampleWords(model, ds, 6, 1, 6);
    fl.manualSeed(7);
    const b = sampleWords(model, ds, 6, 1, 6);
    expect(a).toEqual(b);
    expect(a).toHaveLength(6);
    for (const w of a) expect(w).toMatch(/^[abcdgiort]*$/);
  });
  it('keeps torch state-dict keys', () => {
    expect(Object.keys(new CharRNN(27, { embedDim: 4, hiddenSize: 8 }).stateDict())).toEqual([
      'embed.weight',
      'lstm.weight_ih_l0',
      'lstm.weight_hh_l0',
      'lstm.bias_ih_l0',
      'lstm.bias_hh_l0',
      'head.weight',
      'head.bias',
    ]);
  });
});

describe.runIf(shouldRun('words'))('char-rnn on the word list', () => {
  it('drops the validation loss well below the unigram baseline (3,000 words, 1 epoch)', async () => {
    const words = await loadWordList();
    expect(words.length).toBeGreaterThan(50_000);
    const before = fl.memory().tensors;
    const r = await main({ words, limit: 3000, hiddenSize: 64, log: silent, progress: false });
    expect(r.trainWords + r.valWords).toBe(3000);
    expect(r.vocabSize).toBe(27); // end token + a–z
    expect(r.valLosses[0]).toBeGreaterThan(r.unigramLoss); // untrained: ≈ ln 27
    expect(r.valLoss).toBeLessThan(r.unigramLoss - 0.2);
    expect(r.samples).toHaveLength(10);
    for (const s of r.samples) expect(s.word).toMatch(/^[a-z]*$/);
    expect(fl.memory().tensors).toBe(before);
  });
});
