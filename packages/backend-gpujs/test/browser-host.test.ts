/**
 * The conformance suite in headless Chromium with the default `hostThreshold`: small tensors run
 * on the host (dispatch.ts), large ones on the device, and the results meet between them
 * through lazy uploads — the configuration users get. browser.test.ts runs the same suites with
 * `hostThreshold: 0` to test every device kernel; this file tests the split. WebGL2 runs the
 * whole suite, WebGPU the same fixed sample as browser.test.ts (its async read path included).
 *
 * Known failures (strict) are in browser-webgl2-host.known.json and browser-webgpu-host.known.json:
 * the device's failures on cases too large for the host. Regenerate them as browser.test.ts
 * says, adding `--host` (`node scripts/webgpu-known-failures.mjs --mode webgl2 --host`, and
 * `--host` alone for WebGPU).
 * FLINT_SKIP_BROWSER_TESTS=1 skips this file.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { allCases } from '@flint/conformance';
import { runInBrowser } from '@flint/conformance/browser-driver';
import { describe, expect, it } from 'vitest';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const knownList = (f: string) =>
  JSON.parse(readFileSync(here(f), 'utf8')) as Record<string, string>;

/** browser.test.ts's WebGPU sample: every family but the corpus, and a fixed slice of it. */
function webgpuSample(): string[] {
  const families = new Set(allCases().map((c) => `${c.id.split('/')[0]!}/`));
  families.delete('diff/');
  return [...families, 'diff/oracle/', 'diff/42'];
}

const common = {
  module: here('../src/index.ts'),
  factory: 'gpujsBackend',
  second: 'gpujs2',
  oracle: here('../../backend-cpu/src/index.ts'),
  oracleFactory: 'cpuBackend',
  oracleName: 'cpu-oracle',
};

describe.skipIf(process.env.FLINT_SKIP_BROWSER_TESTS === '1')(
  'conformance in Chromium, small tensors on the host',
  () => {
    it('WebGL2: the whole suite', { timeout: 600_000 }, async () => {
      const s = await runInBrowser({
        ...common,
        args: { mode: 'webgl2' },
        knownFailures: knownList('./browser-webgl2-host.known.json'),
        reportDir: here('../reports/chromium-webgl2-host'),
      });
      console.log(`${s.userAgent}: bundle ${s.ms.bundle} ms, run ${s.ms.run} ms\n${s.text}`);
      expect(s.pageErrors).toEqual([]);
      expect(s.results.map((r) => r.id)).toEqual(allCases().map((c) => c.id));
      expect(s.failed, s.text).toBe(0);
    });

    it('WebGPU: the fixed sample, reads awaited', { timeout: 600_000 }, async () => {
      const filter = webgpuSample();
      const s = await runInBrowser({
        ...common,
        filter,
        args: { mode: 'webgpu' },
        webgpu: true,
        knownFailures: knownList('./browser-webgpu-host.known.json'),
        reportDir: here('../reports/chromium-webgpu-host'),
      });
      console.log(`${s.userAgent}: bundle ${s.ms.bundle} ms, run ${s.ms.run} ms\n${s.text}`);
      expect(s.pageErrors).toEqual([]);
      const ids = allCases().map((c) => c.id);
      expect(s.results.map((r) => r.id)).toEqual(
        ids.filter((id) => filter.some((p) => id.startsWith(p))),
      );
      expect(s.failed, s.text).toBe(0);
    });
  },
);
