/**
 * The 784-128-64-10 ReLU network of the MLP example, in both styles. Kept apart from mlp.ts (which
 * reads files and parses a command line) so the browser demo (web/trainer) trains the same model
 * without pulling in Node built-ins.
 */
import * as fl from '@flint/core';

const { nn } = fl;

/** PyTorch style: layers are fields (state-dict keys fc1.weight, fc1.bias, …), forward is code. */
export class MLP extends nn.Module {
  fc1 = new nn.Linear(784, 128);
  fc2 = new nn.Linear(128, 64);
  fc3 = new nn.Linear(64, 10);

  forward(x: fl.Tensor): fl.Tensor {
    const h = x.flatten(1); // [N, 1, 28, 28] → [N, 784]
    return this.fc3.forward(this.fc2.forward(this.fc1.forward(h).relu()).relu());
  }
}

/** Keras style: the same network as a Sequential (state-dict keys 1.weight, 3.weight, 5.weight). */
export function mlpSequential(): fl.nn.Sequential {
  return new nn.Sequential(
    new nn.Flatten(),
    new nn.Linear(784, 128),
    new nn.ReLU(),
    new nn.Linear(128, 64),
    new nn.ReLU(),
    new nn.Linear(64, 10),
  );
}
