/**
 * The whole conformance suite in headless Chromium on 'cpu': core and this backend bundled for the
 * browser (no Node built-ins), the fixtures fetched from http://127.0.0.1, the report handed back
 * to Node. Needs Debian's chromium (scripts/bootstrap.sh installs it as root);
 * FLINT_SKIP_BROWSER_TESTS=1 skips this file.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { allCases } from '@flint/conformance';
import { runInBrowser } from '@flint/conformance/browser-driver';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../src/index.ts', import.meta.url));

describe.skipIf(process.env.FLINT_SKIP_BROWSER_TESTS === '1')('conformance in Chromium', () => {
  it('passes the same case list as in Node', { timeout: 600_000 }, async () => {
    const s = await runInBrowser({
      module: src,
      factory: 'cpuBackend',
      second: 'cpu2',
      oracle: src,
      oracleFactory: 'cpuBackend',
      oracleName: 'cpu-oracle',
      reportDir: false,
    });
    console.log(`${s.userAgent}: bundle ${s.ms.bundle} ms, run ${s.ms.run} ms\n${s.text}`);
    expect(s.pageErrors).toEqual([]);
    expect(s.failed, s.text).toBe(0);
    // Every capability the CPU backend has is used in the page too: the only skips are the
    // L3 cases of overrides it does not offer (fused recurrent kernels are native-only), as in Node.
    const skips = s.results.filter((r) => r.status === 'skipped').map((r) => r.reason ?? '');
    expect(skips.filter((r) => !/^backend has no '\w+' override$/.test(r))).toEqual([]);
    expect(s.results.map((r) => r.id)).toEqual(allCases().map((c) => c.id));
  });

  it(
    'the asynchronous path (no synchronous read-back) in the page',
    { timeout: 600_000 },
    async () => {
      const known = JSON.parse(
        readFileSync(new URL('./conformance.async.known.json', import.meta.url), 'utf8'),
      ) as Record<string, string>;
      const s = await runInBrowser({
        module: src,
        factory: 'cpuBackend',
        args: { name: 'cpu-async' },
        second: 'cpu-async2',
        withoutSyncRead: true,
        oracle: src,
        oracleFactory: 'cpuBackend',
        oracleName: 'cpu-oracle',
        knownFailures: known,
        reportDir: false,
      });
      console.log(`asynchronous path: run ${s.ms.run} ms\n${s.text}`);
      expect(s.pageErrors).toEqual([]);
      expect(s.failed, s.text).toBe(0);
    },
  );
});
