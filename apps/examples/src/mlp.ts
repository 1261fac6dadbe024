/**
 * The classic 784-128-64-10 ReLU network on Fashion-MNIST, written twice: PyTorch style (a Module
 * subclass and a hand-written loop) and Keras style (Sequential + Model.compile/fit/evaluate).
 * Adam (lr 1e-3), cross-entropy, batch 32.
 *
 * Run: node dist/mlp.js [--style torch|keras] [--epochs 10] [--limit N]   (pnpm demo runs it)
 */
import * as fl from '@flint/core';
import { pickBackend } from './backend.js';
import {
  IMAGE_OPTIONS,
  RUN_OPTIONS,
  type OptionSpec,
  UsageError,
  isEntryPoint,
  runCli,
} from './cli.js';
import { type Split, exampleData } from './data.js';
import { type Log, epochProgress, fmtTime } from './progress.js';
import { evaluateClassifier, pct, plural, release, seconds } from './train-utils.js';
import { MLP, mlpSequential } from './mlp-net.js';

export { MLP, mlpSequential };

const { nn } = fl;

export interface MlpOptions {
  style?: 'torch' | 'keras';
  epochs?: number;
  batchSize?: number;
  lr?: number;
  /** Train on the first N training images only (default: all 60,000). */
  limit?: number;
  /** Evaluate on the first N test images only (default: all 10,000). */
  testLimit?: number;
  /** Keras style: validate on this fraction of the training data instead of the test set. */
  validationSplit?: number;
  seed?: number;
  /** Device name (see pickBackend); default the fastest available. */
  backend?: string;
  /** Preloaded data (tests load it once); not disposed by main. */
  data?: { train: Split; test: Split };
  /** Per-epoch lines; default console.log. */
  log?: Log;
  /** Show the progress bar / line on a terminal (default true). */
  progress?: boolean;
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  /** Test accuracy after the epoch (or validation accuracy with validationSplit). */
  valAccuracy: number;
  seconds: number;
}

export interface MlpResult {
  style: 'torch' | 'keras';
  device: string;
  trainSamples: number;
  testSamples: number;
  epochs: EpochRecord[];
  testLoss: number;
  testAccuracy: number;
  /** Training time, validation included, data loading excluded. */
  trainSeconds: number;
}

interface Run {
  x: fl.Tensor;
  y: fl.Tensor;
  test: Split;
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  log: Log;
  progress: boolean;
  validationSplit?: number;
}

/** The hand-written loop: zeroGrad, forward, loss, backward, step — each step inside fl.tidy. */
function trainTorchStyle(
  r: Run,
): Omit<MlpResult, 'style' | 'device' | 'trainSamples' | 'testSamples' | 'trainSeconds'> {
  const model = new MLP();
  const optimizer = new fl.optim.Adam(model.parameters(), { lr: r.lr });
  const criterion = new nn.CrossEntropyLoss();
  const loader = new fl.data.DataLoader(new fl.data.TensorDataset(r.x, r.y), {
    batchSize: r.batchSize,
    shuffle: true,
    seed: r.seed,
  });
  const epochs: EpochRecord[] = [];
  for (let epoch = 0; epoch < r.epochs; epoch++) {
    const t0 = performance.now();
    const bar = epochProgress(
      epoch,
      r.epochs,
      loader.length,
      r.log,
      r.progress && process.stdout.isTTY === true,
    );
    model.train();
    for (const [xb, yb] of loader) {
      const loss = fl.tidy(() => {
        optimizer.zeroGrad();
        const logits = model.forward(xb);
        const l = criterion.forward(logits, yb);
        l.backward();
        optimizer.step();
        return l.item();
      });
      bar.batch(xb.shape[0]!, loss);
    }
    const test = evaluateClassifier(model, r.test.x, r.test.y);
    const loss = bar.end(
      `  test loss ${test.loss.toFixed(4)}  test accuracy ${pct(test.accuracy)}`,
    );
    epochs.push({ epoch: epoch + 1, loss, valAccuracy: test.accuracy, seconds: seconds(t0) });
  }
  const final = evaluateClassifier(model, r.test.x, r.test.y);
  release(model, optimizer);
  return { epochs, testLoss: final.loss, testAccuracy: final.accuracy };
}

