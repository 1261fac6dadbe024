/**
 * Constructor signatures of the optimizers and learning-rate schedulers. The specs check kinds
 * and option names (a misspelt `lr`, a number where the options object belongs); the value
 * ranges (lr ≥ 0, betas in [0, 1)) stay with each optimizer's `validate`, which also checks the
 * groups a state dict loads.
 */
import { sig, type Sig } from '../args.js';
import {
  arrayOf,
  bool,
  func,
  int,
  intList,
  isPlainObject,
  named,
  number,
  oneOf,
  options,
  or,
  required,
  type Spec,
  tensor,
} from '../spec.js';

/** The scheduler bookkeeping keys a parameter group may carry (from a state dict). */
const schedulerKeys = {
  initialLr: number,
  maxLr: number,
  minLr: number,
  maxMomentum: number,
  baseMomentum: number,
};

const iterable: Spec = {
  kind: 'iterable',
  what: 'an iterable of Tensors',
  test: (v) =>
    typeof v === 'object' &&
    v !== null &&
    !isPlainObject(v) &&
    typeof (v as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function',
};

/** An optimizer's constructor: (params, options), params a list of tensors or of groups. */
function optimizer(name: string, fields: Record<string, Spec>, positional: readonly string[]): Sig {
  const group = options({ params: required(arrayOf(tensor)), ...fields, ...schedulerKeys });
  const params = named(
    or(arrayOf(tensor), arrayOf(group), iterable),
    'an array of Tensors (e.g. model.parameters()) or of parameter groups { params, …options }',
  );
  return sig(`optim.${name}`, { params, options: options(fields, { positional }) });
}

const betas = named(arrayOf(number), 'a pair of numbers [beta1, beta2]');
const adam = { lr: number, betas, eps: number, weightDecay: number, amsgrad: bool, maximize: bool };
const adamOrder = ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad'];

/** What a scheduler schedules: an optimizer (anything with parameter groups). */
export const schedulable: Spec = {
  kind: 'schedulable',
  what: 'an optimizer',
  test: (v) =>
    typeof v === 'object' &&
    v !== null &&
    Array.isArray((v as { paramGroups?: unknown }).paramGroups),
};
const perGroup = (s: Spec) => or(s, arrayOf(s));
const scheduler = (name: string, fields: Record<string, Spec>, positional: string[]): Sig =>
  sig(`optim.${name}`, { optimizer: schedulable, options: options(fields, { positional }) });
const lrScheduler: Spec = {
  kind: 'scheduler',
  what: 'a learning-rate scheduler',
  test: (v) =>
    typeof v === 'object' && v !== null && typeof (v as { step?: unknown }).step === 'function',
};
const schedulers = arrayOf(lrScheduler, 'an array of schedulers');

export const OPTIM = {
  SGD: optimizer(
    'SGD',
    {
      lr: number,
      momentum: number,
      dampening: number,
      weightDecay: number,
      nesterov: bool,
      maximize: bool,
    },
    ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov'],
  ),
  Adam: optimizer('Adam', adam, adamOrder),
  AdamW: optimizer('AdamW', adam, adamOrder),
  NAdam: optimizer(
    'NAdam',
    { lr: number, betas, eps: number, weightDecay: number, momentumDecay: number },
    ['lr', 'betas', 'eps', 'weightDecay', 'momentumDecay'],
  ),
  RAdam: optimizer('RAdam', { lr: number, betas, eps: number, weightDecay: number }, [
    'lr',
    'betas',
    'eps',
    'weightDecay',
  ]),
  RMSprop: optimizer(
    'RMSprop',
    {
      lr: number,
      alpha: number,
      eps: number,
      weightDecay: number,
      momentum: number,
      centered: bool,
      maximize: bool,
    },
    ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered'],
  ),
  Adagrad: optimizer(
    'Adagrad',
    {
      lr: number,
      lrDecay: number,
      weightDecay: number,
      initialAccumulatorValue: number,
      eps: number,
      maximize: bool,
    },
    ['lr', 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps'],
  ),
  LRScheduler: sig('optim.LRScheduler', { optimizer: schedulable }),
  StepLR: scheduler('StepLR', { stepSize: required(int), gamma: number }, ['stepSize', 'gamma']),
  MultiStepLR: scheduler('MultiStepLR', { milestones: required(intList), gamma: number }, [
    'milestones',
    'gamma',
  ]),
  ConstantLR: scheduler('ConstantLR', { factor: number, totalIters: int }, [
    'factor',
    'totalIters',
  ]),
  LinearLR: scheduler('LinearLR', { startFactor: number, endFactor: number, totalIters: int }, [
    'startFactor',
    'endFactor',
    'totalIters',
  ]),
  ExponentialLR: scheduler('ExponentialLR', { gamma: required(number) }, ['gamma']),
  CosineAnnealingLR: scheduler('CosineAnnealingLR', { tMax: required(number), etaMin: number }, [
    'tMax',
    'etaMin',
  ]),
  CosineAnnealingWarmRestarts: scheduler(
    'CosineAnnealingWarmRestarts',
    { t0: required(int), tMult: int, etaMin: number },
    ['t0', 'tMult', 'etaMin'],
  ),
  CyclicLR: scheduler(
    'CyclicLR',
    {
      baseLr: required(perGroup(number)),
      maxLr: required(perGroup(number)),
      stepSizeUp: number,
      stepSizeDown: number,
      mode: oneOf('triangular', 'triangular2', 'exp_range'),
      gamma: number,
      scaleFn: func,
      scaleMode: oneOf('cycle', 'iterations'),
      cycleMomentum: bool,
      baseMomentum: perGroup(number),
      maxMomentum: perGroup(number),
    },
    [
      'baseLr',
      'maxLr',
      'stepSizeUp',
      'stepSizeDown',
      'mode',
      'gamma',
      'scaleFn',
      'scaleMode',
      'cycleMomentum',
      'baseMomentum',
      'maxMomentum',
    ],
  ),
  LambdaLR: scheduler('LambdaLR', { lrLambda: required(perGroup(func)) }, ['lrLambda']),
  OneCycleLR: scheduler(
    'OneCycleLR',
    {
      maxLr: required(perGroup(number)),
      totalSteps: int,
      epochs: int,
      stepsPerEpoch: int,
      pctStart: number,
      annealStrategy: oneOf('cos', 'linear'),
      cycleMomentum: bool,
      baseMomentum: perGroup(number),
      maxMomentum: perGroup(number),
      divFactor: number,
      finalDivFactor: number,
      threePhase: bool,
    },
    [
      'maxLr',
      'totalSteps',
      'epochs',
      'stepsPerEpoch',
      'pctStart',
      'annealStrategy',
      'cycleMomentum',
      'baseMomentum',
      'maxMomentum',
      'divFactor',
      'finalDivFactor',
      'threePhase',
    ],
  ),
  ReduceLROnPlateau: scheduler(
    'ReduceLROnPlateau',
    {
      mode: oneOf('min', 'max'),
      factor: number,
      patience: int,
      threshold: number,
      thresholdMode: oneOf('rel', 'abs'),
      cooldown: int,
      minLr: perGroup(number),
      eps: number,
    },
    ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps'],
  ),
  ChainedScheduler: sig('optim.ChainedScheduler', { schedulers }),
  SequentialLR: scheduler(
    'SequentialLR',
    { schedulers: required(schedulers), milestones: required(intList) },
    ['schedulers', 'milestones'],
  ),
} satisfies Record<string, Sig>;
