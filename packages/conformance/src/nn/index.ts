/**
 * The nn layer: every nn layer, loss and optimizer against the PyTorch fixtures core's own tests
 * use (copied to fixtures/nn/), forward and gradients, in float64.
 */
import type { Case } from '../types.js';
import { functionalCases } from './functional.js';
import { layerCases } from './layers.js';
import { lossCases } from './losses.js';
import { optimCases } from './optim.js';
import { attentionCases, recurrentCases } from './recurrent.js';

export function nnCases(): Case[] {
  return [
    ...layerCases(),
    ...functionalCases(),
    ...recurrentCases(),
    ...attentionCases(),
    ...lossCases(),
    ...optimCases(),
  ];
}
