/**
 * Op semantics at the edges (issue 15, "wrong answers found by differential testing" and item 8):
 * each probe makes the call PyTorch 1.13 answered differently and asserts PyTorch's answer, or the
 * typed error where PyTorch raises. Values are checked exactly where they are exact (NaN, ±∞, 0,
 * shapes, dtypes) and to a few ulps elsewhere.
 */
import type { Probe } from '../src/probe.js';
import { gradients } from './math/grads.js';
import { reductions } from './math/reductions.js';
import { valuesAndShapes } from './math/values.js';

export const probes: Probe[] = [...gradients, ...valuesAndShapes, ...reductions];
