/** Helpers the examples share: evaluation of a classifier, timing, and freeing a model's tensors. */
import * as fl from '@flint/core';
import type { Log } from './progress.js';

/** Mean cross-entropy and accuracy of `model` over (x, y), in eval mode, in batches, without gradients. */
export function evaluateClassifier(
  model: fl.nn.Module,
  x: fl.Tensor,
  y: fl.Tensor,
  batchSize = 1000,
): { loss: number; accuracy: number } {
  const n = x.shape[0]!;
  const ce = new fl.nn.CrossEntropyLoss({ reduction: 'sum' });
  model.eval();
  let lossSum = 0;
  let correct = 0;
  fl.noGrad(() => {
    for (let s = 0; s < n; s += batchSize)
      fl.tidy(() => {
        const len = Math.min(batchSize, n - s);
        const xb = x.narrow(0, s, len);
        const yb = y.narrow(0, s, len);
        const logits = model.forward(xb) as fl.Tensor;
        lossSum += ce.forward(logits, yb).item();
        correct += logits.argmax(1).eq(yb).sum().item();
      });
  });
  model.train();
  return { loss: lossSum / n, accuracy: correct / n };
}

/** Free a model's parameters and buffers and an optimizer's state (examples run many models in one process in tests). */
export function release(model: fl.nn.Module, optimizer?: { dispose(): void } | null): void {
  optimizer?.dispose();
  for (const t of [...model.parameters(), ...model.buffers()]) {
    t.grad?.dispose();
    t.dispose();
  }
}

export const seconds = (t0: number) => (performance.now() - t0) / 1000;

/** "3 epochs", "1 epoch". */
export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export const pct = (a: number) => `${(a * 100).toFixed(2)} %`;

export const silent: Log = () => {};
