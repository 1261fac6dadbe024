import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import { CharDataset, DICT_WORDS, loadWords } from '../src/data/text.js';
import { requireData } from './data-gate.js';
import { DataLoader } from '../src/data/loader.js';

const backend = cpuBackend({ name: 'cpu-data-text-test' });
let dir = '';
beforeAll(async () => {
  fl.use(backend);
  dir = await mkdtemp(join(tmpdir(), 'flint-text-'));
});
afterAll(async () => {
  fl.removeBackend(backend.name);
  await rm(dir, { recursive: true, force: true });
});
// Every test frees what it makes: a tensor left to the garbage collector could be finalized after
// removeBackend, and tests here double as a leak check of the code under test.
let liveAtStart = 0;
beforeEach(() => {
  liveAtStart = fl.memory().tensors;
});
afterEach(() => {
  expect(fl.memory().tensors, 'tensors leaked by this test').toBe(liveAtStart);
});

describe('CharDataset', () => {
  it('builds the vocabulary with the end token first and encodes input/target pairs', () => {
    const ds = CharDataset.fromWords(['cat', 'dog', 'a'], { seqLen: 5 });
    expect(ds.chars).toEqual(['.', 'a', 'c', 'd', 'g', 'o', 't']);
    expect(ds.vocabSize).toBe(7);
    expect(ds.length).toBe(3);
    const [x, y] = ds.get(0);
    expect(x.dtype).toBe('int32');
    expect(x.toArray()).toEqual([0, 2, 1, 6, 0]); // . c a t .
    expect(y.toArray()).toEqual([2, 1, 6, 0, 0]); // c a t . (pad)
    expect(ds.decode(x)).toBe('cat');
    expect(ds.decode(y)).toBe('cat');
    expect(ds.decode([0, 4, 5, 0, 2], { stopAtEnd: false })).toBe('.go.c');
    expect(ds.encode('dog')).toEqual([3, 5, 4]);
    expect(() => ds.encode('z')).toThrow(fl.ShapeError);
    x.dispose();
    y.dispose();
  });

  it('default seqLen fits the longest word; longer words are skipped when seqLen is given', () =>
    fl.tidy(() => {
      expect(CharDataset.fromWords(['ab', 'abcd']).seqLen).toBe(5);
      const ds = CharDataset.fromWords(['ab', 'abcdef', 'b'], { seqLen: 4, targetPad: -100 });
      expect(ds.words).toEqual(['ab', 'b']);
      expect(ds.skipped).toBe(1);
      const [, y] = ds.get(1);
      expect(y.toArray()).toEqual([2, 0, -100, -100]);
      y.dispose();
      expect(() => CharDataset.fromWords(['a'], { seqLen: 1 })).toThrow(
        /seqLen must be an integer ≥ 2/,
      );
      expect(() => CharDataset.fromWords([])).toThrow(/at least one word/);
    }));

  it('handles non-ASCII words by code point and picks an end character not in the data', () =>
    fl.tidy(() => {
      const ds = CharDataset.fromWords(['na.ïve', '😀x']);
      expect(ds.chars[0]).toBe('\n');
      expect(ds.decode(ds.get(1)[0])).toBe('😀x');
    }));

  it('batches through the DataLoader are int32 [B, seqLen] pairs, reproducible with a seed', () => {
    const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];
    const ds = CharDataset.fromWords(words, { seqLen: 8 });
    const start = fl.memory().tensors;
    const seen: string[] = [];
    for (const [xb, yb] of new DataLoader(ds, { batchSize: 2, shuffle: true, seed: 3 })) {
      expect(xb.shape[1]).toBe(8);
      expect(yb.dtype).toBe('int32');
      const rows = xb.shape[0]!;
      for (let r = 0; r < rows; r++) seen.push(fl.tidy(() => ds.decode(xb.index(r))));
      xb.dispose();
      yb.dispose();
    }
    expect([...seen].sort()).toEqual([...words].sort());
    expect(fl.memory().tensors).toBe(start);
  });
});

describe('word lists', () => {
  it('loadWords filters, de-duplicates and limits', async () => {
    const path = join(dir, 'words');
    await writeFile(path, "apple\nApple\napple\nbanana's\ncherry\n\ndate\n");
    expect(await loadWords({ path })).toEqual(['apple', 'cherry', 'date']);
    expect(await loadWords({ path, filter: null, maxWords: 3 })).toEqual([
      'apple',
      'Apple',
      "banana's",
    ]);
  });

  it('reads /usr/share/dict/words (Debian package wamerican)', async (ctx) => {
    await requireData(ctx, { path: DICT_WORDS, debianPackage: 'wamerican' });
    const ds = await CharDataset.fromWordList({ maxWords: 2000 }, { seqLen: 16 });
    expect(ds.length + ds.skipped).toBe(2000);
    expect(ds.chars.slice(1).join('')).toMatch(/^[a-z]+$/);
    const [x, y] = ds.getBatch([0, 1]);
    expect(x.shape).toEqual([2, 16]);
    expect(fl.tidy(() => ds.decode(y.index(0)))).toBe(ds.words[0]);
    x.dispose();
    y.dispose();
  });
});
