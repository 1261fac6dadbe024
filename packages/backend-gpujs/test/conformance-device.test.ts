/**
 * The shared conformance suite with host execution off (`hostThreshold: 0`): every float32/bool
 * primitive of every case on the device kernels, as before small tensors ran on the host. The
 * default configuration (conformance.test.ts) runs most of the suite's small cases on the host,
 * so without this file the device kernels would go untested in Node. `sharedKernelMax: 0` gives
 * every element-wise op its own kernel, the path outputs above 64K elements take; the shared
 * kernel (family.ts) is tested by the browser runs (browser.test.ts), which keep the default. Writes no report: the
 * support matrix comes from the default configuration's.
 */
import { cpuBackend } from '@flint/backend-cpu';
import { runConformance } from '@flint/conformance/vitest';
import { gpujsBackend } from '../src/index.js';

runConformance({
  name: 'gpujs-device',
  create: () => gpujsBackend({ hostThreshold: 0, sharedKernelMax: 0 }),
  createSecond: () => gpujsBackend({ name: 'gpujs2', hostThreshold: 0, sharedKernelMax: 0 }),
  oracle: () => cpuBackend({ name: 'cpu-oracle' }),
  reportDir: false,
  knownFailures: {
    // see conformance.test.ts
    'nn/loss/binaryCrossEntropy/saturated-*':
      'float32 rounding of inputs within 1e-3 of 1 (1/(1−x) is ill-conditioned); passes in float64',
  },
});
