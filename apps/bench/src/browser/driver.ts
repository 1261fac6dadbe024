/**
 * The browser bench's Node side: bundles page.ts with esbuild (browser defaults), serves it from
 * http://127.0.0.1 on a free port, opens it in one headless Debian Chromium (WebGL2 and WebGPU on
 * SwiftShader) through playwright-core, and wraps each page adapter as a harness Adapter, so
 * runWorkload interleaves them exactly as it does the CPU peers. Times are measured in the page.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { Skip } from '../harness/types.js';
import type { Adapter, AdapterInfo, Runner, Spec } from '../harness/types.js';
import type { FirstStep, PageApi, PageError } from './protocol.js';

export const CHROMIUM = '/usr/bin/chromium';

/** SwiftShader for WebGL2 and WebGPU, and no network (the machines here have none). */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Labels of the page's adapters, for the report (the page knows only ids). */
export const LABELS: Record<string, { label: string; role: 'flint' | 'peer' }> = {
  'flint-gpujs': { label: 'Flint on gpu.js, WebGL2', role: 'flint' },
  'flint-gpujs-webgpu': { label: 'Flint on gpu.js, WebGPU', role: 'flint' },
  'tfjs-webgl': { label: 'TensorFlow.js webgl', role: 'peer' },
  'tfjs-webgpu': { label: 'TensorFlow.js webgpu', role: 'peer' },
  'flint-cpu': { label: 'Flint CPU (TypeScript), in the page', role: 'flint' },
};

// the page's source: TypeScript under src/, whether this file runs from src/ or dist/
const PAGE = fileURLToPath(new URL('../../src/browser/page.ts', import.meta.url));

async function bundle(): Promise<string> {
  const esbuild = await import('esbuild');
  const version = (
    createRequire(import.meta.url)('@flint/core/package.json') as { version: string }
  ).version;
  const r = await esbuild.build({
    entryPoints: [PAGE],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
    define: { __FLINT_CORE_VERSION__: JSON.stringify(version) },
  });
  return r.outputFiles[0]!.text;
}

function isError(x: unknown): x is PageError {
  return typeof x === 'object' && x !== null && 'error' in x;
}

function unwrap<T>(x: T | PageError): T {
  if (!isError(x)) return x;
  throw x.skip ? new Skip(x.error) : new Error(x.error);
}

export interface BrowserSession {
  page: Page;
  ids: string[];
  environment: { userAgent: string; webgl: string; webgpu: string };
  adapters(): Adapter[];
  firstStep(spec: { batch: number; sizes: readonly number[] }): Promise<FirstStep | PageError>;
  close(): Promise<void>;
}

type Api = { __flintBench: PageApi };

function proxy(page: Page, id: string): Adapter {
  const meta = LABELS[id] ?? { label: id, role: 'peer' as const };
  return {
    id,
    label: meta.label,
    role: meta.role,
    async init(): Promise<AdapterInfo> {
      return unwrap(
        await page.evaluate((i) => (globalThis as unknown as Api).__flintBench.init(i), id),
      );
    },
    async prepare(spec: Spec): Promise<Runner> {
      const h = unwrap(
        await page.evaluate(([i, s]) => (globalThis as unknown as Api).__flintBench.prepare(i, s), [
          id,
          spec,
        ] as const),
      );
      return {
        run: async () =>
          unwrap(await page.evaluate((x) => (globalThis as unknown as Api).__flintBench.run(x), h)),
        dispose: () =>
          page.evaluate((x) => (globalThis as unknown as Api).__flintBench.dispose(x), h),
      };
    },
    async close() {},
  };
}

export async function openBrowser(o: { chromium?: string } = {}): Promise<BrowserSession> {
  const chromium = o.chromium ?? CHROMIUM;
  if (!existsSync(chromium))
    throw new Error(`no Chromium at ${chromium}: scripts/bootstrap.sh installs Debian's chromium`);
  const js = await bundle();
  const html =
    '<!doctype html><meta charset="utf-8"><title>Flint browser bench</title>' +
    '<script type="module" src="/bundle.js"></script>';
  const server = createServer((req, res) => {
    if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    else if (req.url === '/bundle.js')
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
    else res.writeHead(req.url === '/favicon.ico' ? 204 : 404).end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  const closeServer = () =>
    new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    });
  let browser: Browser | undefined;
  try {
    const { chromium: pw } = await import('playwright-core');
    browser = await pw.launch({ executablePath: chromium, args: CHROMIUM_ARGS });
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error(`[page] ${e.message.slice(0, 300)}`));
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => '__flintBench' in globalThis, undefined, { timeout: 60_000 });
    const ids = await page.evaluate(() => (globalThis as unknown as Api).__flintBench.ids);
    const environment = await page.evaluate(() =>
      (globalThis as unknown as Api).__flintBench.environment(),
    );
    const b = browser;
    return {
      page,
      ids,
      environment,
      adapters: () => ids.map((id) => proxy(page, id)),
      firstStep: (spec) =>
        page.evaluate((s) => (globalThis as unknown as Api).__flintBench.firstStep(s), spec),
      close: async () => {
        await b.close();
        await closeServer();
      },
    };
  } catch (e) {
    await browser?.close();
    await closeServer();
    throw e;
  }
}
