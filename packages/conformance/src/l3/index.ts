/**
 * L3: a backend's fused overrides against the composite decompositions they replace. Each
 * override kernel is called directly on KViews; the decomposition comes from core's `decomposed`
 * (the composite with overrides switched off), and sometimes a plain-JS reference. Under autograd
 * the public op must give the decomposition's gradient. Cases need their override by name, so a
 * backend without it skips them by capability.
 */
import type { Case } from '../types.js';
import { convCases } from './conv.js';
import { normCases } from './norm.js';
import { recurrentCases } from './recurrent.js';
import { softmaxCases } from './softmax.js';

export { l3OptimizerCases } from './optim.js';
export { softmaxRef } from './softmax.js';

export function l3Cases(): Case[] {
  return [...softmaxCases(), ...convCases(), ...normCases(), ...recurrentCases()];
}
