// Builds the addon without BLAS (FLINT_BLAS=OFF → build-noblas/, the built-in AVX2/FMA GEMM) and
// runs the whole conformance suite against that build, so the fallback a machine without
// libopenblas-dev gets is tested as thoroughly as the default build.
import { join } from 'node:path';
import { conformance, root, run } from './lib.mjs';

const tag = 'test:noblas';
run(tag, process.execPath, ['scripts/build-addon.mjs', '--no-blas']);
const env = { FLINT_NATIVE_ADDON: join(root, 'build-noblas/Release/flint_native.node') };
const check =
  "import('./dist/index.js').then((m) => { const g = m.nativeInfo().gemm; if (g !== 'builtin') { console.error('expected the built-in GEMM, got ' + g); process.exit(3); } })";
run(tag, process.execPath, ['-e', check], env);
conformance(tag, 'build-noblas', env);
console.log('test:noblas: the conformance suite passes with the built-in GEMM');
