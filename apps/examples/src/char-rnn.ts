/**
 * A character-level language model of English words (/usr/share/dict/words from Debian's
 * `wamerican`): embedding → LSTM → linear over the characters, trained on next-character
 * prediction. Reports the validation loss against the unigram baseline (the loss of always
 * predicting the training set's character frequencies) and samples new words with a seeded
 * generator, temperature sampling written with tensor ops (softmax, cumsum, fl.rand).
 *
 * Run: node dist/char-rnn.js [--epochs 1] [--limit N] [--samples 10] [--temperature 0.8]
 */
import * as fl from '@flint/core';
import { pickBackend } from './backend.js';
import { type OptionSpec, isEntryPoint, runCli } from './cli.js';
import { loadWordList } from './data.js';
import { type Log, type LoopProgress, epochProgress, fmtTime } from './progress.js';
import { release, seconds } from './train-utils.js';

const { nn } = fl;

/** Padding target: CrossEntropyLoss's default ignoreIndex. */
export const IGNORE = -100;

export interface CharRnnSizes {
  embedDim?: number;
  hiddenSize?: number;
}

/** Token ids [B, T] → logits [B, T, vocab]; state-dict keys embed.weight, lstm.weight_ih_l0, …, head.bias. */
export class CharRNN extends nn.Module {
  embed: fl.nn.Embedding;
  lstm: fl.nn.LSTM;
  head: fl.nn.Linear;
  constructor(
    readonly vocabSize: number,
    sizes: CharRnnSizes = {},
  ) {
    super();
    const embedDim = sizes.embedDim ?? 32;
    const hidden = sizes.hiddenSize ?? 128;
    this.embed = new nn.Embedding(vocabSize, embedDim);
    this.lstm = new nn.LSTM(embedDim, hidden, { batchFirst: true });
    this.head = new nn.Linear(hidden, vocabSize);
  }
  forward(
    tokens: fl.Tensor,
    state?: readonly [fl.Tensor, fl.Tensor] | null,
  ): [fl.Tensor, [fl.Tensor, fl.Tensor]] {
    const [out, next] = this.lstm.forward(this.embed.forward(tokens), state);
    return [this.head.forward(out), next];
  }
}

export interface CharRnnOptions {
  epochs?: number;
  batchSize?: number;
  lr?: number;
  /** Use N words drawn at random from the list (default: all lowercase words of ≤ seqLen − 1 letters). */
  limit?: number;
  /** Sequence length: words of up to seqLen − 1 letters, plus the end token (default 16). */
  seqLen?: number;
  embedDim?: number;
  hiddenSize?: number;
  /** Fraction of the words held out for validation (default 0.1). */
  valFraction?: number;
  samples?: number;
  temperature?: number;
  seed?: number;
  backend?: string;
  /** Preloaded word list (tests). */
  words?: readonly string[];
  log?: Log;
  progress?: boolean;
}

export interface CharRnnResult {
  device: string;
  trainWords: number;
  valWords: number;
  vocabSize: number;
  /** Cross-entropy (nats per character) of the training set's character frequencies on the validation set. */
  unigramLoss: number;
  /** Validation loss before training and after each epoch (nats per character). */
  valLosses: number[];
  valLoss: number;
  samples: { word: string; isNew: boolean }[];
  secondsPerBatch: number;
  trainSeconds: number;
}

/** Cross-entropy per (non-padding) character over a dataset, in eval mode. */
export function meanLoss(
  model: CharRNN,
  ds: fl.data.Dataset<[fl.Tensor, fl.Tensor]>,
  batchSize = 512,
): number {
  return sequenceLoss(model, (x) => model.forward(x)[0], ds, batchSize);
}

/**
 * Cross-entropy per (non-padding) target over a dataset of [input ids, target ids] pairs, for any
 * model whose `logits(x)` is [B, T, vocab] — the char-LSTM and the GPT are scored by this one
 * function, on the same validation words.
 */
export function sequenceLoss(
  model: fl.nn.Module,
  logits: (x: fl.Tensor) => fl.Tensor,
  ds: fl.data.Dataset<[fl.Tensor, fl.Tensor]>,
  batchSize = 512,
): number {
  const ce = new nn.CrossEntropyLoss({ reduction: 'sum' });
  const loader = new fl.data.DataLoader(ds, { batchSize });
  let sum = 0;
  let count = 0;
  model.eval();
  fl.noGrad(() => {
    for (const [x, y] of loader)
      fl.tidy(() => {
        const out = logits(x);
        sum += ce.forward(out.reshape([-1, out.shape[2]!]), y.reshape([-1])).item();
        count += y.ne(IGNORE).sum().item();
        x.dispose();
        y.dispose();
      });
  });
  model.train();
  return sum / count;
}

