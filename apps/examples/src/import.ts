/**
 * Model import: PyTorch-trained weights (safetensors files written by
 * scripts/make-import-fixture.py from a real PyTorch training run) loaded into the equivalent
 * Flint models, whose predictions are compared with PyTorch's. The models are the same classes
 * the other examples train: `cnn()` from cnn.ts and `CharRNN` from char-rnn.ts.
 *
 * Run: node dist/import.js [--fixtures DIR] [--tolerance 1e-5]
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import * as fl from '@flint/core';
import { pickBackend } from './backend.js';
import { type OptionSpec, isEntryPoint, runCli } from './cli.js';
import { cnn } from './cnn.js';
import { CharRNN } from './char-rnn.js';
import { GPT } from './gpt-model.js';
import type { Log } from './progress.js';
import { release } from './train-utils.js';

/** apps/examples/fixtures, from src/ (tests) and dist/ (the built program) alike. */
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

interface Expected {
  torch: string;
  cnn: { labels: number[]; predicted: number[]; logits: number[][] };
  charLstm: {
    chars: string;
    embedDim: number;
    hiddenSize: number;
    seqLen: number;
    words: string[];
    logits: number[][][];
  };
}

export interface ModelCheck {
  name: string;
  /** State-dict keys loaded from the safetensors file. */
  keys: string[];
  /** Largest |Flint − PyTorch| over all outputs. */
  maxAbsDiff: number;
  /** Whether Flint's argmax predictions equal PyTorch's. */
  samePredictions: boolean;
  /** fl.io.serialize of the loaded tensors reproduces the file byte for byte. */
  byteIdentical: boolean;
}

export interface ImportResult {
  device: string;
  torch: string;
  tolerance: number;
  models: ModelCheck[];
  ok: boolean;
}

export interface ImportOptions {
  fixtures?: string;
  tolerance?: number;
  backend?: string;
  log?: Log;
}

function maxAbsDiff(a: ArrayLike<number>, b: readonly number[]): number {
  if (a.length !== b.length)
    throw new Error(`output sizes differ: Flint ${a.length}, PyTorch ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function argmaxRows(flat: ArrayLike<number>, width: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < flat.length / width; r++) {
    let best = 0;
    for (let c = 1; c < width; c++) if (flat[r * width + c]! > flat[r * width + best]!) best = c;
    out.push(best);
  }
  return out;
}

/** Load `file` into `model` and compare `run(model)` with PyTorch's logits. */
async function check(
  name: string,
  model: fl.nn.Module,
  file: string,
  run: (m: fl.nn.Module) => fl.Tensor,
  expected: readonly number[],
  classes: number,
): Promise<ModelCheck> {
  const { tensors, metadata } = await fl.io.loadWithMetadata(file);
  try {
    model.loadStateDict(tensors); // strict: every key must match, with the same shape
    const bytes = new Uint8Array(await readFile(file));
    const again = fl.io.serialize(tensors, metadata);
    const byteIdentical = again.length === bytes.length && again.every((v, i) => v === bytes[i]);
    const out = fl.noGrad(() => fl.tidy(() => run(model.eval()).dataSync()));
    const samePredictions =
      argmaxRows(out, classes).join() === argmaxRows(expected, classes).join();
    return {
      name,
      keys: Object.keys(tensors),
      maxAbsDiff: maxAbsDiff(out, expected),
      samePredictions,
      byteIdentical,
    };
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
}

/**
 * The GPT of gpt-model.ts against scripts/make-gpt-fixture.py: the sizes and vocabulary come from
 * gpt.safetensors's metadata, the token ids and PyTorch's logits from gpt-io.safetensors.
 */
async function checkGpt(dir: string): Promise<ModelCheck> {
  const file = join(dir, 'gpt.safetensors');
  const { tensors, metadata } = await fl.io.loadWithMetadata(file);
  for (const t of Object.values(tensors)) t.dispose();
  const size = (k: string) => Number(metadata?.[k]);
  const vocab = metadata?.chars?.length ?? 0;
  const model = new GPT(vocab, {
    dModel: size('dModel'),
    nHead: size('nHead'),
    nLayer: size('nLayer'),
    blockSize: size('blockSize'),
  });
  const io = await fl.load(join(dir, 'gpt-io.safetensors'));
  try {
    const expected = Array.from(io.logits!.dataSync());
    return await check(
      'gpt',
      model,
      file,
      (m) => m.forward(io.tokens!) as fl.Tensor,
      expected,
      vocab,
    );
  } finally {
    for (const t of Object.values(io)) t.dispose();
    release(model);
  }
}

export async function main(opts: ImportOptions = {}): Promise<ImportResult> {
  const log = opts.log ?? console.log;
  const dir = opts.fixtures ?? FIXTURES;
  const tolerance = opts.tolerance ?? 1e-5;
  const { device } = await pickBackend(opts.backend);
  const expected = JSON.parse(await readFile(join(dir, 'expected.json'), 'utf8')) as Expected;
  const inputs = await fl.load(join(dir, 'import-inputs.safetensors'));
  const models: ModelCheck[] = [];
  try {
    const net = cnn();
    models.push(
      await check(
        'cnn',
        net,
        join(dir, 'cnn.safetensors'),
        (m) => m.forward(inputs.images!) as fl.Tensor,
        expected.cnn.logits.flat(),
        10,
      ),
    );
    release(net);
    const e = expected.charLstm;
    const rnn = new CharRNN(e.chars.length, { embedDim: e.embedDim, hiddenSize: e.hiddenSize });
    models.push(
      await check(
        'char-lstm',
        rnn,
        join(dir, 'char-lstm.safetensors'),
        (m) => (m as CharRNN).forward(inputs.tokens!)[0],
        e.logits.flat(2),
        e.chars.length,
      ),
    );
    release(rnn);
    models.push(await checkGpt(dir));
  } finally {
    for (const t of Object.values(inputs)) t.dispose();
  }
  const ok = models.every((m) => m.maxAbsDiff <= tolerance && m.samePredictions);
  log(`Weights trained by PyTorch ${expected.torch}, loaded into Flint on ${device}:`);
  for (const m of models)
    log(
      `  ${m.name.padEnd(10)} ${m.keys.length} tensors  max |Flint − PyTorch| = ${m.maxAbsDiff.toExponential(2)}  ` +
        `predictions ${m.samePredictions ? 'identical' : 'DIFFER'}  re-saved file ${m.byteIdentical ? 'byte-identical' : 'DIFFERS'}`,
    );
  log(
    ok
      ? `Match: every output within ${tolerance.toExponential()} of PyTorch's.`
      : `MISMATCH: outputs differ from PyTorch's by more than ${tolerance.toExponential()}.`,
  );
  return { device, torch: expected.torch, tolerance, models, ok };
}

export const OPTIONS = {
  fixtures: {
    type: 'string',
    help: 'directory with the fixture files (default apps/examples/fixtures)',
  },
  tolerance: { type: 'number', help: 'largest allowed |Flint − PyTorch| (default 1e-5)' },
  backend: { type: 'string', help: 'device to use (default: the fastest available)' },
} as const satisfies Record<string, OptionSpec>;

if (isEntryPoint(import.meta.url))
  await runCli(
    'import',
    'Load PyTorch-trained weights and compare predictions with PyTorch.',
    OPTIONS,
    async (o) => {
      const r = await main(o);
      if (!r.ok) process.exitCode = 1;
    },
  );
