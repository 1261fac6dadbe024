// Builds the addon with AddressSanitizer + UBSan (build-asan/) and runs, against that build:
// the whole conformance suite as a plain node program, the binding's fuzz tests, the fuzz target
// for the metadata path (hostile view metadata; detached, resized and shared scratch buffers)
// and the worker-thread tests (several environments at once, workers terminated mid-op).
// Node itself is not instrumented, so the sanitizer runtimes are preloaded; leak detection is
// off because Node does not free everything at exit (leaks of our buffers are caught by the
// suite's per-case stats() checks instead). Any ASan/UBSan report aborts with a non-zero exit.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { conformance, root, run } from './lib.mjs';

const tag = 'test:asan';
run(tag, process.execPath, ['scripts/build-addon.mjs', '--asan']);
run(tag, 'npx', ['tsc', '-b']);

const lib = (name) =>
  execFileSync('g++', [`-print-file-name=${name}`], { encoding: 'utf8' }).trim();
const env = {
  LD_PRELOAD: [lib('libasan.so'), lib('libubsan.so')].join(' '),
  ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=1:halt_on_error=1',
  UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1',
  FLINT_NATIVE_ADDON: join(root, 'build-asan/Release/flint_native.node'),
};
// Proves the sanitizer build is the one loaded (info().sanitized comes from __SANITIZE_ADDRESS__).
const check =
  "import('./dist/index.js').then((m) => { if (!m.nativeInfo().sanitized) process.exit(3); })";
run(tag, process.execPath, ['-e', check], env);
conformance(tag, 'build-asan', env);
run(
  tag,
  process.execPath,
  [
    join(root, 'node_modules/vitest/vitest.mjs'),
    'run',
    'test/binding.test.ts',
    'test/metadata.test.ts',
    'test/workers.test.ts',
  ],
  env,
);
console.log(
  'test:asan: conformance, binding and metadata fuzz, and worker threads ran clean under ASan + UBSan',
);