/** The target ids (padding dropped) of every item of a dataset. */
function targets(ds: fl.data.Dataset<[fl.Tensor, fl.Tensor]>): number[] {
  const out: number[] = [];
  for (const [x, y] of new fl.data.DataLoader(ds, { batchSize: 4096 })) {
    for (const v of y.dataSync()) if (v !== IGNORE) out.push(v);
    x.dispose();
    y.dispose();
  }
  return out;
}

/** Cross-entropy on `val` of the character frequencies of `train` (add-one smoothed). */
export function unigramLoss(
  train: readonly number[],
  val: readonly number[],
  vocab: number,
): number {
  const counts = new Float64Array(vocab).fill(1);
  for (const t of train) counts[t]!++;
  const total = train.length + vocab;
  return -val.reduce((s, t) => s + Math.log(counts[t]! / total), 0) / val.length;
}

/**
 * Sample `n` words: start from the end token, feed each drawn character back with the LSTM state,
 * stop at the end token. A draw is the number of cumulative probabilities below a uniform u.
 */
export function sampleWords(
  model: CharRNN,
  ds: fl.data.CharDataset,
  n: number,
  temperature: number,
  maxLen: number,
): string[] {
  model.eval();
  const ids: number[][] = Array.from({ length: n }, () => []);
  fl.noGrad(() =>
    fl.tidy(() => {
      let token = fl.zeros([n, 1], { dtype: 'int32' });
      let state: [fl.Tensor, fl.Tensor] | null = null;
      for (let t = 0; t < maxLen; t++) {
        const [logits, next] = model.forward(token, state);
        state = next;
        const probs = logits.reshape([n, model.vocabSize]).div(temperature).softmax(1);
        const u = fl.rand([n, 1]);
        // Clamp: rounding can leave the last cumulative sum a hair below u.
        token = probs
          .cumsum(1)
          .lt(u)
          .sum(1, true)
          .clamp(0, model.vocabSize - 1)
          .to('int32');
        Array.from(token.dataSync()).forEach((id, i) => ids[i]!.push(id));
      }
    }),
  );
  model.train();
  return ids.map((w) => ds.decode(w));
}

type Items = fl.data.Subset<[fl.Tensor, fl.Tensor]>;

/** The word-list data of char-rnn (and gpt.ts, which reuses it so their losses compare). */
export interface Corpus {
  /** Every usable word (for telling new samples from known words). */
  all: readonly string[];
  ds: fl.data.CharDataset;
  train: Items;
  val: Items;
  unigram: number;
}

/** Words of fewer than seqLen letters, optionally a seeded random subset, split train/validation. */
export async function corpus(
  opts: Pick<CharRnnOptions, 'words' | 'limit' | 'valFraction'>,
  seqLen: number,
  seed: number,
): Promise<Corpus> {
  const all = (opts.words ?? (await loadWordList())).filter((w) => w.length < seqLen);
  const limit = opts.limit && opts.limit < all.length ? opts.limit : all.length;
  const order = fl.data.randomPermutation(all.length, seed).slice(0, limit);
  const words = limit === all.length ? all : order.map((i) => all[i]!);
  const ds = fl.data.CharDataset.fromWords(words, { seqLen, targetPad: IGNORE });
  const valFraction = opts.valFraction ?? 0.1;
  const [train, val] = fl.data.randomSplit(ds, [1 - valFraction, valFraction], seed) as [
    Items,
    Items,
  ];
  return { all, ds, train, val, unigram: unigramLoss(targets(train), targets(val), ds.vocabSize) };
}

/** One epoch of the hand-written loop; returns its training seconds. */
function trainEpoch(
  model: CharRNN,
  optimizer: fl.optim.Adam,
  loader: fl.data.DataLoader<[fl.Tensor, fl.Tensor], [fl.Tensor, fl.Tensor]>,
  bar: LoopProgress,
): number {
  const criterion = new nn.CrossEntropyLoss(); // ignores the -100 padding targets
  const t0 = performance.now();
  for (const [x, y] of loader) {
    const loss = fl.tidy(() => {
      optimizer.zeroGrad();
      const [logits] = model.forward(x);
      const l = criterion.forward(logits.reshape([-1, model.vocabSize]), y.reshape([-1]));
      l.backward();
      fl.optim.clipGradNorm_(model.parameters(), 1); // LSTMs train more steadily with clipped gradients
      optimizer.step();
      return l.item();
    });
    bar.batch(x.shape[0]!, loss);
    x.dispose();
    y.dispose();
  }
  return seconds(t0);
}

