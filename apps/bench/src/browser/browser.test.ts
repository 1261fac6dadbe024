// The browser runner end to end on one tiny workload and one repetition, so it cannot rot: the
// page bundles and loads in Chromium, each adapter gives a time or a reason, and the page's
// browser section is written without touching the CPU tables. The full run is `pnpm bench:browser`.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BROWSER_END, BROWSER_START, spliceBrowser } from '../report/browser.js';
import { writeBrowserReport } from '../report/write.js';
import { CHROMIUM } from './driver.js';
import { browserTargets, browserWorkloads, runBrowserBench } from './run.js';

const skip = process.env.FLINT_SKIP_BROWSER_TESTS === '1' || !existsSync(CHROMIUM);

describe('browser bench', () => {
  it('has the issue’s workloads and targets', () => {
    const ids = browserWorkloads('full').map((w) => w.id);
    expect(ids).toEqual([
      'matmul-256',
      'matmul-512',
      'matmul-1024',
      'fma-relu',
      'softmax-rows',
      'mlp-step-64',
      'cnn-step-64',
      'dispatch',
    ]);
    for (const t of browserTargets('full')) expect(ids).toContain(t.workload);
  });

  it('replaces only its own section of the page', () => {
    const cpu = '# Benchmarks\n\nCPU tables\n';
    const once = spliceBrowser(cpu, `${BROWSER_START}\nA\n${BROWSER_END}`);
    const twice = spliceBrowser(once, `${BROWSER_START}\nB\n${BROWSER_END}`);
    expect(twice).toContain('CPU tables');
    expect(twice).toContain('\nB\n');
    expect(twice).not.toContain('\nA\n');
  });

  it.skipIf(skip)('runs one tiny workload in Chromium', { timeout: 240_000 }, async () => {
    const rep = await runBrowserBench({
      mode: 'quick',
      only: ['dispatch'],
      adapters: ['flint-gpujs', 'tfjs-webgl', 'flint-cpu'],
    });
    expect(rep.browser.webgl).toMatch(/\S/);
    expect(rep.results.map((r) => r.workload.id)).toEqual(['dispatch']);
    for (const c of rep.results[0]!.cells) {
      expect(c.error, `${c.adapter}: ${c.skip}`).toBeUndefined();
      expect(c.stats?.reps).toBe(1);
    }
    expect('error' in rep.firstStep ? rep.firstStep.error : rep.firstStep.firstMs).toBeGreaterThan(
      0,
    );
    const dir = await mkdtemp(path.join(os.tmpdir(), 'flint-bench-browser-test-'));
    const md = path.join(dir, 'benchmarks.md');
    await writeFile(md, '# Benchmarks\n\nCPU tables\n');
    await writeBrowserReport(rep, md, path.join(dir, 'assets', 'bench'));
    const page = await readFile(md, 'utf8');
    expect(page).toContain('CPU tables');
    expect(page).toContain('SwiftShader');
    expect(page).toMatch(/ratio tfjs-webgl ÷ flint-gpujs/);
  });
});
