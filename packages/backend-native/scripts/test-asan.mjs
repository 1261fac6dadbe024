// Builds the addon with AddressSanitizer + UBSan (build-asan/) and runs, against that build:
// the whole conformance suite as a plain node program, and the binding's fuzz tests.
// Node itself is not instrumented, so the sanitizer runtimes are preloaded; leak detection is
// off because Node does not free everything at exit (leaks of our buffers are caught by the
// suite's per-case stats() checks instead). Any ASan/UBSan report aborts with a non-zero exit.
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args, env = {}) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) {
    console.error(`test:asan: ${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
};

run(process.execPath, ['scripts/build-addon.mjs', '--asan']);
run('npx', ['tsc', '-b']);

const lib = (name) =>
  execFileSync('g++', [`-print-file-name=${name}`], { encoding: 'utf8' }).trim();
const env = {
  LD_PRELOAD: [lib('libasan.so'), lib('libubsan.so')].join(' '),
  ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=1:halt_on_error=1',
  UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1',
  FLINT_NATIVE_ADDON: join(root, 'build-asan/Release/flint_native.node'),
};
const cli = fileURLToPath(import.meta.resolve('@flint/conformance/package.json')).replace(
  /package\.json$/,
  'dist/harness/cli.js',
);
// Proves the sanitizer build is the one loaded (info().sanitized comes from __SANITIZE_ADDRESS__).
run(
  process.execPath,
  [
    '-e',
    "import('./dist/index.js').then((m) => { if (!m.nativeInfo().sanitized) process.exit(3); })",
  ],
  env,
);
run(
  process.execPath,
  [
    cli,
    'dist/index.js',
    '--factory',
    'nativeBackend',
    '--second',
    'native2',
    '--report-dir',
    'build-asan',
  ],
  env,
);
run(
  process.execPath,
  [join(root, 'node_modules/vitest/vitest.mjs'), 'run', 'test/binding.test.ts'],
  env,
);
console.log('test:asan: conformance and binding fuzz ran clean under ASan + UBSan');
