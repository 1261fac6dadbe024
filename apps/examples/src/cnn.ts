/**
 * A small convolutional network on Fashion-MNIST:
 * conv(1→32, 3×3)–ReLU–maxpool(2)–conv(32→64, 3×3)–ReLU–maxpool(2)–flatten–linear(1600→10), Adam.
 * Convolutions are the slow part on the pure TypeScript backend, so `--limit N` trains on the
 * first N images; every run reports its time per batch.
 *
 * Run: node dist/cnn.js [--epochs 1] [--limit N] [--style torch|keras]
 */
import * as fl from '@flint/core';
import { pickBackend } from './backend.js';
import { IMAGE_OPTIONS, RUN_OPTIONS, type OptionSpec, isEntryPoint, runCli } from './cli.js';
import { type Split, exampleData } from './data.js';
import { type Log, epochProgress, fmtTime } from './progress.js';
import { evaluateClassifier, pct, plural, release, seconds } from './train-utils.js';

const { nn } = fl;

/** The network; state-dict keys 0.weight, 0.bias, 3.weight, 3.bias, 7.weight, 7.bias (as torch.nn.Sequential). */
export function cnn(): fl.nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 32, 3), // [N, 32, 26, 26]
    new nn.ReLU(),
    new nn.MaxPool2d(2), // [N, 32, 13, 13]
    new nn.Conv2d(32, 64, 3), // [N, 64, 11, 11]
    new nn.ReLU(),
    new nn.MaxPool2d(2), // [N, 64, 5, 5]
    new nn.Flatten(),
    new nn.Linear(64 * 5 * 5, 10),
  );
}

export interface CnnOptions {
  style?: 'torch' | 'keras';
  epochs?: number;
  batchSize?: number;
  lr?: number;
  /** Train on the first N training images (default all 60,000). */
  limit?: number;
  /** Test on the first N test images (default all 10,000). */
  testLimit?: number;
  seed?: number;
  backend?: string;
  /** Preloaded data (tests); not disposed by main. */
  data?: { train: Split; test: Split };
  log?: Log;
  progress?: boolean;
}

export interface CnnResult {
  style: 'torch' | 'keras';
  device: string;
  trainSamples: number;
  testSamples: number;
  /** Mean training loss of each epoch. */
  epochLosses: number[];
  /** Test accuracy after each epoch. */
  epochAccuracies: number[];
  /** Training loss of each batch, in order (torch style only; empty for keras). */
  batchLosses: number[];
  /** Test accuracy after the last epoch. */
  testAccuracy: number;
  /** Training time (excluding evaluation) divided by the number of batches. */
  secondsPerBatch: number;
  trainSeconds: number;
}

type Trained = Pick<CnnResult, 'epochLosses' | 'batchLosses' | 'epochAccuracies'> & {
  batches: number;
  stepSeconds: number;
};
type Settings = Required<
  Pick<CnnOptions, 'epochs' | 'batchSize' | 'lr' | 'seed' | 'log' | 'progress'>
> & { test: Split };

function torchStyle(model: fl.nn.Sequential, x: fl.Tensor, y: fl.Tensor, o: Settings): Trained {
  const optimizer = new fl.optim.Adam(model.parameters(), { lr: o.lr });
  const criterion = new nn.CrossEntropyLoss();
  const loader = new fl.data.DataLoader(new fl.data.TensorDataset(x, y), {
    batchSize: o.batchSize,
    shuffle: true,
    seed: o.seed,
  });
  const out: Trained = {
    epochLosses: [],
    batchLosses: [],
    epochAccuracies: [],
    batches: 0,
    stepSeconds: 0,
  };
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    const bar = epochProgress(
      epoch,
      o.epochs,
      loader.length,
      o.log,
      o.progress && process.stdout.isTTY === true,
    );
    model.train();
    const t0 = performance.now();
    for (const [xb, yb] of loader) {
      const loss = fl.tidy(() => {
        optimizer.zeroGrad();
        const l = criterion.forward(model.forward(xb), yb);
        l.backward();
        optimizer.step();
        return l.item();
      });
      xb.dispose();
      yb.dispose();
      out.batchLosses.push(loss);
      bar.batch(xb.shape[0]!, loss);
    }
    const stepSeconds = seconds(t0);
    out.stepSeconds += stepSeconds;
    out.batches += loader.length;
    const test = evaluateClassifier(model, o.test.x, o.test.y, 500);
    out.epochAccuracies.push(test.accuracy);
    out.epochLosses.push(
      bar.end(
        `  test loss ${test.loss.toFixed(4)}  test accuracy ${pct(test.accuracy)}  ${((stepSeconds / loader.length) * 1000).toFixed(0)} ms per batch`,
      ),
    );
  }
  optimizer.dispose();
  return out;
}

