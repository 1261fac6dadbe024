/**
 * "Train in the browser" on the BUILT site (apps/docs/dist, served on 127.0.0.1 by the site
 * tests' server): the page's demo — the examples' trainer (apps/examples/web/trainer), mounted by
 * docs/.vitepress/theme/components/TrainDemo.vue — trains the MLP in its Web Worker past 80 %
 * test accuracy, draws the chart's points and the labelled image grid, keeps the page
 * responsive and logs no console error. A screenshot goes to artifacts/screenshots/ (git-ignored), next to the site test's.
 *
 * It trains on the CPU backend: the same module's gpu.js run is checked by the examples page's
 * test (apps/examples/test/web.test.ts), and SwiftShader's emulated WebGL would double the time.
 * Needs the built site (`pnpm docs:build`; turbo's `test` depends on `docs`) and Debian's
 * chromium; FLINT_SKIP_BROWSER_TESTS=1 skips this file.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collectErrors,
  launchChromium,
  trainInPage,
  watchLongTasks,
} from '../../examples/test/web-harness.js';
import { DEFAULTS } from '../../examples/web/trainer/protocol.js';
import { serveSite, type SiteServer } from './site-server.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const DIST = here('../dist');
const SHOTS = here('../artifacts/screenshots/');
const ROOT = '[data-testid="train-demo"]';

describe.skipIf(process.env.FLINT_SKIP_BROWSER_TESTS === '1')(
  'Train in the browser (built site)',
  () => {
    let browser: Browser;
    let server: SiteServer;

    beforeAll(async () => {
      if (!existsSync(`${DIST}/examples/train.html`))
        throw new Error('apps/docs/dist has no examples/train.html: run `pnpm docs:build` first');
      server = await serveSite(DIST);
      browser = await launchChromium();
      mkdirSync(SHOTS, { recursive: true });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });

    it(
      'trains past 80 % on the page, with the chart and the grid',
      { timeout: 300_000 },
      async () => {
        const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
        const errors = collectErrors(page);
        await watchLongTasks(page);
        await page.goto(`${server.url}/examples/train.html`);
        await page.waitForSelector(`${ROOT}[data-state="idle"]`, { timeout: 60_000 });
        const r = await trainInPage(page, ROOT, {
          backend: 'cpu',
          epochs: DEFAULTS.epochs,
          timeoutMs: 240_000,
        });
        await page.locator(ROOT).screenshot({ path: `${SHOTS}/train-page.png` });
        console.log(`docs train page: ${JSON.stringify(r)}`);
        expect(r.state, r.status).toBe('done');
        expect(r.mode).toMatch(/in a Web Worker/);
        expect(r.accuracy).toBeGreaterThan(0.8);
        expect(r.points).toBe(Math.ceil(6000 / DEFAULTS.batchSize) * DEFAULTS.epochs);
        expect(r.accPoints).toBe(DEFAULTS.epochs);
        expect([r.images, r.predicted]).toEqual([16, 16]);
        expect(r.longestTaskMs).toBeLessThan(1000);
        expect(errors).toEqual([]);
        await page.close();
      },
    );
  },
);
