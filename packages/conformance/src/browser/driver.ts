/**
 * `@flint/conformance/browser-driver`: runs the suite in headless Chromium from Node. It bundles
 * the page (bundle.ts), serves it and the fixtures from http://127.0.0.1 (a secure context, which
 * WebGPU needs), drives Debian's /usr/bin/chromium through playwright-core, and writes the
 * report the page hands back.
 * @example
 * const s = await runInBrowser({ module: '/abs/backend-cpu/src/index.ts', factory: 'cpuBackend' });
 * console.log(s.text); // … `N passed, N failed, N skipped`
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { KnownFailures, RunSummary } from '../types.js';
import { fixturePath, nodeHost, writeReportFile } from '../host/node.js';
import type { FixtureDir } from '../host/host.js';
import { bundlePage } from './bundle.js';
import { serve } from './serve.js';
import type { FixtureManifest, PageRunRequest, PageRunResult } from './page.js';

/** Keeps Chromium off the network (the machines here have none) and on SwiftShader. */
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

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

export interface BrowserRunOptions {
  /** The backend module (absolute path or a package name resolvable from `resolveDir`). */
  module: string;
  factory?: string;
  /** Options for the factory, e.g. `{ mode: 'webgl2' }` (plain JSON). */
  args?: Record<string, unknown>;
  /** Second device name (cross-device cases): factory({ ...args, name }). */
  second?: string;
  /** Oracle backend module for `diff/oracle/…`, and its factory export. */
  oracle?: string;
  oracleFactory?: string;
  /** The oracle's device name (default: its factory's; it must differ from the backend's). */
  oracleName?: string;
  knownFailures?: KnownFailures;
  filter?: string[];
  /** Report name (default: the device name). */
  name?: string;
  /** Where conformance-report.json goes (default: cwd); false writes none. */
  reportDir?: string | false;
  /** Folder module names resolve from (default: cwd). */
  resolveDir?: string;
  /** Run the backend as a device without synchronous read-back (`withoutSyncRead`). */
  withoutSyncRead?: boolean;
  /** Adds --enable-unsafe-webgpu (WebGPU on SwiftShader). */
  webgpu?: boolean;
  chromium?: string;
  /** Prints page console lines and progress. */
  verbose?: boolean;
  /** Whole-run limit in ms (default 30 min). */
  timeoutMs?: number;
}

export interface BrowserRunSummary extends RunSummary {
  /** The lines a runner prints (failures, skips, the closing `N passed, …` line). */
  text: string;
  /** Errors the page raised outside the suite (console.error, uncaught). */
  pageErrors: string[];
  userAgent: string;
  ms: { bundle: number; run: number };
}

