/**
 * A character-level GPT (decoder-only Transformer, src/gpt-model.ts) on the English word list,
 * trained by a hand-written loop on the same words, tokens and train/validation split as the
 * char-LSTM of char-rnn.ts and scored by the same function, so the two validation losses compare
 * directly. Samples new words with temperature and top-k sampling.
 *
 * Run: node dist/gpt.js [--epochs 3] [--limit N] [--samples 10] [--temperature 0.8] [--top-k 10]
 */
import * as fl from '@flint/core';
import { pickBackend } from './backend.js';
import { type OptionSpec, UsageError, isEntryPoint, runCli } from './cli.js';
import { type CharRnnResult, corpus, sequenceLoss } from './char-rnn.js';
import { GPT } from './gpt-model.js';
import { type Log, type LoopProgress, epochProgress, fmtTime } from './progress.js';
import { release, seconds } from './train-utils.js';

export { GPT, Block, causalMask } from './gpt-model.js';

const { nn } = fl;

export interface GptOptions {
  epochs?: number;
  batchSize?: number;
  /** Peak AdamW learning rate; it follows a cosine down to lr/10 over the run (default 3e-3). */
  lr?: number;
  /** Use N words drawn at random from the list (default: all lowercase words of ≤ 15 letters). */
  limit?: number;
  dModel?: number;
  nHead?: number;
  nLayer?: number;
  samples?: number;
  temperature?: number;
  /** Sample only from the k most likely characters (default 10; 0 = all). */
  topK?: number;
  seed?: number;
  backend?: string;
  /** Preloaded word list (tests). */
  words?: readonly string[];
  log?: Log;
  progress?: boolean;
}

/** What a run reports: the char-LSTM's fields (same data, same loss), and the model's size. */
export interface GptResult extends CharRnnResult {
  parameters: number;
}

/** Sequence length of char-rnn: words of up to 15 letters plus the end token. */
const SEQ_LEN = 16;

/**
 * The logits outside each row's k largest (k from 1 to the row length), as a bool mask: ties
 * with the k-th value are kept, as nanoGPT's `logits < v[:, [-1]]` does.
 */
export function outsideTopK(logits: fl.Tensor, k: number): fl.Tensor {
  // topk's values come sorted, largest first: the last one is each row's k-th largest.
  return logits.lt(logits.topk(k, 1).values.narrow(1, k - 1, 1));
}

/** One draw per row of `probs` [n, V]: the number of cumulative probabilities below a uniform u. */
function draw(probs: fl.Tensor): fl.Tensor {
  const V = probs.shape[1]!;
  const u = fl.rand([probs.shape[0]!, 1]);
  // Clamp: rounding can leave the last cumulative sum a hair below u.
  return probs
    .cumsum(1)
    .lt(u)
    .sum(1, true)
    .clamp(0, V - 1)
    .to('int32');
}

/** Sampling options are checked before training, so a typo does not cost a training run. */
function checkSampling(temperature: number, topK: number): void {
  if (!(temperature > 0)) throw new UsageError(`temperature must be > 0, got ${temperature}`);
  if (!Number.isInteger(topK) || topK < 0)
    throw new UsageError(`top-k must be an integer ≥ 0 (0: no limit), got ${topK}`);
}

/** Model sizes that nn.MultiheadAttention would reject, as a usage error naming the options. */
function checkSizes(opts: GptOptions): void {
  const d = opts.dModel ?? 64;
  const h = opts.nHead ?? 4;
  const n = opts.nLayer ?? 2;
  if (![d, h, n].every((v) => Number.isInteger(v) && v > 0) || d % h !== 0)
    throw new UsageError(
      `--d-model (${d}) must be a positive multiple of --n-head (${h}), and --n-layer (${n}) positive`,
    );
}

/**
 * Sample `n` words: start from the end token, run the model on the whole prefix (it keeps no
 * state), draw the next character from the last position's logits / temperature restricted to
 * the top k (0: all), and stop at the end token or after `maxLen` characters.
 */
export function sampleWords(
  model: GPT,
  ds: fl.data.CharDataset,
  n: number,
  temperature: number,
  topK: number,
  maxLen = model.blockSize,
): string[] {
  checkSampling(temperature, topK);
  model.eval();
  const V = model.vocabSize;
  let ids: number[] = [];
  fl.noGrad(() =>
    fl.tidy(() => {
      let seq = fl.zeros([n, 1], { dtype: 'int32' });
      for (let t = 0; t < Math.min(maxLen, model.blockSize); t++) {
        let logits = model.forward(seq).narrow(1, t, 1).reshape([n, V]).div(temperature);
        if (topK > 0 && topK < V) logits = logits.maskedFill(outsideTopK(logits, topK), -Infinity);
        seq = fl.cat([seq, draw(logits.softmax(1))], 1);
      }
      ids = Array.from(seq.dataSync());
    }),
  );
  model.train();
  const L = ids.length / n;
  return Array.from({ length: n }, (_, i) => {
    const drawn = ids.slice(i * L + 1, (i + 1) * L); // without the start token
    const end = drawn.indexOf(ds.endToken);
    // Cut at the first end token here: decode() would skip one drawn first and read on.
    return ds.decode(end < 0 ? drawn : drawn.slice(0, end));
  });
}

type Loader = fl.data.DataLoader<[fl.Tensor, fl.Tensor], [fl.Tensor, fl.Tensor]>;

