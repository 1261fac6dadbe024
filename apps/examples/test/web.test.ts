/**
 * The examples page (web/) in headless Chromium: built by Vite, served on 127.0.0.1, it trains the
 * MLP in its Web Worker on gpu.js (WebGL2 on SwiftShader) and on the CPU backend, each past 80 %
 * test accuracy on the 1,000-image test subset, with the chart's points drawn, the image grid
 * labelled, no console error, and a responsive page. Stop ends a run cleanly. Screenshots go to
 * web/test-results/ (git-ignored).
 *
 * Needs Debian's chromium and the data subset that `pnpm build` writes (scripts/make-web-data.mjs,
 * from the dataset-fashion-mnist package); FLINT_SKIP_BROWSER_TESTS=1 skips this file.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../web/trainer/protocol.js';
import {
  chartPoints,
  collectErrors,
  launchChromium,
  serveDir,
  trainInPage,
  watchLongTasks,
} from './web-harness.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const SHOTS = here('../web/test-results/');
const EPOCHS = DEFAULTS.epochs;

describe.skipIf(process.env.FLINT_SKIP_BROWSER_TESTS === '1')('the browser training page', () => {
  let browser: Browser;
  let server: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    if (!existsSync(here('../web/data/train-images-idx3-ubyte.gz')))
      throw new Error('web/data is missing: run `pnpm --filter @flint/examples build` first');
    await build({ configFile: here('../web/vite.config.ts'), logLevel: 'warn' });
    server = await serveDir(here('../web/dist'));
    browser = await launchChromium();
    mkdirSync(SHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    const errors = collectErrors(page);
    await watchLongTasks(page);
    await page.goto(`${server.url}/`);
    await page.waitForSelector('#trainer[data-state="idle"]');
    return { page, errors };
  }

  for (const backend of ['gpujs', 'cpu'])
    it(`trains past 80 % on ${backend}`, { timeout: 600_000 }, async () => {
      const { page, errors } = await open();
      const r = await trainInPage(page, '#trainer', {
        backend,
        epochs: EPOCHS,
        timeoutMs: 540_000,
      });
      await page.screenshot({ path: `${SHOTS}/train-${backend}.png`, fullPage: true });
      console.log(`${backend}: ${JSON.stringify(r)}`);
      expect(r.state, r.status).toBe('done');
      expect(r.accuracy).toBeGreaterThan(0.8);
      expect(r.points).toBe(Math.ceil(6000 / 64) * EPOCHS);
      expect(r.accPoints).toBe(EPOCHS);
      expect([r.images, r.predicted]).toEqual([16, 16]);
      expect(r.mode).toMatch(/in a Web Worker/);
      expect(r.longestTaskMs).toBeLessThan(1000);
      expect(errors).toEqual([]);
      await page.close();
    });

  it(
    'Stop ends a run between steps and the page can train again',
    { timeout: 120_000 },
    async () => {
      const { page, errors } = await open();
      await page.selectOption('#trainer [data-role="backend"]', 'cpu');
      // The longest run the page allows, so that it is still training when Stop is clicked: on a
      // loaded machine the chart can lag behind a short run until that run is over.
      await page.fill('#trainer [data-role="epochs"]', '20');
      await page.click('#trainer [data-role="start"]');
      await expect
        .poll(() => chartPoints(page, '#trainer'), { timeout: 60_000 })
        .toBeGreaterThanOrEqual(10);
      expect(await page.getAttribute('#trainer', 'data-state')).toBe('training');
      await page.click('#trainer [data-role="stop"]');
      await page.waitForSelector('#trainer[data-state="stopped"]', { timeout: 5_000 });
      expect(await page.isEnabled('#trainer [data-role="start"]')).toBe(true);
      // a second run starts from a fresh worker and chart
      await page.click('#trainer [data-role="start"]');
      await page.waitForSelector('#trainer[data-state="training"]', { timeout: 60_000 });
      await page.click('#trainer [data-role="stop"]');
      await page.waitForSelector('#trainer[data-state="stopped"]', { timeout: 5_000 });
      expect(errors).toEqual([]);
      await page.close();
    },
  );
});
