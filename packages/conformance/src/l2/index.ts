/** L2: gradients vs PyTorch, vs finite differences, second order, and the autograd API. */
import type { Case } from '../types.js';
import { autogradApiCases } from './api.js';
import { customGradCases } from './custom.js';
import { gradCases } from './grad.js';
import { inplaceGradCases } from './inplace.js';
import { secondOrderCases } from './second.js';

export function l2Cases(): Case[] {
  return [
    ...gradCases(),
    ...secondOrderCases(),
    ...autogradApiCases(),
    ...inplaceGradCases(),
    ...customGradCases(),
  ];
}
