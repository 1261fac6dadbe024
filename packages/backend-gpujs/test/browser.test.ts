/**
 * The whole conformance suite in headless Chromium on WebGL2 (SwiftShader), gpu.js's main browser
 * mode, and on WebGPU (SwiftShader adapter, `--enable-unsafe-webgpu`): this package and core
 * bundled for the browser, the fixtures fetched from http://127.0.0.1, the CPU backend as the
 * oracle. Same case list as in Node. WebGPU declares `caps.syncRead: false`, so the suite takes
 * its asynchronous path there (every read awaited).
 *
 * Known failures (strict) are in browser-webgl2.known.json and browser-webgpu.known.json, each
 * with its reason, written (never by hand) from this package, core/conformance/cpu built, by
 *   node scripts/webgpu-known-failures.mjs --mode webgl2   # and without --mode for WebGPU
 * which tells the reasons apart (core reading a tensor synchronously on WebGPU, float32
 * ill-conditioning, shader rounding in gradient chains) and refuses to list any other failure.
 * Subnormal cases are skipped by capability (caps.flushesSubnormals), not listed. The whole
 * WebGPU suite takes about 4 minutes here (2 cores), more than `pnpm test` should add, so it
 * runs a fixed sample there (the known lists cover the whole suite): every layer
 * and family of the suite (every primitive's l0 cases, ops, api, errors, grad, l3, l4, nn, optim,
 * props, the oracle programs) except the 5,300-program PyTorch corpus, of which it runs the
 * `diff/42…` slice (111 programs). FLINT_WEBGPU_FULL=1 runs the whole suite on WebGPU.
 * Needs Debian's chromium (scripts/bootstrap.sh installs it as root); FLINT_SKIP_BROWSER_TESTS=1
 * skips this file.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { allCases } from '@flint/conformance';
import { runInBrowser } from '@flint/conformance/browser-driver';
import { describe, expect, it } from 'vitest';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const knownList = (f: string) =>
  JSON.parse(readFileSync(here(f), 'utf8')) as Record<string, string>;
const known = knownList('./browser-webgl2.known.json');

/** The WebGPU sample: every top-level family but the corpus, plus a fixed slice of the corpus. */
function webgpuSample(): string[] | undefined {
  if (process.env.FLINT_WEBGPU_FULL === '1') return undefined;
  const families = new Set(allCases().map((c) => `${c.id.split('/')[0]!}/`));
  families.delete('diff/');
  return [...families, 'diff/oracle/', 'diff/42'];
}
const startsWithAny = (id: string, prefixes: string[] | undefined) =>
  !prefixes || prefixes.some((p) => id.startsWith(p));

describe.skipIf(process.env.FLINT_SKIP_BROWSER_TESTS === '1')('conformance in Chromium', () => {
  it('WebGL2: the whole suite', { timeout: 600_000 }, async () => {
    const s = await runInBrowser({
      module: here('../src/index.ts'),
      factory: 'gpujsBackend',
      // the device kernels, as the known list records them (host execution of small tensors is
      // covered in Node by conformance.test.ts and in Chromium by browser-host.test.ts)
      args: { mode: 'webgl2', hostThreshold: 0 },
      second: 'gpujs2',
      oracle: here('../../backend-cpu/src/index.ts'),
      oracleFactory: 'cpuBackend',
      oracleName: 'cpu-oracle',
      knownFailures: known,
      reportDir: here('../reports/chromium-webgl2'),
    });
    console.log(`${s.userAgent}: bundle ${s.ms.bundle} ms, run ${s.ms.run} ms\n${s.text}`);
    expect(s.pageErrors).toEqual([]);
    expect(s.results.map((r) => r.id)).toEqual(allCases().map((c) => c.id));
    expect(s.failed, s.text).toBe(0);
  });

  it(
    'WebGPU: the suite (a fixed sample unless FLINT_WEBGPU_FULL=1), reads awaited',
    { timeout: 900_000 },
    async () => {
      const filter = webgpuSample();
      const s = await runInBrowser({
        filter,
        module: here('../src/index.ts'),
        factory: 'gpujsBackend',
        args: { mode: 'webgpu', hostThreshold: 0 },
        webgpu: true,
        second: 'gpujs2',
        oracle: here('../../backend-cpu/src/index.ts'),
        oracleFactory: 'cpuBackend',
        oracleName: 'cpu-oracle',
        knownFailures: knownList('./browser-webgpu.known.json'),
        reportDir: here('../reports/chromium-webgpu'),
      });
      console.log(`${s.userAgent}: bundle ${s.ms.bundle} ms, run ${s.ms.run} ms\n${s.text}`);
      expect(s.pageErrors).toEqual([]);
      const ids = allCases().map((c) => c.id);
      expect(s.results.map((r) => r.id)).toEqual(ids.filter((id) => startsWithAny(id, filter)));
      expect(s.failed, s.text).toBe(0);
    },
  );
});