function report(r: CharRnnResult, temperature: number, seed: number, log: Log): void {
  const gain = ((1 - r.valLoss / r.unigramLoss) * 100).toFixed(1);
  log(
    `Validation loss ${r.valLoss.toFixed(4)} nats/char vs unigram ${r.unigramLoss.toFixed(4)} (${gain} % lower); ` +
      `${(r.secondsPerBatch * 1000).toFixed(0)} ms per batch, total ${fmtTime(r.trainSeconds)}`,
  );
  log(`Samples (temperature ${temperature}, seed ${seed}; * = not in the word list):`);
  log(r.samples.map((s) => `  ${s.word}${s.isNew ? ' *' : ''}`).join('\n'));
}

export async function main(opts: CharRnnOptions = {}): Promise<CharRnnResult> {
  const log = opts.log ?? console.log;
  const { device, description } = await pickBackend(opts.backend);
  const seed = opts.seed ?? 0;
  fl.manualSeed(seed);
  const seqLen = opts.seqLen ?? 16;
  const { all, ds, train, val, unigram } = await corpus(opts, seqLen, seed);
  const model = new CharRNN(ds.vocabSize, { embedDim: opts.embedDim, hiddenSize: opts.hiddenSize });
  const optimizer = new fl.optim.Adam(model.parameters(), { lr: opts.lr ?? 3e-3 });
  const batchSize = opts.batchSize ?? 64;
  const loader = new fl.data.DataLoader(train, { batchSize, shuffle: true, seed });
  const epochs = opts.epochs ?? 1;
  log(`Backend: ${device} (${description})`);
  log(
    `Char-LSTM (${model.numParameters()} parameters) on ${ds.length} words: ${train.length} training / ${val.length} validation, ` +
      `vocabulary ${ds.vocabSize}, ${epochs} epoch${epochs === 1 ? '' : 's'}, batch ${batchSize}`,
  );
  log(`Unigram baseline: ${unigram.toFixed(4)} nats/char`);
  const valLosses = [meanLoss(model, val)];
  log(`Validation loss before training: ${valLosses[0]!.toFixed(4)} nats/char`);
  const t0 = performance.now();
  let stepSeconds = 0;
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const tty = (opts.progress ?? true) && process.stdout.isTTY === true;
      const bar = epochProgress(epoch, epochs, loader.length, log, tty);
      stepSeconds += trainEpoch(model, optimizer, loader, bar);
      valLosses.push(meanLoss(model, val));
      bar.end(
        `  validation ${valLosses.at(-1)!.toFixed(4)} nats/char (unigram ${unigram.toFixed(4)})`,
      );
    }
    const known = new Set(all);
    const temperature = opts.temperature ?? 0.8;
    const sampled = sampleWords(model, ds, opts.samples ?? 10, temperature, seqLen);
    const result: CharRnnResult = {
      device,
      trainWords: train.length,
      valWords: val.length,
      vocabSize: ds.vocabSize,
      unigramLoss: unigram,
      valLosses,
      valLoss: valLosses.at(-1)!,
      samples: sampled.map((word) => ({ word, isNew: !known.has(word) })),
      secondsPerBatch: stepSeconds / (loader.length * epochs),
      trainSeconds: seconds(t0),
    };
    report(result, temperature, seed, log);
    return result;
  } finally {
    release(model, optimizer);
  }
}

export const OPTIONS = {
  epochs: { type: 'number', integer: true, help: 'epochs (default 1)' },
  batchSize: { type: 'number', integer: true, help: 'words per batch (default 64)' },
  lr: { type: 'number', help: 'Adam learning rate (default 3e-3)' },
  limit: { type: 'number', integer: true, help: 'use N random words (default: all ~63,600)' },
  seqLen: {
    type: 'number',
    integer: true,
    help: 'sequence length; longer words are skipped (default 16)',
  },
  embedDim: { type: 'number', integer: true, help: 'embedding size (default 32)' },
  hiddenSize: { type: 'number', integer: true, help: 'LSTM hidden size (default 128)' },
  samples: { type: 'number', integer: true, help: 'words to sample (default 10)' },
  temperature: { type: 'number', help: 'sampling temperature (default 0.8)' },
  seed: { type: 'number', integer: true, help: 'random seed (default 0)' },
  backend: { type: 'string', help: 'device to use (default: the fastest available)' },
} as const satisfies Record<string, OptionSpec>;

if (isEntryPoint(import.meta.url))
  await runCli('char-rnn', 'Train a character-level LSTM on the English word list.', OPTIONS, (o) =>
    main(o),
  );
