/**
 * Prints the soak figures of docs/guide/memory.md for one device:
 *   node dist/src/soak-cli.js <cpu|native> [steps]
 */
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import { nativeBackend } from '@flint/backend-native';
import { LOOPS, soak } from './soak.js';

const device = process.argv[2] ?? 'cpu';
const steps = Number(process.argv[3] ?? 10_000);
if (device === 'native') fl.use(nativeBackend());
else fl.use(cpuBackend());
for (const loop of Object.keys(LOOPS)) {
  const r = await soak(fl, loop, steps);
  const during = r.samples.slice(1);
  const [lo, hi] = [
    Math.min(...during.map((s) => s.tensors)),
    Math.max(...during.map((s) => s.tensors)),
  ];
  const bytes = [...new Set(during.map((s) => s.bytes))].join('/');
  console.log(
    `${device} | ${loop} | ${steps} steps | live tensors ${r.samples[0]!.tensors} → ${lo}..${hi} → ${r.after.tensors} | bytes during ${bytes} | ${(r.ms / 1000).toFixed(1)} s`,
  );
}