/** One epoch of the hand-written loop (lr stepped per batch); returns its training seconds. */
function trainEpoch(
  model: GPT,
  optimizer: fl.optim.AdamW,
  sched: fl.optim.CosineAnnealingLR,
  loader: Loader,
  bar: LoopProgress,
): number {
  const criterion = new nn.CrossEntropyLoss(); // ignores the -100 padding targets
  const t0 = performance.now();
  for (const [x, y] of loader) {
    const loss = fl.tidy(() => {
      optimizer.zeroGrad();
      const logits = model.forward(x);
      const l = criterion.forward(logits.reshape([-1, model.vocabSize]), y.reshape([-1]));
      l.backward();
      fl.optim.clipGradNorm_(model.parameters(), 1);
      optimizer.step();
      sched.step();
      return l.item();
    });
    bar.batch(x.shape[0]!, loss);
    x.dispose();
    y.dispose();
  }
  return seconds(t0);
}

function report(r: GptResult, temperature: number, topK: number, seed: number, log: Log): void {
  const gain = ((1 - r.valLoss / r.unigramLoss) * 100).toFixed(1);
  log(
    `Validation loss ${r.valLoss.toFixed(4)} nats/char vs unigram ${r.unigramLoss.toFixed(4)} (${gain} % lower); ` +
      `${(r.secondsPerBatch * 1000).toFixed(0)} ms per batch, total ${fmtTime(r.trainSeconds)}`,
  );
  const k = topK > 0 ? `top-k ${topK}` : 'no top-k';
  log(`Samples (temperature ${temperature}, ${k}, seed ${seed}; * = not in the word list):`);
  log(r.samples.map((s) => `  ${s.word}${s.isNew ? ' *' : ''}`).join('\n'));
}

export async function main(opts: GptOptions = {}): Promise<GptResult> {
  const log = opts.log ?? console.log;
  const temperature = opts.temperature ?? 0.8;
  const topK = opts.topK ?? 10;
  checkSampling(temperature, topK);
  checkSizes(opts);
  const { device, description } = await pickBackend(opts.backend);
  const seed = opts.seed ?? 0;
  fl.manualSeed(seed);
  const { all, ds, train, val, unigram } = await corpus(opts, SEQ_LEN, seed);
  const model = new GPT(ds.vocabSize, {
    dModel: opts.dModel,
    nHead: opts.nHead,
    nLayer: opts.nLayer,
    blockSize: SEQ_LEN,
  });
  const epochs = opts.epochs ?? 3;
  const batchSize = opts.batchSize ?? 64;
  const loader = new fl.data.DataLoader(train, { batchSize, shuffle: true, seed });
  const lr = opts.lr ?? 3e-3;
  const optimizer = new fl.optim.AdamW(model.parameters(), { lr });
  const sched = new fl.optim.CosineAnnealingLR(optimizer, {
    tMax: epochs * loader.length,
    etaMin: lr / 10,
  });
  const loss = (m: GPT) => sequenceLoss(m, (x) => m.forward(x), val);
  log(`Backend: ${device} (${description})`);
  log(
    `GPT (${model.numParameters()} parameters) on ${ds.length} words: ${train.length} training / ${val.length} validation, ` +
      `vocabulary ${ds.vocabSize}, ${epochs} epoch${epochs === 1 ? '' : 's'}, batch ${batchSize}`,
  );
  log(`Unigram baseline: ${unigram.toFixed(4)} nats/char`);
  const valLosses = [loss(model)];
  log(`Validation loss before training: ${valLosses[0]!.toFixed(4)} nats/char`);
  const t0 = performance.now();
  let stepSeconds = 0;
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const tty = (opts.progress ?? true) && process.stdout.isTTY === true;
      const bar = epochProgress(epoch, epochs, loader.length, log, tty);
      stepSeconds += trainEpoch(model, optimizer, sched, loader, bar);
      valLosses.push(loss(model));
      bar.end(
        `  validation ${valLosses.at(-1)!.toFixed(4)} nats/char (unigram ${unigram.toFixed(4)})`,
      );
    }
    const known = new Set(all);
    const sampled = sampleWords(model, ds, opts.samples ?? 10, temperature, topK);
    const result: GptResult = {
      device,
      parameters: model.numParameters(),
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
    report(result, temperature, topK, seed, log);
    return result;
  } finally {
    release(model, optimizer);
  }
}

export const OPTIONS = {
  epochs: { type: 'number', integer: true, help: 'epochs (default 3)' },
  batchSize: { type: 'number', integer: true, help: 'words per batch (default 64)' },
  lr: { type: 'number', help: 'peak AdamW learning rate, cosine-annealed (default 3e-3)' },
  limit: { type: 'number', integer: true, help: 'use N random words (default: all ~63,600)' },
  dModel: { type: 'number', integer: true, help: 'embedding / residual width (default 64)' },
  nHead: { type: 'number', integer: true, help: 'attention heads (default 4)' },
  nLayer: { type: 'number', integer: true, help: 'Transformer blocks (default 2)' },
  samples: { type: 'number', integer: true, help: 'words to sample (default 10)' },
  temperature: { type: 'number', help: 'sampling temperature (default 0.8)' },
  topK: { type: 'number', integer: true, help: 'sample from the k likeliest (default 10; 0: all)' },
  seed: { type: 'number', integer: true, help: 'random seed (default 0)' },
  backend: { type: 'string', help: 'device to use (default: the fastest available)' },
} as const satisfies Record<string, OptionSpec>;

if (isEntryPoint(import.meta.url))
  await runCli('gpt', 'Train a small character-level GPT on the English word list.', OPTIONS, (o) =>
    main(o),
  );
