// Builds the native addon with cmake-js (offline: N-API headers come from node-api-headers).
//   node scripts/build-addon.mjs            incremental Release build into build/Release
//   node scripts/build-addon.mjs --install  same, run by `pnpm install`: a failed build only warns,
//                                           so the workspace still installs; importing the package
//                                           then explains what is missing.
//   --asan                                  AddressSanitizer + UBSan build into build-asan/
//   --no-blas                               force the built-in GEMM (FLINT_BLAS=OFF) into build-noblas/
//   --cuda-emulate                          the 'cuda' device over the host emulator (kernels compiled
//                                           as C++, FLINT_CUDA_EMULATE) into build-cudaemu/, with the
//                                           flint_cuda_tests program; with --asan: build-cudaemu-asan/
//   --no-cuda                               skip nvcc even where it is found (FLINT_CUDA=OFF); the
//                                           --asan and --no-blas variants never build it (CPU tests)
//   --out DIR                               build directory (default build/; load another build
//                                           with FLINT_NATIVE_ADDON=DIR/Release/flint_native.node)
// FLINT_NATIVE_SKIP_BUILD=1 skips the build entirely.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const install = args.has('--install');
const asan = args.has('--asan');
const noBlas = args.has('--no-blas');
const cudaEmulate = args.has('--cuda-emulate');
// nvcc compiles only into the default build; the CPU test variants do not need the 'cuda' device.
const cuda = !args.has('--no-cuda') && !asan && !noBlas && !cudaEmulate;

function fail(msg) {
  if (install) {
    console.warn(
      `@flint/backend-native: ${msg}\n  The package installs anyway; nativeBackend() will report that the addon is missing.`,
    );
    process.exit(0);
  }
  console.error(`@flint/backend-native: ${msg}`);
  process.exit(1);
}

if (process.env.FLINT_NATIVE_SKIP_BUILD === '1') {
  console.log('@flint/backend-native: FLINT_NATIVE_SKIP_BUILD=1, not building the addon');
  process.exit(0);
}
for (const tool of ['cmake', 'g++']) {
  const r = spawnSync(tool, ['--version'], { stdio: 'ignore' });
  if (r.error || r.status !== 0)
    fail(
      `'${tool}' not found: install cmake, g++ and libopenblas-dev (scripts/bootstrap.sh does this as root)`,
    );
}

let cmakeJs;
try {
  cmakeJs = join(
    dirname(createRequire(import.meta.url).resolve('cmake-js/package.json')),
    'bin',
    'cmake-js',
  );
} catch {
  fail('cmake-js is not installed (run pnpm install)');
}

const argv = process.argv.slice(2);
const outAt = argv.indexOf('--out');
const out =
  outAt >= 0
    ? argv[outAt + 1]
    : cudaEmulate
      ? asan
        ? 'build-cudaemu-asan'
        : 'build-cudaemu'
      : asan
        ? 'build-asan'
        : noBlas
          ? 'build-noblas'
          : 'build';
const cmd = [
  cmakeJs,
  'compile',
  '--out',
  out,
  '--parallel',
  '2',
  `--CDFLINT_SANITIZE=${asan ? 'ON' : 'OFF'}`,
  `--CDFLINT_BLAS=${noBlas ? 'OFF' : 'ON'}`,
  `--CDFLINT_CUDA=${cuda ? 'ON' : 'OFF'}`,
  `--CDFLINT_CUDA_EMULATE=${cudaEmulate ? 'ON' : 'OFF'}`,
];
const r = spawnSync(process.execPath, cmd, { cwd: root, stdio: 'inherit' });
if (r.status !== 0)
  fail(`building the addon failed (exit ${r.status}); see the compiler output above`);
