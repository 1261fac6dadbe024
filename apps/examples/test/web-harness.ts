/**
 * Browser-test helpers of the training demo, shared by the examples page's test (web.test.ts)
 * and the docs site's check (apps/docs/test/train-page.test.ts): a static file server on
 * 127.0.0.1, Debian's Chromium through playwright-core, and one training run driven through the
 * demo's own controls, read back from the data attributes the demo sets (web/trainer/ui.ts).
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import type { Browser, Page } from 'playwright-core';

// The callbacks below run in the page; this package's types have no DOM, hence these shapes.
interface PageEl {
  dataset: Record<string, string | undefined>;
  textContent: string | null;
  querySelector(s: string): PageEl | null;
  querySelectorAll(s: string): ArrayLike<PageEl>;
}
interface TaskEntry {
  startTime: number;
  duration: number;
}
interface PageGlobal {
  __longTasks: TaskEntry[];
  PerformanceObserver: new (cb: (list: { getEntries(): TaskEntry[] }) => void) => {
    observe(o: { type: string; buffered: boolean }): void;
  };
}

export const CHROMIUM = '/usr/bin/chromium';

/** SwiftShader WebGL, no network: the flags of /work/shared/TOOLCHAIN.md §Browser tests. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.gz': 'application/gzip',
};

/**
 * Serve `dir` on a free port of 127.0.0.1. `/a/b` falls back to `/a/b.html` and `/a/` to
 * `/a/index.html`, as VitePress's clean URLs expect.
 */
export async function serveDir(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const candidates = [path, `${path}.html`, join(path, 'index.html')].map((p) => join(dir, p));
    const file = path.includes('..')
      ? undefined
      : candidates.find((p) => existsSync(p) && statSync(p).isFile());
    if (!file) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * Console errors, uncaught exceptions and failed requests of a page (and its workers' console
 * errors), each bounded in length.
 */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    // "Failed to load resource" names its URL only in the message's location. The browser's own
    // /favicon.ico request is not the page's: the docs site declares no icon (yet).
    const where = m.location().url;
    if (m.type() === 'error' && !/^https?:\/\/[^/]+\/favicon\.ico$/.test(where))
      errors.push(`${m.text().slice(0, 400)} (${where.slice(0, 200)})`);
  });
  page.on('pageerror', (e) => errors.push(`${e.name}: ${e.message}`.slice(0, 500)));
  // failed requests of the page itself (a worker's show up as console errors above)
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()} ${r.url().slice(0, 300)}`);
  });
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url().slice(0, 300)}`));
  page.on('worker', (w) =>
    w.on('console', (m) => {
      if (m.type() === 'error') errors.push(`[worker] ${m.text().slice(0, 500)}`);
    }),
  );
  return errors;
}

export interface TrainOutcome {
  state: string;
  /** The backend and thread the run reported (`gpu.js on WebGL2, in a Web Worker`). */
  mode: string;
  accuracy: number;
  /** Loss points and accuracy points the chart holds. */
  points: number;
  accPoints: number;
  /** Test images in the grid, and how many show a prediction. */
  images: number;
  predicted: number;
  status: string;
  seconds: number;
}

/**
 * Pick `backend` and `epochs` in the demo under `root`, press Train, and wait until the run ends
 * (done, stopped or error). Reports the page's longest main-thread task during training, which
 * stays short when the work is in the worker (needs `watchLongTasks` before the page loads).
 */
export async function trainInPage(
  page: Page,
  root: string,
  opts: { backend: string; epochs: number; timeoutMs: number },
): Promise<TrainOutcome & { longestTaskMs: number }> {
  const t0 = performance.now();
  await page.selectOption(`${root} [data-role="backend"]`, opts.backend);
  await page.fill(`${root} [data-role="epochs"]`, String(opts.epochs));
  await page.click(`${root} [data-role="start"]`);
  await page.waitForSelector(`${root}[data-state="training"]`, { timeout: 120_000 });
  const trainingSince = await page.evaluate(() => performance.now());
  await page.waitForSelector(
    `${root}:is([data-state="done"], [data-state="stopped"], [data-state="error"])`,
    {
      timeout: opts.timeoutMs,
    },
  );
  // the chart redraws on the next animation frame
  await page.waitForTimeout(100);
  const out = await readOutcome(page, root);
  // the main thread's longest task while the model trained (tasks under 50 ms are not reported)
  const longestTaskMs = await page.evaluate(
    (since) =>
      Math.max(
        0,
        ...(globalThis as unknown as PageGlobal).__longTasks
          .filter((e) => e.startTime >= since)
          .map((e) => e.duration),
      ),
    trainingSince,
  );
  return { ...out, seconds: (performance.now() - t0) / 1000, longestTaskMs };
}

/** Records the page's long tasks (main-thread tasks over 50 ms) from its first script on. */
export async function watchLongTasks(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = globalThis as unknown as PageGlobal;
    w.__longTasks = [];
    new w.PerformanceObserver((list) => w.__longTasks.push(...list.getEntries())).observe({
      type: 'longtask',
      buffered: true,
    });
  });
}

export async function readOutcome(
  page: Page,
  root: string,
): Promise<Omit<TrainOutcome, 'seconds'>> {
  return page.$eval(root, (e) => {
    const el = e as unknown as PageEl;
    const chart = el.querySelector('[data-role="chart"]')!;
    const figures = Array.from(el.querySelectorAll('[data-role="grid"] figure'));
    return {
      state: el.dataset.state ?? '',
      mode: el.dataset.mode ?? '',
      accuracy: Number(el.dataset.accuracy ?? NaN),
      points: Number(chart.dataset.points ?? 0),
      accPoints: Number(chart.dataset.accPoints ?? 0),
      images: figures.length,
      predicted: figures.filter((f) => f.dataset.predicted !== undefined).length,
      status: el.querySelector('[data-role="status"]')?.textContent ?? '',
    };
  });
}

/** Number of loss points the chart under `root` shows. */
export async function chartPoints(page: Page, root: string): Promise<number> {
  return page.$eval(root, (e) => {
    const chart = (e as unknown as PageEl).querySelector('[data-role="chart"]');
    return Number(chart?.dataset.points ?? 0);
  });
}
