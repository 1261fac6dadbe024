// Builds the addon without BLAS (FLINT_BLAS=OFF → build-noblas/, the built-in AVX2/FMA GEMM) and
// runs the whole conformance suite against that build, so the fallback a machine without
// libopenblas-dev gets is tested as thoroughly as the default build.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args, env = {}) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) {
    console.error(`test:noblas: ${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
};

run(process.execPath, ['scripts/build-addon.mjs', '--no-blas']);
const env = { FLINT_NATIVE_ADDON: join(root, 'build-noblas/Release/flint_native.node') };
run(
  process.execPath,
  [
    '-e',
    "import('./dist/index.js').then((m) => { const g = m.nativeInfo().gemm; if (g !== 'builtin') { console.error('expected the built-in GEMM, got ' + g); process.exit(3); } })",
  ],
  env,
);
const cli = fileURLToPath(import.meta.resolve('@flint/conformance/package.json')).replace(
  /package\.json$/,
  'dist/harness/cli.js',
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
    'build-noblas',
  ],
  env,
);
console.log('test:noblas: the conformance suite passes with the built-in GEMM');
