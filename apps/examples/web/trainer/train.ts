/**
 * The training run of the browser demo, independent of where it runs: the session (session.ts)
 * drives it in the worker or the page. It trains the MLP example's
 * network (src/mlp-net.ts) with Adam on the Fashion-MNIST subset and reports through `post`.
 */
import * as fl from '@flint/core';
import { MLP } from '../../src/mlp-net.js';
import { evaluateClassifier, release } from '../../src/train-utils.js';
import type { Subset } from './data.js';
import type { FromWorker, TrainConfig } from './protocol.js';

const predict = (model: MLP, x: fl.Tensor, k: number): number[] =>
  fl.noGrad(() =>
    fl.tidy(() =>
      Array.from(
        model
          .forward(x.narrow(0, 0, k))
          .argmax(1)
          .dataSync(),
        Number,
      ),
    ),
  );

/** Yields to the event loop, so a `stop` message sent by the page gets a chance to arrive. */
const yieldToEvents = () => new Promise<void>((r) => setTimeout(r, 0));

/**
 * Train and evaluate once per epoch. `shouldStop` is polled between steps; a stopped run still
 * frees its tensors and posts `done` with `stopped: true`. Returns the final test accuracy.
 */
export async function trainMlp(
  data: Subset,
  cfg: TrainConfig,
  post: (m: FromWorker) => void,
  shouldStop: () => boolean = () => false,
): Promise<number> {
  fl.manualSeed(cfg.seed);
  const model = new MLP();
  const optimizer = new fl.optim.Adam(model.parameters(), { lr: cfg.lr });
  const criterion = new fl.nn.CrossEntropyLoss();
  const loader = new fl.data.DataLoader(data.train, {
    batchSize: cfg.batchSize,
    shuffle: true,
    seed: cfg.seed,
  });
  const k = data.preview.labels.length;
  const t0 = performance.now();
  let step = 0;
  let accuracy = 0;
  let stopped = false;
  let lastYield = t0;
  try {
    for (let epoch = 1; epoch <= cfg.epochs && !stopped; epoch++) {
      // the loader frees each batch when the next one is drawn (and when the loop breaks)
      for (const [xb, yb] of loader) {
        const loss = fl.tidy(() => {
          optimizer.zeroGrad();
          const l = criterion.forward(model.forward(xb), yb);
          l.backward();
          optimizer.step();
          return l.item();
        });
        post({ type: 'step', step: ++step, epoch, loss });
        // every 50 ms: often enough for a prompt Stop, rarely enough to cost nothing
        if (performance.now() - lastYield > 50) {
          await yieldToEvents();
          lastYield = performance.now();
        }
        if (shouldStop()) {
          stopped = true;
          break;
        }
      }
      if (stopped) break;
      const test = evaluateClassifier(model, data.test.x, data.test.y);
      accuracy = test.accuracy;
      post({
        type: 'epoch',
        epoch,
        step,
        testLoss: test.loss,
        testAccuracy: accuracy,
        predictions: predict(model, data.test.x, k),
        seconds: (performance.now() - t0) / 1000,
      });
    }
  } finally {
    release(model, optimizer);
  }
  post({ type: 'done', testAccuracy: accuracy, seconds: (performance.now() - t0) / 1000, stopped });
  return accuracy;
}