/** compile / fit / evaluate; fit draws a progress bar per epoch on a terminal. */
async function trainKerasStyle(
  r: Run,
): Promise<Omit<MlpResult, 'style' | 'device' | 'trainSamples' | 'testSamples' | 'trainSeconds'>> {
  const net = mlpSequential();
  let optimizer: fl.optim.Adam | null = null;
  const model = new fl.Model(net).compile({
    optimizer: (params) => (optimizer = new fl.optim.Adam(params, { lr: r.lr })),
    loss: 'crossEntropy',
    metrics: ['accuracy'],
  });
  const epochs: EpochRecord[] = [];
  let t0 = performance.now();
  const valName = r.validationSplit ? 'val' : 'test';
  const history = await model.fit(r.x, r.y, {
    epochs: r.epochs,
    batchSize: r.batchSize,
    seed: r.seed,
    ...(r.validationSplit
      ? { validationSplit: r.validationSplit }
      : { validationData: [r.test.x, r.test.y] as const }),
    // The example prints its own line per epoch: fit's bar only on a terminal.
    verbose: r.progress && process.stdout.isTTY === true ? 'auto' : 0,
    callbacks: [
      {
        onEpochEnd(epoch, logs) {
          epochs.push({
            epoch: epoch + 1,
            loss: logs.loss!,
            valAccuracy: logs.valAccuracy!,
            seconds: seconds(t0),
          });
          r.log(
            `Epoch ${epoch + 1}/${r.epochs}  loss ${logs.loss!.toFixed(4)}  accuracy ${pct(logs.accuracy!)}  ` +
              `${valName} loss ${logs.valLoss!.toFixed(4)}  ${valName} accuracy ${pct(logs.valAccuracy!)}  (${fmtTime(seconds(t0))})`,
          );
          t0 = performance.now();
        },
      },
    ],
  });
  void history; // history.history.loss, .accuracy, .valLoss, .valAccuracy hold the same numbers
  const test = model.evaluate(r.test.x, r.test.y, { batchSize: 1000 });
  release(net, optimizer);
  return { epochs, testLoss: test.loss!, testAccuracy: test.accuracy! };
}

/** Train and evaluate the MLP; returns the measured numbers. */
export async function main(opts: MlpOptions = {}): Promise<MlpResult> {
  const style = opts.style ?? 'keras';
  if (style === 'torch' && opts.validationSplit)
    throw new UsageError(
      '--validation-split is a Keras-style fit option; use it with --style keras',
    );
  const log = opts.log ?? console.log;
  const { device, description } = await pickBackend(opts.backend);
  const seed = opts.seed ?? 0;
  fl.manualSeed(seed);
  const data = await exampleData(opts);
  const { train, test } = data;
  const epochs = opts.epochs ?? 10;
  const batchSize = opts.batchSize ?? 32;
  log(`Backend: ${device} (${description})`);
  log(
    `MLP 784-128-64-10, ${style === 'torch' ? 'PyTorch' : 'Keras'} style, on Fashion-MNIST: ` +
      `${train.x.shape[0]} training${opts.validationSplit ? ` (${opts.validationSplit * 100} % held out for validation)` : ''} / ` +
      `${test.x.shape[0]} test images, ${plural(epochs, 'epoch')}, batch ${batchSize}` +
      (opts.data ? '' : ` (data loaded in ${fmtTime(data.loadSeconds)})`),
  );
  const run: Run = {
    ...train,
    test,
    epochs,
    batchSize,
    lr: opts.lr ?? 1e-3,
    seed,
    log,
    progress: opts.progress ?? true,
    validationSplit: opts.validationSplit,
  };
  const t0 = performance.now();
  try {
    const out = style === 'torch' ? trainTorchStyle(run) : await trainKerasStyle(run);
    const result: MlpResult = {
      style,
      device,
      trainSamples: train.x.shape[0]!,
      testSamples: test.x.shape[0]!,
      ...out,
      trainSeconds: seconds(t0),
    };
    log(
      `Test accuracy ${pct(result.testAccuracy)} (loss ${result.testLoss.toFixed(4)}) after ${plural(epochs, 'epoch')}; ` +
        `training took ${fmtTime(result.trainSeconds)}`,
    );
    return result;
  } finally {
    data.release();
  }
}

export const OPTIONS = {
  style: {
    type: 'string',
    choices: ['torch', 'keras'],
    help: 'PyTorch-style loop or Keras-style fit (default keras)',
  },
  epochs: { type: 'number', integer: true, help: 'epochs (default 10)' },
  ...IMAGE_OPTIONS,
  validationSplit: {
    type: 'number',
    help: 'keras style: validate on this fraction of the training set instead of the test set',
  },
  ...RUN_OPTIONS,
} as const satisfies Record<string, OptionSpec>;

if (isEntryPoint(import.meta.url))
  await runCli('mlp', 'Train the 784-128-64-10 MLP on Fashion-MNIST.', OPTIONS, (o) => main(o));
