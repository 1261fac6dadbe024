/**
 * Signatures of the Keras-style training API: `fl.Model` (and `nn.Sequential`'s copies of its
 * methods) and the callbacks. `model.fit(x, y, { epochs: 2.5 })` or `compile({ metrics: ['f1'] })`
 * fail here, before any training starts.
 */
import { methods, sig, type Sig } from '../args.js';
import { Module } from '../../nn/module.js';
import { Optimizer } from '../../optim/optimizer.js';
import {
  arrayOf,
  bool,
  func,
  instanceOf,
  isTensorValue,
  named,
  nonNegInt,
  number,
  object,
  oneOf,
  optional,
  options,
  or,
  posInt,
  probability,
  required,
  type Spec,
  string,
  tensor,
  shape,
  dtype,
} from '../spec.js';

const module = instanceOf(() => Module, 'a Module');
/** Batches: any iterable of [input, target] (a DataLoader, an array of pairs). */
const batches: Spec = {
  kind: 'iterable',
  what: 'an iterable of [input, target] batches (e.g. a DataLoader)',
  test: (v) =>
    typeof v === 'object' &&
    v !== null &&
    !isTensorValue(v) &&
    typeof (v as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function',
};
/** Keras's string names (train/optimizers.ts). */
const optimizerName = oneOf('sgd', 'adam', 'adamw', 'rmsprop', 'adagrad');
/** A file path: a string or a file: URL. */
const modelPath = named(
  or(
    string,
    instanceOf(() => URL, 'a URL'),
  ),
  'a file path (a string or a file: URL)',
);
const lossName = oneOf('crossEntropy', 'nll', 'mse', 'l1', 'bce', 'bceWithLogits');
const callback = named(object, 'a callback object (e.g. new fl.EarlyStopping())');
const mode = oneOf('min', 'max', 'auto');

export const compileOptions = required(
  options({
    optimizer: required(
      named(
        or(
          instanceOf(() => Optimizer, 'an optimizer'),
          func,
          optimizerName,
        ),
        `an optimizer, a function from parameters to one, or ${optimizerName.what}`,
      ),
    ),
    loss: required(
      named(or(lossName, func, module), `${lossName.what}, a loss function or a loss Module`),
    ),
    metrics: arrayOf(named(or(oneOf('accuracy'), func), "'accuracy' or a metric function")),
  }),
);
export const fitOptions = options({
  epochs: nonNegInt,
  batchSize: posInt,
  shuffle: bool,
  seed: nonNegInt,
  validationSplit: probability,
  validationData: or(arrayOf(tensor, 'a pair [input, target] of Tensors'), batches),
  callbacks: arrayOf(callback, 'an array of callbacks'),
  verbose: oneOf(0, 1, 'auto'),
});
const batchOptions = options({ batchSize: posInt });

/** fit(x, y, options) for tensors; fit(batches, options) for an iterable of batches. */
const fitForms = (args: ArrayLike<unknown>): string | undefined => {
  if (isTensorValue(args[0]) && !isTensorValue(args[1]))
    return 'y (the targets) must be a Tensor when x is a Tensor: fit(x, y, options)';
  if (!isTensorValue(args[0]) && isTensorValue(args[1]))
    return 'fit(batches, options) takes the targets inside the batches, not as a second Tensor';
  if (!isTensorValue(args[0]) && args[2] !== undefined)
    return 'fit(batches, options) takes two arguments; the options go second';
  return undefined;
};

/** The Model methods; nn.Sequential has the same ones under its own name. */
export function modelMethods(className: string) {
  return methods(
    className,
    {
      compile: { options: compileOptions },
      fit: {
        x: or(tensor, batches),
        y: or(optional(tensor), fitOptions),
        options: fitOptions,
      },
      evaluate: {
        x: or(tensor, batches),
        y: optional(tensor),
        options: batchOptions,
      },
      predict: { x: tensor, options: batchOptions },
      summary: {
        options: options({
          inputShape: shape,
          dtype,
          printFn: named(func, 'a function taking one line of text'),
        }),
      },
      save: { path: modelPath },
      dispose: {},
    },
    { fit: { refine: fitForms, async: true }, save: { async: true } },
  );
}

/** `fl.Model.load(path)`. */
export const MODEL_STATICS = methods(
  'Model',
  { load: { path: modelPath } },
  { load: { async: true } },
);

export const TRAIN = {
  Model: sig('Model', { module }),
  EarlyStopping: sig('EarlyStopping', {
    options: options({
      monitor: string,
      patience: nonNegInt,
      minDelta: number,
      mode,
      restoreBestWeights: bool,
    }),
  }),
  ModelCheckpoint: sig('ModelCheckpoint', {
    options: options(
      { path: required(string), monitor: string, saveBestOnly: bool, mode },
      { positional: ['path'] },
    ),
  }),
} satisfies Record<string, Sig>;