async function kerasStyle(
  model: fl.nn.Sequential,
  x: fl.Tensor,
  y: fl.Tensor,
  o: Settings,
): Promise<Trained> {
  let optimizer: fl.optim.Adam | null = null;
  const m = new fl.Model(model).compile({
    optimizer: (p) => (optimizer = new fl.optim.Adam(p, { lr: o.lr })),
    loss: 'crossEntropy',
    metrics: ['accuracy'],
  });
  let stepSeconds = 0;
  let t0 = 0;
  const h = await m.fit(x, y, {
    epochs: o.epochs,
    batchSize: o.batchSize,
    seed: o.seed,
    validationData: [o.test.x, o.test.y],
    // The example prints its own line per epoch: fit's bar only on a terminal.
    verbose: o.progress && process.stdout.isTTY === true ? 'auto' : 0,
    callbacks: [
      {
        onEpochBegin: () => {
          t0 = performance.now();
        },
        // Summed batch by batch, so fit's validation pass is not counted.
        onBatchEnd: () => {
          stepSeconds += seconds(t0);
          t0 = performance.now();
        },
        onEpochEnd: (e, logs) =>
          o.log(
            `Epoch ${e + 1}/${o.epochs}  loss ${logs.loss!.toFixed(4)}  accuracy ${pct(logs.accuracy!)}  test loss ${logs.valLoss!.toFixed(4)}  test accuracy ${pct(logs.valAccuracy!)}`,
          ),
      },
    ],
  });
  (optimizer as fl.optim.Adam | null)?.dispose();
  const batches = Math.ceil(x.shape[0]! / o.batchSize) * o.epochs;
  return {
    epochLosses: h.history.loss ?? [],
    epochAccuracies: h.history.valAccuracy ?? [],
    batchLosses: [],
    batches,
    stepSeconds,
  };
}

export async function main(opts: CnnOptions = {}): Promise<CnnResult> {
  const style = opts.style ?? 'torch';
  const log = opts.log ?? console.log;
  const { device, description } = await pickBackend(opts.backend);
  const seed = opts.seed ?? 0;
  fl.manualSeed(seed);
  const data = await exampleData(opts);
  const { train, test } = data;
  const o: Settings = {
    epochs: opts.epochs ?? 1,
    batchSize: opts.batchSize ?? 32,
    lr: opts.lr ?? 1e-3,
    seed,
    log,
    progress: opts.progress ?? true,
    test,
  };
  log(`Backend: ${device} (${description})`);
  log(
    `CNN, ${style === 'torch' ? 'PyTorch' : 'Keras'} style, on Fashion-MNIST: ${train.x.shape[0]} training / ` +
      `${test.x.shape[0]} test images, ${plural(o.epochs, 'epoch')}, batch ${o.batchSize}`,
  );
  const model = cnn();
  const t0 = performance.now();
  try {
    const t =
      style === 'torch'
        ? torchStyle(model, train.x, train.y, o)
        : await kerasStyle(model, train.x, train.y, o);
    const result: CnnResult = {
      style,
      device,
      trainSamples: train.x.shape[0]!,
      testSamples: test.x.shape[0]!,
      epochLosses: t.epochLosses,
      epochAccuracies: t.epochAccuracies,
      batchLosses: t.batchLosses,
      testAccuracy: t.epochAccuracies.at(-1)!,
      secondsPerBatch: t.stepSeconds / t.batches,
      trainSeconds: seconds(t0),
    };
    log(
      `Test accuracy ${pct(result.testAccuracy)} after ${plural(o.epochs, 'epoch')}; ${(result.secondsPerBatch * 1000).toFixed(0)} ms ` +
        `per training batch of ${o.batchSize}; total ${fmtTime(result.trainSeconds)} (test evaluations included)`,
    );
    return result;
  } finally {
    release(model);
    data.release();
  }
}

export const OPTIONS = {
  style: {
    type: 'string',
    choices: ['torch', 'keras'],
    help: 'PyTorch-style loop or Keras-style fit (default torch)',
  },
  epochs: { type: 'number', integer: true, help: 'epochs (default 1)' },
  ...IMAGE_OPTIONS,
  ...RUN_OPTIONS,
} as const satisfies Record<string, OptionSpec>;

if (isEntryPoint(import.meta.url))
  await runCli('cnn', 'Train a small CNN on Fashion-MNIST.', OPTIONS, (o) => main(o));
