// The 'cuda' device without a GPU: builds the emulation build (build-cudaemu/: the CUDA kernels
// compiled as C++ over the host emulator of native/cuda/emu), then runs against it
//   1. flint_cuda_tests: the emulator's execution model and the caching allocator (C++);
//   2. test/cuda.emu.test.ts: the binding and the JS device (contexts, copies, async reads,
//      out-of-memory, dispatch);
//   3. the whole conformance suite on cudaBackend({ emulate: true }), as a plain node program.
// What emulation cannot show (real-thread races, the memory model, cuBLAS, speed) is left to
// `test:cuda` on a GPU machine (scripts/test-cuda.mjs).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { conformanceCli, root, run } from './lib.mjs';

const tag = 'test:cudaemu';
const t0 = Date.now();
run(tag, process.execPath, ['scripts/build-addon.mjs', '--cuda-emulate']);
run(tag, 'npx', ['tsc', '-b']);
const build = join(root, 'build-cudaemu');
const tests = ['Release/flint_cuda_tests', 'flint_cuda_tests']
  .map((p) => join(build, p))
  .find((p) => existsSync(p));
if (!tests) {
  console.error(`${tag}: ${build}/…/flint_cuda_tests was not built`);
  process.exit(1);
}
run(tag, tests, []);
const env = {
  FLINT_NATIVE_ADDON: join(build, 'Release/flint_native.node'),
  FLINT_CUDA_SUITE_EMULATE: '1',
};
run(
  tag,
  process.execPath,
  [join(root, 'node_modules/vitest/vitest.mjs'), 'run', 'test/cuda.emu.test.ts'],
  env,
);
const t1 = Date.now();
conformanceCli(tag, ['scripts/cuda-suite.mjs', '--report-dir', 'build-cudaemu'], env);
console.log(
  `${tag}: emulator, allocator, binding and conformance passed ` +
    `(build + unit tests ${((t1 - t0) / 1000).toFixed(0)} s, conformance ${((Date.now() - t1) / 1000).toFixed(0)} s)`,
);
