/**
 * The built site (apps/docs/dist) in Debian's Chromium, served on 127.0.0.1 by a static server
 * the test starts and stops:
 * - every page loads and hydrates with no console error, no page error, no failed request, and
 *   every link of the rendered page resolves (scripts/check-links.mjs's checker: one rule for the
 *   built HTML and for what the theme renders);
 * - every runnable snippet runs (Run button) and prints what the page says it does;
 * - the "Open a model" page reads a file written by `fl.save` and files written by the reference
 *   Python `safetensors` library, shows the right statistics, and runs the CNN like PyTorch;
 * - screenshots of the main pages go to apps/docs/artifacts/screenshots/ (git-ignored).
 *
 * Needs the built site: `pnpm test` builds it first (apps/docs/turbo.json: `test` depends on
 * `docs`); alone, run `pnpm docs:build` first. FLINT_SKIP_BROWSER_TESTS=1 skips this file.
 */
/// <reference lib="dom" />
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_ARGS, DEFAULT_CHROMIUM } from '@flint/conformance/browser-driver';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { htmlFiles, linkChecker } from '../scripts/check-links.mjs';
import { type SiteServer, serveSite } from './site-server.js';
import { flSavedCnn } from './site-model.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
// FLINT_DOCS_DIST: another copy of the built site (e.g. while a rebuild rewrites dist/).
const DIST = process.env.FLINT_DOCS_DIST ?? here('../dist');
const ARTIFACTS = here('../artifacts/screenshots');
const FIXTURES = here('../fixtures');

let server: SiteServer;
let browser: Browser;
let context: BrowserContext;

/** URL path of a built page (`guide/io.html` → `/guide/io.html`). */
const pathOf = (file: string) => `/${relative(DIST, file)}`;

