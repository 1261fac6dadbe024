/**
 * The conformance suite's asynchronous path: the CPU backend presented as a device without
 * synchronous read-back (as WebGPU is), so every case reads through `await` and the synchronous
 * reads are typed errors. The oracle stays synchronous (the program generator reads it).
 *
 * Known failures: cases where core itself would read a tensor synchronously inside an op, written
 * with their reasons by `node scripts/async-known-failures.mjs`; strict. There are none: core
 * defers its value checks on such a device (ops/checks.ts) and keeps the rest on the device, so
 * the list is empty and must stay so — a case that fails here is a regression to fix in core.
 */
import { readFileSync } from 'node:fs';
import { withoutSyncRead } from '@flint/conformance';
import { runConformance } from '@flint/conformance/vitest';
import { cpuBackend } from '../src/index.js';

const known = JSON.parse(
  readFileSync(new URL('./conformance.async.known.json', import.meta.url), 'utf8'),
) as Record<string, string>;

runConformance({
  name: 'cpu-async',
  create: () => withoutSyncRead(cpuBackend({ name: 'cpu-async' })),
  createSecond: () => withoutSyncRead(cpuBackend({ name: 'cpu-async2' })),
  oracle: () => cpuBackend({ name: 'cpu-oracle' }),
  reportDir: false,
  knownFailures: known,
});
