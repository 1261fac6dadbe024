/**
 * The shared conformance suite (@flint/conformance) against the CPU backend. Known failures are
 * strict: when one starts passing, this run fails until its entry is removed.
 */
import { runConformance } from '@flint/conformance/vitest';
import { cpuBackend } from '../src/index.js';

runConformance({
  create: () => cpuBackend(),
  createSecond: () => cpuBackend({ name: 'cpu2' }),
  // the cross-backend cases (diff/oracle/…) against a second CPU instance: cpu is the oracle
  oracle: () => cpuBackend({ name: 'cpu-oracle' }),
  knownFailures: {},
});
