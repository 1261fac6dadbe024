/**
 * The shared conformance suite (@flint/conformance) against the native backend: the same case
 * list as the CPU backend, skipping only by declared capability. Known failures are strict.
 */
import { runConformance } from '@flint/conformance/vitest';
import { cpuBackend } from '@flint/backend-cpu';
import { nativeBackend } from '../src/index.js';

const dev = process.env.FLINT_NATIVE_INCOMPLETE === '1';

runConformance({
  create: () => nativeBackend({ allowIncomplete: dev }),
  createSecond: () => nativeBackend({ name: 'native2', allowIncomplete: dev }),
  // the cross-backend cases (diff/oracle/…): random programs must match the CPU backend's answers
  oracle: () => cpuBackend(),
  knownFailures: {},
});