/** Collects what went wrong on a page while `fn` runs. */
async function watching(page: Page, fn: () => Promise<void>): Promise<string[]> {
  const problems: string[] = [];
  const onConsole = (m: { type(): string; text(): string }) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text().slice(0, 300)}`);
  };
  const onError = (e: Error) => problems.push(`page error: ${e.message.slice(0, 300)}`);
  const onFailed = (r: { url(): string; failure(): { errorText: string } | null }) => {
    // Leaving a page aborts the prefetches VitePress started for its links: not a failure.
    const why = r.failure()?.errorText ?? 'unknown';
    if (why !== 'net::ERR_ABORTED') problems.push(`request failed: ${r.url()} (${why})`);
  };
  const onResponse = (r: { url(): string; status(): number }) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  };
  page.on('console', onConsole);
  page.on('pageerror', onError);
  page.on('requestfailed', onFailed);
  page.on('response', onResponse);
  try {
    await fn();
  } finally {
    page.off('console', onConsole);
    page.off('pageerror', onError);
    page.off('requestfailed', onFailed);
    page.off('response', onResponse);
  }
  return problems;
}

/** Loads a page and waits until VitePress has hydrated it (Vue mounted on #app). */
async function open(page: Page, path: string): Promise<void> {
  await page.goto(server.url + path, { waitUntil: 'load' });
  await page.waitForFunction(() => '__vue_app__' in (document.querySelector('#app') ?? {}));
}

/** The `<title>` of a built page, as markup (entities and all). */
function titleOf(file: string): string {
  return /<title>([^<]*)<\/title>/.exec(readFileSync(file, 'utf8'))?.[1] ?? '';
}

/** Client-side navigation, as a click on a link does; waits until the page has rendered. */
async function navigate(page: Page, path: string, title: string): Promise<void> {
  await page.evaluate((p) => {
    const a = document.createElement('a');
    a.href = p;
    document.body.append(a);
    a.click();
    a.remove();
  }, path);
  const want = { p: path, raw: title };
  await page
    .waitForFunction(({ p, raw }) => {
      const t = document.createElement('textarea');
      t.innerHTML = raw;
      // The router shows `dir/index.html` as `dir/`.
      const strip = (x: string) => x.replace(/(^|\/)index\.html$/, '$1');
      return strip(decodeURI(location.pathname)) === strip(p) && document.title === t.value;
    }, want)
    .catch(async (err: Error) => {
      const now = await page.evaluate(() => `${location.pathname} '${document.title}'`);
      throw new Error(`navigating to ${path} ('${title}'): now at ${now}: ${err.message}`);
    });
}

async function screenshot(page: Page, name: string, fullPage = false): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage });
}

const skip = process.env.FLINT_SKIP_BROWSER_TESTS === '1';

describe.skipIf(skip)('the built site in Chromium', () => {
  beforeAll(async () => {
    if (!existsSync(join(DIST, 'index.html')))
      throw new Error(
        `no built site in ${DIST}: run \`pnpm docs:build\` first (pnpm test builds it before this test)`,
      );
    if (!existsSync(DEFAULT_CHROMIUM))
      throw new Error(
        `no Chromium at ${DEFAULT_CHROMIUM}: install Debian's chromium (scripts/bootstrap.sh does, as root)`,
      );
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await serveSite(DIST);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: DEFAULT_CHROMIUM, args: CHROMIUM_ARGS });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('every page loads with no errors, no failed requests and no dead links', async () => {
    const pages: string[] = htmlFiles(DIST).filter((f: string) => !f.endsWith('404.html'));
    const problem = linkChecker(DIST);
    const found: string[] = [];
    const checkLinks = async (page: Page, file: string) => {
      const hrefs = await page.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href')!));
      for (const href of new Set(hrefs)) {
        const why = problem(file, href);
        if (why !== null) found.push(`rendered link: ${why}`);
      }
    };
    // The guide's pages load from scratch (server-rendered HTML, then hydration). The ~200
    // generated API pages are reached as readers reach them, through the site's client-side
    // router from the API index: each renders in the page without a reload, which keeps this
    // test within its time on two cores.
    const isApi = (f: string) => pathOf(f).startsWith('/api/') && pathOf(f) !== '/api/index.html';
    const queue = pages.filter((f) => !isApi(f));
    const worker = async () => {
      const page = await context.newPage();
      for (let file = queue.shift(); file; file = queue.shift()) {
        const path = pathOf(file);
        const problems = await watching(page, async () => {
          await open(page, path);
          await checkLinks(page, file);
        });
        found.push(...problems.map((p) => `${path}: ${p}`));
      }
      await page.close();
    };
    const t0 = Date.now();
    await Promise.all([worker(), worker()]);
    const t1 = Date.now();
    const api = pages.filter(isApi);
    // Two tabs share the API pages, each starting from the API index.
    const apiWorker = async (mine: string[]) => {
      const page = await context.newPage();
      const problems = await watching(page, async () => {
        await open(page, '/api/');
        for (const file of mine) {
          await navigate(page, pathOf(file), titleOf(file));
          await checkLinks(page, file);
        }
      });
      found.push(...problems.map((p) => `API pages: ${p}`));
      await page.close();
    };
    await Promise.all([0, 1].map((w) => apiWorker(api.filter((_, i) => i % 2 === w))));
    console.log(
      `${pages.length - api.length} pages loaded in ${t1 - t0} ms, ` +
        `${api.length} API pages rendered in ${Date.now() - t1} ms`,
    );
    expect(found.slice(0, 40)).toEqual([]);
    expect(pages.length - api.length).toBeGreaterThan(20);
    expect(api.length).toBeGreaterThan(100);
  }, 420_000);

  it('runs every runnable snippet and shows its output', async () => {
    const files = htmlFiles(DIST).filter((f: string) =>
      readFileSync(f, 'utf8').includes('flint-runnable'),
    );
    const outputs: Record<string, { status: string; text: string }[]> = {};
    const page = await context.newPage();
    const problems = await watching(page, async () => {
      for (const file of files) {
        const path = pathOf(file);
        await open(page, path);
        const blocks = page.locator('.flint-run');
        outputs[path] = [];
        for (let i = 0; i < (await blocks.count()); i++) {
          const block = blocks.nth(i);
          await block.getByRole('button', { name: 'Run' }).click();
          const status = block.locator('.flint-run-status');
          await status.waitFor({ timeout: 60_000 });
          outputs[path].push({
            status: (await status.getAttribute('data-status'))!,
            text: await block.locator('.flint-run-output').innerText(),
          });
        }
        if (path === '/guide/getting-started.html' || path === '/guide/training.html')
          await screenshot(
            page,
            path
              .slice(1)
              .replace(/\W+/g, '-')
              .replace(/-html$/, ''),
          );
      }
    });
    expect(problems).toEqual([]);
    const all = Object.entries(outputs).flatMap(([p, os]) => os.map((o) => ({ page: p, ...o })));
    expect(all.length).toBeGreaterThanOrEqual(10);
    // Only the block that demonstrates autograd's version check fails, and it says why.
    const failed = all.filter((o) => o.status === 'error');
    expect(failed.map((o) => o.page)).toEqual(['/guide/autograd.html']);
    expect(failed[0]!.text).toMatch(/^GradError: .*'exp'.*mul_/m);
    for (const o of all) expect(o.text, o.page).not.toMatch(/\[object Object\]|\(no output\)/);
    expectOutputs(outputs);
  }, 180_000);

  it('runs a snippet on the gpu.js backend (WebGL2) with the same result', async () => {
    const page = await context.newPage();
    const problems = await watching(page, async () => {
      await open(page, '/guide/autograd.html');
      const block = page.locator('.flint-run').first();
      await block.locator('select').selectOption('gpujs');
      await block.getByRole('button', { name: 'Run' }).click();
      await block.locator('.flint-run-status').waitFor({ timeout: 60_000 });
      const text = await block.locator('.flint-run-output').innerText();
      expect(text).toContain('tensor([2., 4., 6.], shape=[3], dtype=float32, device=gpujs)');
    });
    expect(problems).toEqual([]);
  }, 120_000);

  it('opens safetensors files from fl.save and from Python, and runs the CNN', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'flint-site-'));
    const saved = join(tmp, 'fl-save-cnn.safetensors');
    const stats = await flSavedCnn(saved);
    const page = await context.newPage();
    const problems = await watching(page, async () => {
      await open(page, '/examples/open-a-model.html');
      const input = page.getByTestId('model-file');
      // 1. Written by Flint's fl.save: statistics as computed in plain JS, then run.
      await input.setInputFiles(saved);
      await expectTable(page, stats);
      await runCnn(page);
      await page.getByTestId('model-run-summary').scrollIntoViewIfNeeded();
      await screenshot(page, 'examples-open-a-model');
      // 2. The reference library: every dtype, a scalar, an empty tensor.
      await input.setInputFiles(join(FIXTURES, 'reference-dtypes.safetensors'));
      const ref = JSON.parse(readFileSync(join(FIXTURES, 'reference-dtypes.json'), 'utf8'));
      await expectTable(page, ref.tensors);
      await expect(page.getByTestId('model-summary').innerText()).resolves.toContain(
        ref.metadata.writer,
      );
      await expect(page.getByTestId('model-mismatch').innerText()).resolves.toMatch(
        /not the examples' CNN/,
      );
      // 3. The CNN re-saved by the reference library.
      await input.setInputFiles(join(FIXTURES, 'reference-cnn.safetensors'));
      await page.locator('tr[data-name="7.bias"]').waitFor();
      await runCnn(page);
      // 4. Not a safetensors file: the error is shown as text, the page keeps working.
      const junk = join(tmp, 'junk.safetensors');
      writeFileSync(junk, 'this is not a safetensors file');
      await input.setInputFiles(junk);
      await expect(page.getByTestId('model-error').innerText()).resolves.toMatch(
        /junk\.safetensors: FormatError: .*not a valid safetensors file/,
      );
    });
    expect(problems).toEqual([]);
  }, 120_000);

  it('screenshots the main pages', async () => {
    const page = await context.newPage();
    for (const path of [
      '/',
      '/guide/tensors.html',
      '/changelog.html',
      '/support-matrix.html',
      '/api/',
    ]) {
      await open(page, path);
      await screenshot(page, path.replace(/\W+/g, '-').replace(/^-|-html$|-$/g, '') || 'index');
    }
    await page.emulateMedia({ colorScheme: 'dark' });
    await open(page, '/guide/autograd.html');
    await page.locator('.flint-run button').first().click();
    await page.locator('.flint-run-status').first().waitFor();
    await screenshot(page, 'guide-autograd-dark');
  }, 120_000);
});

