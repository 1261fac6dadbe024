import type { SgdStepParams, TypedArray } from '@flint/core/backend';
import { describe, expect, it } from 'vitest';
import type { CpuOverrides } from './overrides.js';
import { contiguousView, expectClose, freshCpu, read } from '../helpers.test.util.js';

const cpu = freshCpu();
const ov = cpu.overrides as CpuOverrides;

describe('sgdStep', () => {
  const base: SgdStepParams = {
    lr: 0.1,
    momentum: 0.9,
    dampening: 0.25,
    weightDecay: 0.01,
    nesterov: false,
    maximize: false,
    firstStep: true,
  };

  it('follows torch.optim.SGD per element, first and later steps, Nesterov and maximize', () => {
    const p = [1, -2, 0.5];
    const g = [0.3, 0.1, -0.4];
    const buf = [0.2, -0.1, 0.05];
    for (const o of [
      base,
      { ...base, firstStep: false },
      { ...base, firstStep: false, nesterov: true, dampening: 0 },
      { ...base, momentum: 0, firstStep: false, maximize: true },
    ]) {
      const views = [p, g, buf].map((d) => contiguousView(cpu, 'float64', [3], d));
      const bv = o.firstStep || o.momentum === 0 ? null : views[2]!;
      const [np, nb] = ov.sgdStep(views[0]!, views[1]!, bv, o) as [TypedArray, TypedArray | null];
      const d = g.map((v, i) => (o.maximize ? -v : v) + o.weightDecay * p[i]!);
      const b = d.map((v, i) => (o.firstStep ? v : o.momentum * buf[i]! + (1 - o.dampening) * v));
      const step = o.momentum === 0 ? d : o.nesterov ? d.map((v, i) => v + o.momentum * b[i]!) : b;
      expectClose(
        read(cpu, np, 'float64', 3),
        p.map((v, i) => v - o.lr * step[i]!),
        1e-15,
        1e-15,
        'p',
      );
      if (o.momentum === 0) expect(nb).toBeNull();
      else expectClose(read(cpu, nb!, 'float64', 3), b, 1e-15, 1e-15, 'buf');
      if (o.firstStep) continue;
      // In place: the same values, written into p and buf, nothing returned.
      expect(ov.sgdStep(views[0]!, views[1]!, bv, { ...o, inPlace: true })).toBeUndefined();
      expectClose(Array.from(views[0]!.buf), Array.from(np), 0, 0, 'p in place');
      if (bv) expectClose(Array.from(bv.buf), Array.from(nb!), 0, 0, 'buf in place');
    }
  });
});