export async function runInBrowser(o: BrowserRunOptions): Promise<BrowserRunSummary> {
  const chromium = o.chromium ?? DEFAULT_CHROMIUM;
  if (!existsSync(chromium))
    throw new Error(
      `no Chromium at ${chromium}: install Debian's chromium (scripts/bootstrap.sh does, as root)`,
    );
  const t0 = performance.now();
  const resolveDir = o.resolveDir ?? process.cwd();
  const bundle = await bundlePage({ module: o.module, oracle: o.oracle, resolveDir });
  const tBundle = performance.now() - t0;
  const fixtures = fixtureManifest();
  const server = await serve(bundle, fixtureFile);
  const { chromium: pw } = await import('playwright-core');
  const browser = await pw.launch({
    executablePath: chromium,
    args: [...CHROMIUM_ARGS, ...(o.webgpu ? ['--enable-unsafe-webgpu'] : [])],
  });
  const pageErrors: string[] = [];
  try {
    const page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text().slice(0, 500));
      if (o.verbose) console.log(`[page] ${m.text()}`);
    });
    page.on('pageerror', (e) => pageErrors.push(`${e.name}: ${e.message}`.slice(0, 500)));
    const limit = o.timeoutMs ?? 30 * 60_000;
    page.setDefaultTimeout(limit);
    await page.goto(`${server.url}/`);
    // the bundle failing to load (a syntax error, a missing module) shows up here, not as a hang
    await page.waitForFunction(() => '__flintConformance' in globalThis, undefined, {
      timeout: 60_000,
    });
    const req: PageRunRequest = {
      factory: o.factory,
      args: o.args,
      second: o.second,
      oracleFactory: o.oracleFactory,
      oracleName: o.oracleName,
      withoutSyncRead: o.withoutSyncRead,
      knownFailures: o.knownFailures,
      filter: o.filter,
      name: o.name,
      fixturesBase: `${server.url}/fixtures/`,
      fixtures,
      progressEvery: o.verbose ? 500 : 0,
    };
    const userAgent = await page.evaluate(
      () => (globalThis as unknown as { navigator: { userAgent: string } }).navigator.userAgent,
    );
    // page.evaluate has no time limit of its own: a hung case would hang the run
    let timer: ReturnType<typeof setTimeout> | undefined;
    const res = await Promise.race([
      page.evaluate(
        (r) =>
          (
            globalThis as unknown as {
              __flintConformance: (r: PageRunRequest) => Promise<PageRunResult>;
            }
          ).__flintConformance(r),
        req,
      ),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the conformance run in Chromium took over ${limit} ms`)),
          limit,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    const reportPath =
      o.reportDir === false || !res.report
        ? null
        : writeReportFile(resolve(o.reportDir ?? process.cwd()), {
            ...res.report,
            browser: userAgent,
          });
    return {
      ...res.summary,
      reportPath,
      text: res.text + (reportPath ? `\nreport: ${reportPath}` : ''),
      pageErrors,
      userAgent,
      ms: { bundle: Math.round(tBundle), run: res.ms },
    };
  } finally {
    await browser.close();
    await server.close();
  }
}

/** What the page's Chromium offers a GPU backend (served from 127.0.0.1, the run's flags). */
export interface BrowserInfo {
  userAgent: string;
  /** WebGL2's unmasked renderer, and whether float32 textures can be rendered to. */
  webgl2: { renderer: string; colorBufferFloat: boolean } | null;
  /** The WebGPU adapter, when `webgpu` asked for the flag and one is found. */
  webgpu: { vendor: string; architecture: string } | null;
}

/** Launch Chromium as runInBrowser does and report its WebGL2 and WebGPU support. */
export async function browserInfo(
  o: { webgpu?: boolean; chromium?: string } = {},
): Promise<BrowserInfo> {
  const chromium = o.chromium ?? DEFAULT_CHROMIUM;
  if (!existsSync(chromium))
    throw new Error(
      `no Chromium at ${chromium}: install Debian's chromium (scripts/bootstrap.sh does, as root)`,
    );
  const server = await serve('', () => null);
  const { chromium: pw } = await import('playwright-core');
  const browser = await pw.launch({
    executablePath: chromium,
    args: [...CHROMIUM_ARGS, ...(o.webgpu ? ['--enable-unsafe-webgpu'] : [])],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    // runs in the page: DOM and WebGPU types are not in this package's lib, hence the casts
    return await page.evaluate(async () => {
      const g = globalThis as unknown as {
        navigator: { userAgent: string; gpu?: { requestAdapter(): Promise<unknown> } };
        document: { createElement(t: string): { getContext(k: string): unknown } };
      };
      type GL = {
        getExtension(n: string): unknown;
        getParameter(p: unknown): unknown;
        RENDERER: unknown;
      };
      const gl = g.document.createElement('canvas').getContext('webgl2') as GL | null;
      const dbg = gl?.getExtension('WEBGL_debug_renderer_info') as {
        UNMASKED_RENDERER_WEBGL: unknown;
      } | null;
      const adapter = (await g.navigator.gpu?.requestAdapter()) as
        { info?: { vendor: string; architecture: string } } | null | undefined;
      return {
        userAgent: g.navigator.userAgent,
        webgl2: gl
          ? {
              renderer: String(gl.getParameter(dbg ? dbg.UNMASKED_RENDERER_WEBGL : gl.RENDERER)),
              colorBufferFloat: gl.getExtension('EXT_color_buffer_float') !== null,
            }
          : null,
        webgpu: adapter
          ? { vendor: adapter.info?.vendor ?? '', architecture: adapter.info?.architecture ?? '' }
          : null,
      };
    });
  } finally {
    await browser.close();
    await server.close();
  }
}

const DIRS: FixtureDir[] = ['', 'nn', 'diff'];

function fixtureManifest(): FixtureManifest {
  const h = nodeHost();
  const m = {} as FixtureManifest;
  for (const d of DIRS) m[d] = h.listFixtures(d);
  return m;
}

/** The file behind `/fixtures/<dir>/<name>`, only for names the manifest lists. */
function fixtureFile(urlPath: string): string | null {
  const m = /^\/fixtures\/(?:(nn|diff)\/)?([\w.-]+\.json)$/.exec(urlPath);
  if (!m) return null;
  const dir = (m[1] ?? '') as FixtureDir;
  const name = m[2]!;
  if (!nodeHost().listFixtures(dir).includes(name)) return null;
  return fixturePath(dir, name);
}