/** Outputs that pin what the pages say the snippets print. */
function expectOutputs(outputs: Record<string, { text: string }[]>): void {
  const text = (page: string, i: number) =>
    outputs[page]?.[i]?.text ?? `(no block ${i} on ${page})`;
  expect(text('/guide/tensors.html', 0)).toContain(
    'tensor([[1.0000, 2.0000],\n        [3.0000, 4.5000]], shape=[2, 2], dtype=float32, device=cpu)',
  );
  expect(text('/guide/tensors.html', 0)).toContain(
    '{"dtype":"float32","shape":[2,2],"data":[[1,2],[3,4.5]]}',
  );
  expect(text('/guide/autograd.html', 0)).toContain(
    'tensor([2., 4., 6.], shape=[3], dtype=float32, device=cpu)',
  );
  expect(text('/guide/autograd.html', 1)).toContain(
    'tensor([2., 1., 1.], shape=[3], dtype=float32, device=cpu)',
  );
  expect(text('/guide/nn.html', 1)).toContain('1.num_batches_tracked');
  expect(text('/guide/nn.html', 0)).toContain(
    '(0): Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1))',
  );
  expect(text('/guide/training.html', 0)).toMatch(
    /step 100: loss 0\.0\d+\npredictions: \[0, 1, 1, 0\]/,
  );
}

