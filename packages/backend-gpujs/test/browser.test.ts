/**
 * The whole conformance suite in headless Chromium on WebGL2 (SwiftShader), gpu.js's main browser
 * mode: this package and core bundled for the browser, the fixtures fetched from
 * http://127.0.0.1, the CPU backend as the oracle. Same case list as in Node.
 *
 * Known failures (strict) are in browser-webgl2.known.json, each with the failure's first line.
 * After a fix, regenerate the list (in this folder's package, core/conformance/cpu built):
 *   node ../conformance/dist/browser/cli.js ./src/index.ts --factory gpujsBackend \
 *     --args '{"mode":"webgl2"}' --second gpujs2 --oracle ../backend-cpu/src/index.ts \
 *     --oracle-factory cpuBackend --oracle-name cpu-oracle --write-known test/browser-webgl2.known.json \
 *     --known-reason 'WebGL2 in headless Chromium (SwiftShader), follow-up: gpujs backend in browsers (issue 9): '
 * Needs Debian's chromium (scripts/bootstrap.sh installs it as root); FLINT_SKIP_BROWSER_TESTS=1
 * skips this file.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { allCases } from '@flint/conformance';
import { runInBrowser } from '@flint/conformance/browser-driver';
import { describe, expect, it } from 'vitest';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const known = JSON.parse(readFileSync(here('./browser-webgl2.known.json'), 'utf8')) as Record<
  string,
  string
>;

describe.skipIf(process.env.FLINT_SKIP_BROWSER_TESTS === '1')('conformance in Chromium', () => {
  it('WebGL2: the whole suite', { timeout: 600_000 }, async () => {
    const s = await runInBrowser({
      module: here('../src/index.ts'),
      factory: 'gpujsBackend',
      args: { mode: 'webgl2' },
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
});
