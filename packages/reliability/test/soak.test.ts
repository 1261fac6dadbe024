/**
 * Soak: the guides' own loops (src/soak.ts), 10,000 steps each on every device, must keep
 * fl.memory() flat — the same live tensors and bytes at every sample — and end where they began.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import { nativeBackend } from '@flint/backend-native';
import { LOOPS, soak } from '../dist/src/soak.js';

const STEPS = 10_000;
const times: string[] = [];

describe.each(['cpu', 'native'] as const)('on %s', (device) => {
  it.each(Object.keys(LOOPS))(`%s: ${STEPS} steps, fl.memory() flat`, async (loop) => {
    const backend = device === 'native' ? nativeBackend() : cpuBackend();
    fl.use(backend as Parameters<typeof fl.use>[0]);
    try {
      const r = await soak(fl, loop, STEPS);
      times.push(`${device} | ${loop}: ${(r.ms / 1000).toFixed(1)} s`);
      const [first, ...rest] = r.samples.slice(1);
      expect(r.samples.length).toBe(11);
      for (const s of rest) expect({ ...s, step: 0 }).toEqual({ ...first!, step: 0 });
      expect({ ...r.after, step: 0 }).toEqual({ ...r.samples[0]!, step: 0 });
    } finally {
      fl.removeBackend(backend.name);
    }
  });
});

afterAll(() => console.log(`soak\n  ${times.join('\n  ')}`));
