/**
 * The nn layer: every nn layer, loss and optimizer against the PyTorch fixtures core's own tests
 * use (copied to fixtures/nn/), forward and gradients, in float64 — or, on a backend without
 * float64 (gpujs), in float32 with the fixtures cast and the backend's float32 tolerance.
 */
import type { Case } from '../types.js';
import { useNnFloat } from './common.js';
import { functionalCases } from './functional.js';
import { layerCases } from './layers.js';
import { lossCases } from './losses.js';
import { optimCases } from './optim.js';
import { attentionCases, recurrentCases } from './recurrent.js';
import { transformerCases } from './transformer.js';

export function nnCases(): Case[] {
  const cases = [
    ...layerCases(),
    ...functionalCases(),
    ...recurrentCases(),
    ...attentionCases(),
    ...transformerCases(),
    ...lossCases(),
    ...optimCases(),
  ];
  // every case first picks the float dtype it runs in from the backend's caps
  return cases.map((c) => ({ ...c, run: (ctx) => (useNnFloat(ctx), c.run(ctx)) }));
}
