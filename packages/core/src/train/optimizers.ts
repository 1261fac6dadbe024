/**
 * `compile({ optimizer: 'adam' })`: Keras's string names for the optimizers, each built over the
 * model's parameters with Keras's default learning rate. Every other hyperparameter keeps Flint's
 * (PyTorch's) default; pass an optimizer instance to choose them.
 */
import type { Tensor } from '../tensor.js';
import type { Optimizer } from '../optim/optimizer.js';
import { SGD } from '../optim/sgd.js';
import { Adam, AdamW } from '../optim/adam.js';
import { RMSprop } from '../optim/rmsprop.js';
import { Adagrad } from '../optim/adagrad.js';

/** The optimizer names `compile({ optimizer })` accepts, as Keras spells them. */
export type OptimizerName = 'sgd' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad';

/** Keras's defaults (`keras.optimizers.get`); tfjs agrees except for adagrad (0.01). */
const MAKERS: Record<OptimizerName, (params: Tensor[]) => Optimizer<object, object>> = {
  sgd: (p) => new SGD(p, { lr: 0.01 }),
  adam: (p) => new Adam(p, { lr: 1e-3 }),
  adamw: (p) => new AdamW(p, { lr: 1e-3 }),
  rmsprop: (p) => new RMSprop(p, { lr: 1e-3 }),
  adagrad: (p) => new Adagrad(p, { lr: 1e-3 }),
};

export const OPTIMIZER_NAMES = Object.keys(MAKERS) as OptimizerName[];

/** The optimizer `name` stands for, over `params`. */
export function optimizerByName(name: OptimizerName, params: Tensor[]): Optimizer<object, object> {
  return MAKERS[name](params);
}
