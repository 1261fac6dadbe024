/**
 * The layers fixture `op`s (scripts/fixtures/layers.py) — the mirror of
 * scripts/fixtures/torch_ops_layers.py; both read the same args object.
 */
import * as fl from '@flint/core';
import type { Args, Invoke } from './invoke.js';

const F = fl.nn.functional;
type Size = number | number[];
type Size2 = number | (number | null)[];

/** The args without the keys torch would read as None (absent from the fixture). */
function interpolateOptions(a: Args): fl.nn.F.InterpolateOptions {
  const keys = ['size', 'scaleFactor', 'mode', 'alignCorners', 'recomputeScaleFactor'];
  return Object.fromEntries(
    Object.entries(a).filter(([k, v]) => keys.includes(k) && v !== undefined),
  ) as fl.nn.F.InterpolateOptions;
}

export const LAYERS_INVOKE: Record<string, Invoke> = {
  interpolate: ([x], a) => F.interpolate(x!, interpolateOptions(a)),
  adaptiveAvgPool1d: ([x], a) => F.adaptiveAvgPool1d(x!, a.outputSize as Size),
  adaptiveMaxPool1d: ([x], a) => F.adaptiveMaxPool1d(x!, a.outputSize as Size),
  adaptiveMaxPool2d: ([x], a) => F.adaptiveMaxPool2d(x!, a.outputSize as Size2),
  instanceNorm: ([x, w, b], a) =>
    F.instanceNorm(x!, {
      weight: w ?? null,
      bias: b ?? null,
      ...(a.eps === undefined ? {} : { eps: a.eps as number }),
    }),
  rmsNorm: ([x, w], a) =>
    F.rmsNorm(x!, a.normalizedShape as number[], w ?? null, (a.eps as number | undefined) ?? null),
  dropout1d: ([x], a) => F.dropout1d(x!, a.p as number, a.training as boolean),
  dropout2d: ([x], a) => F.dropout2d(x!, a.p as number, a.training as boolean),
};
