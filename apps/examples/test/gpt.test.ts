import { beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { pickBackend } from '../src/backend.js';
import { GPT, causalMask, main, outsideTopK, sampleWords } from '../src/gpt.js';
import { UsageError } from '../src/cli.js';
import { loadWordList } from '../src/data.js';
import { release, silent } from '../src/train-utils.js';
import { shouldRun } from './data-gate.js';

const tiny = { dModel: 8, nHead: 2, nLayer: 2, blockSize: 6 };

describe('gpt pieces', () => {
  beforeAll(() => pickBackend());

  it('the causal mask blocks exactly the later positions', () => {
    expect(fl.tidy(() => causalMask(3).toArray())).toEqual([
      [false, true, true],
      [false, false, true],
      [false, false, false],
    ]);
  });

  it('keeps the state-dict keys of the PyTorch definition (make-gpt-fixture.py)', () => {
    const m = new GPT(5, { ...tiny, nLayer: 1 });
    expect(Object.keys(m.stateDict())).toEqual([
      'tok.weight',
      'pos.weight',
      'blocks.0.ln1.weight',
      'blocks.0.ln1.bias',
      'blocks.0.attn.in_proj_weight',
      'blocks.0.attn.in_proj_bias',
      'blocks.0.attn.out_proj.weight',
      'blocks.0.attn.out_proj.bias',
      'blocks.0.ln2.weight',
      'blocks.0.ln2.bias',
      'blocks.0.mlp.0.weight',
      'blocks.0.mlp.0.bias',
      'blocks.0.mlp.2.weight',
      'blocks.0.mlp.2.bias',
      'norm.weight',
      'norm.bias',
      'head.weight',
      'head.bias',
    ]);
    release(m);
  });

  it('is causal: a later token never changes an earlier position’s logits', () => {
    const m = new GPT(5, tiny).eval();
    const [a, b] = fl.noGrad(() =>
      fl.tidy(() => {
        const x = fl.tensor([[0, 1, 2, 3, 4, 1]], { dtype: 'int32' });
        const y = fl.tensor([[0, 1, 2, 4, 0, 3]], { dtype: 'int32' });
        return [m.forward(x).toArray(), m.forward(y).toArray()] as const;
      }),
    );
    // Largest |a − b| over the logits of position `pos`.
    const diff = (pos: number) =>
      Math.max(
        ...(a as number[][][])[0]![pos]!.map((v, i) =>
          Math.abs(v - (b as number[][][])[0]![pos]![i]!),
        ),
      );
    for (const pos of [0, 1, 2]) expect(diff(pos), `position ${pos}`).toBeLessThanOrEqual(1e-6);
    expect(diff(3)).toBeGreaterThan(1e-4);
    release(m);
  });

  it('rejects sequences longer than its position table', () => {
    const m = new GPT(5, tiny);
    const x = fl.zeros([1, 7], { dtype: 'int32' });
    expect(() => m.forward(x)).toThrow(fl.ShapeError);
    expect(() => m.forward(x)).toThrow(/seq ≤ 6, got \[1, 7\]/);
    x.dispose();
    release(m);
  });

  it('top-k keeps the k largest logits of each row (and ties with the k-th)', () => {
    const out = fl.tidy(() =>
      outsideTopK(
        fl.tensor([
          [0.5, 3, -1, 2, 2],
          [9, 8, 7, 6, 5],
        ]),
        2,
      ).toArray(),
    );
    expect(out).toEqual([
      [true, false, true, false, false],
      [false, false, true, true, true],
    ]);
  });

  it('samples are reproducible under a seed, use only the vocabulary, and top-k 1 is greedy', () => {
    const ds = fl.data.CharDataset.fromWords(['cat', 'dog', 'bird'], { seqLen: 6 });
    const m = new GPT(ds.vocabSize, tiny);
    fl.manualSeed(7);
    const a = sampleWords(m, ds, 6, 1, 3);
    fl.manualSeed(7);
    expect(sampleWords(m, ds, 6, 1, 3)).toEqual(a);
    for (const w of a) expect(w).toMatch(/^[abcdgiort]*$/);
    // k = 1: every row draws the argmax, so all rows agree whatever the random draws.
    const greedy = sampleWords(m, ds, 4, 1, 1);
    expect(new Set(greedy).size).toBe(1);
    expect(() => sampleWords(m, ds, 2, 0, 3)).toThrow(/temperature must be > 0/);
    expect(() => sampleWords(m, ds, 2, 1, -1)).toThrow(/top-k must be an integer ≥ 0/);
    release(m);
  });
});

describe('gpt options', () => {
  it('rejects bad sampling and size options before loading data or training', async () => {
    const opts = { words: ['cat'], log: silent, progress: false };
    await expect(main({ ...opts, topK: -1 })).rejects.toThrow(UsageError);
    await expect(main({ ...opts, temperature: 0 })).rejects.toThrow(/temperature must be > 0/);
    await expect(main({ ...opts, nHead: 5 })).rejects.toThrow(
      /--d-model \(64\) must be a positive multiple of --n-head \(5\)/,
    );
  });
});

describe.runIf(shouldRun('words'))('gpt on the word list', () => {
  it('drops the validation loss well below the unigram baseline (3,000 words, 1 epoch, width 32)', async () => {
    const words = await loadWordList();
    const before = fl.memory().tensors;
    // Width 32 (27,739 parameters) keeps this a few seconds even on the CPU backend.
    const r = await main({
      words,
      limit: 3000,
      epochs: 1,
      dModel: 32,
      log: silent,
      progress: false,
    });
    expect(r.trainWords + r.valWords).toBe(3000);
    expect(r.vocabSize).toBe(27);
    expect(r.valLosses[0]).toBeGreaterThan(r.unigramLoss); // untrained
    expect(r.valLoss).toBeLessThan(r.unigramLoss - 0.2);
    expect(r.samples).toHaveLength(10);
    for (const s of r.samples) expect(s.word).toMatch(/^[a-z]*$/);
    expect(fl.memory().tensors).toBe(before);
  });
});
