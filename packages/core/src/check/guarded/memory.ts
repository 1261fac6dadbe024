/** `fl.dispose`, as exported: guarded by its signature. */
import { dispose as disposeImpl } from '../../memory/dispose.js';
import { Module } from '../../nn/module.js';
import { Optimizer } from '../../optim/optimizer.js';
import { Model } from '../../train/model.js';
import { guard, sig } from '../args.js';
import { any, arrayOf, instanceOf, named, or, recordOf, tensor } from '../spec.js';

/** What fl.dispose frees; values inside arrays and objects that are not tensors are skipped. */
const container = named(
  or(
    tensor,
    instanceOf(() => Module, 'a Module'),
    instanceOf(() => Model, 'a Model'),
    instanceOf(() => Optimizer, 'an optimizer'),
    arrayOf(any, 'an array'),
    recordOf(any, 'a plain object'),
  ),
  'a Tensor, a Module, a Model, an optimizer, or an array or plain object of them',
);

export const dispose = guard(sig('fl.dispose', { x: container }), disposeImpl);
