/**
 * Flint training steps through the public API, as a user writes them: an `nn` model, `fl.optim.Adam`
 * and `nn.F.crossEntropy`, with `zeroGrad → forward → backward → step` inside one `fl.tidy`. The
 * networks match the peers' layer for layer (python/peer.py, tfjs.ts); initialisation is each
 * library's own default, which does not change the arithmetic.
 */
import * as fl from '@flint/core';
import type { RecurrentSpec, Specs } from '../harness/types.js';

const { nn } = fl;

export interface Model {
  /** One training step; returns the loss (read back, as a training loop logging it would). */
  step(): number;
  /**
   * One training step returning the loss tensor unread (the caller reads and disposes it): for
   * devices without synchronous read-back, which read it with `await loss.data()`.
   */
  stepLoss(): fl.Tensor;
  dispose(): void;
}

/** A module with a single-tensor forward (a Sequential, or the LSTM classifier below). */
interface Net {
  forward(x: fl.Tensor): fl.Tensor;
  parameters(): fl.Tensor[];
}

/** Adam (lr 1e-3, torch's defaults) on the mean softmax cross-entropy of `net(x)` against `y`. */
function trainer(net: Net, x: fl.Tensor, y: fl.Tensor): Model {
  const opt = new fl.optim.Adam(net.parameters(), { lr: 1e-3 });
  // One step inside a tidy; `out` picks what leaves it (the loss read back, or kept unread).
  const run = <R>(out: (loss: fl.Tensor) => R): R =>
    fl.tidy(() => {
      opt.zeroGrad();
      const loss = nn.F.crossEntropy(net.forward(x), y);
      loss.backward();
      opt.step();
      return out(loss);
    });
  return {
    step: () => run((loss) => loss.item()),
    stepLoss: () => run((loss) => loss.detach()),
    dispose() {
      opt.dispose();
      for (const p of net.parameters()) p.dispose(); // also frees p.grad
      x.dispose();
      y.dispose();
    },
  };
}

/** Inputs and `n` int32 class labels, both outliving the steps' tidy scopes. */
function batch(shape: readonly number[], n: number, classes: number): [fl.Tensor, fl.Tensor] {
  return [fl.keep(fl.randn(shape)), fl.keep(fl.randint(0, classes, [n]))];
}

/** Linear layers of `sizes` with ReLU between them (none after the last). */
export function mlpModel(batchSize: number, sizes: readonly number[]): Model {
  const layers: fl.nn.Module[] = [];
  for (let i = 1; i < sizes.length; i++) {
    layers.push(new nn.Linear(sizes[i - 1]!, sizes[i]!));
    if (i + 1 < sizes.length) layers.push(new nn.ReLU());
  }
  const classes = sizes[sizes.length - 1]!;
  return trainer(
    new nn.Sequential(...layers),
    ...batch([batchSize, sizes[0]!], batchSize, classes),
  );
}

/** conv-relu-pool ×2 (3×3, padding 1), then dense-relu-dense, NCHW. */
export function cnnModel(s: Specs['cnnStep']): Model {
  const [c1, c2] = s.channels;
  const net = new nn.Sequential(
    new nn.Conv2d(1, c1, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(c1, c2, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(c2 * (s.size / 4) ** 2, s.hidden),
    new nn.ReLU(),
    new nn.Linear(s.hidden, 10),
  );
  return trainer(net, ...batch([s.batch, 1, s.size, s.size], s.batch, 10));
}

/** One-layer `nn.LSTM` over [seq, batch, input], a linear head on the last hidden state. */
class LstmClassifier extends nn.Module {
  lstm: fl.nn.LSTM;
  head: fl.nn.Linear;
  constructor(s: RecurrentSpec) {
    super();
    this.lstm = new nn.LSTM(s.input, s.hidden);
    this.head = new nn.Linear(s.hidden, s.classes);
  }
  forward(x: fl.Tensor): fl.Tensor {
    const [, [h]] = this.lstm.forward(x);
    return this.head.forward(h.index(0));
  }
}

/** The same with `nn.GRU`. */
class GruClassifier extends nn.Module {
  gru: fl.nn.GRU;
  head: fl.nn.Linear;
  constructor(s: RecurrentSpec) {
    super();
    this.gru = new nn.GRU(s.input, s.hidden);
    this.head = new nn.Linear(s.hidden, s.classes);
  }
  forward(x: fl.Tensor): fl.Tensor {
    const [, h] = this.gru.forward(x);
    return this.head.forward(h.index(0));
  }
}

export function recurrentModel(kind: 'lstm' | 'gru', s: RecurrentSpec): Model {
  const net = kind === 'lstm' ? new LstmClassifier(s) : new GruClassifier(s);
  return trainer(net, ...batch([s.seq, s.batch, s.input], s.batch, s.classes));
}