/** The table shows each tensor with the expected bytes and statistics. */
async function expectTable(
  page: Page,
  want: Record<
    string,
    {
      bytes: number;
      min: number | null;
      max: number | null;
      mean: number | null;
      std: number | null;
    }
  >,
): Promise<void> {
  const names = Object.keys(want);
  await page.locator(`tr[data-name="${names[names.length - 1]}"]`).waitFor();
  const rows = await page.locator('[data-testid=model-table] tbody tr').evaluateAll((trs) =>
    trs.map((tr) => {
      const cell = (k: string) =>
        tr.querySelector(`[data-${k}]`)?.getAttribute(`data-${k}`) ?? null;
      return {
        name: tr.getAttribute('data-name')!,
        bytes: Number(cell('bytes')),
        stats: ['min', 'max', 'mean', 'std'].map((k) =>
          cell(k) === null ? null : Number(cell(k)),
        ),
      };
    }),
  );
  expect(rows.map((r) => r.name).sort()).toEqual([...names].sort());
  for (const r of rows) {
    const w = want[r.name]!;
    expect(r.bytes, r.name).toBe(w.bytes);
    [w.min, w.max, w.mean, w.std].forEach((v, i) => {
      if (v === null) expect(r.stats[i], `${r.name} stat ${i}`).toBeNull();
      else
        expect(Math.abs(r.stats[i]! - v), `${r.name} stat ${i}`).toBeLessThanOrEqual(
          1e-9 * Math.max(1, Math.abs(v)),
        );
    });
  }
}

/** Loads the open file into the CNN: Flint predicts as PyTorch did, logits within 1e-4. */
async function runCnn(page: Page): Promise<void> {
  await page.getByTestId('model-run').click();
  const summary = await page.getByTestId('model-run-summary').innerText();
  expect(summary).toContain('same predictions as PyTorch: yes');
  const diff = Number(/difference: (\S+)/.exec(summary)?.[1]);
  expect(diff).toBeLessThan(1e-4);
  const figures = page.locator('[data-testid=model-predictions] figure');
  expect(await figures.count()).toBe(8);
}
