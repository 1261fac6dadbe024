/**
 * The shared conformance suite (@flint/conformance) against the CPU backend. Known failures are
 * strict: when one starts passing, this run fails until its entry is removed.
 */
import { runConformance } from '@flint/conformance/vitest';
import { cpuBackend } from '../src/index.js';

runConformance({
  create: () => cpuBackend(),
  createSecond: () => cpuBackend({ name: 'cpu2' }),
  knownFailures: {},
});
