/**
 * The functions of `optim` as exported, guarded: gradient clipping (also in `nn.utils`) and the
 * single-parameter update functions that the optimizers (and a backend's fused kernels) share.
 */
import { adagradUpdate as adagradImpl } from '../../optim/adagrad.js';
import { adamUpdate as adamImpl } from '../../optim/adam.js';
import { rmspropUpdate as rmspropImpl } from '../../optim/rmsprop.js';
import { sgdUpdate as sgdImpl } from '../../optim/sgd.js';
import { guard, sig } from '../args.js';
import { object, tensor } from '../spec.js';
import { clipFunctions } from './nn.js';

const clip = clipFunctions('optim');
export const clipGradNorm_ = clip.clipGradNorm_;
export const clipGradValue_ = clip.clipGradValue_;

const update = { param: tensor, grad: tensor, state: object, group: object };
export const sgdUpdate = guard(sig('optim.sgdUpdate', update), sgdImpl);
export const adamUpdate = guard(sig('optim.adamUpdate', update), adamImpl);
export const rmspropUpdate = guard(sig('optim.rmspropUpdate', update), rmspropImpl);
export const adagradUpdate = guard(sig('optim.adagradUpdate', update), adagradImpl);
