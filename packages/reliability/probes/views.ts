/**
 * View metadata from JavaScript: shapes, strides and offsets that do not fit their buffer, and
 * view ops called with values no view can have. Every one must be a typed error before any
 * kernel reads memory.
 */
import type { Probe } from '../src/probe.js';

export const probes: Probe[] = [
  {
    id: 'constructor/stride-overflows-int64',
    expect: { throws: 'ShapeError' },
    run: ({ fl }) => {
      const x = fl.tensor([1, 2, 3, 4]);
      new fl.Tensor(x.storage.retain(), [274178], [67280421310721], 0).neg();
    },
  },
];
