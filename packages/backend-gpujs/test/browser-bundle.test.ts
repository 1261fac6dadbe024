/**
 * The package's entry must bundle for a browser with a bundler's default settings: no Node
 * built-in reachable (gpu.js's `browser` field swaps in dist/gpu-browser.js, which has none of
 * its Node-only pieces — headless-gl, the Dawn webgpu addon, worker_threads).
 */
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { expect, test } from 'vitest';

const NODE = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

test('the browser bundle has no Node built-ins and uses gpu.js’s browser build', async () => {
  const r = await build({
    entryPoints: [fileURLToPath(new URL('../src/index.ts', import.meta.url))],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(r.metafile.inputs);
  const imports = Object.values(r.metafile.inputs).flatMap((i) => i.imports.map((x) => x.path));
  expect(imports.filter((p) => NODE.has(p))).toEqual([]);
  expect(inputs.some((p) => p.endsWith('gpu.js/dist/gpu-browser.js'))).toBe(true);
  expect(inputs.some((p) => /gpu\.js\/src\//.test(p))).toBe(false);
});
