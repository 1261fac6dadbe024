/**
 * gpu.js's WebGPU mode in headless Chromium (SwiftShader adapter, `--enable-unsafe-webgpu`, page
 * from http://127.0.0.1): what the shared suite does not reach — kernels queued without awaiting,
 * readSync as a typed error, dispose of a result whose work is pending, host-side primitives
 * chained in order, a failed kernel and a lost device as typed errors at the next read (no hang,
 * no unhandled rejection), and the typed error when no adapter exists. The whole suite on WebGPU
 * runs in browser.test.ts. FLINT_SKIP_BROWSER_TESTS=1 skips this file.
 */
import { existsSync } from 'node:fs';
import { CHROMIUM_ARGS, DEFAULT_CHROMIUM } from '@flint/conformance/browser-driver';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Caught, WebGPURun } from './browser-webgpu.page.js';
import { bundlePage, servePage } from './page-server.js';

/** Opens the page in a fresh Chromium (with or without WebGPU) and calls `entry` there. */
async function inPage<T>(js: string, entry: string, webgpu: boolean) {
  const server = await servePage(js);
  const { chromium } = await import('playwright-core');
  const args = [...CHROMIUM_ARGS, ...(webgpu ? ['--enable-unsafe-webgpu'] : [])];
  const browser = await chromium.launch({ executablePath: DEFAULT_CHROMIUM, args });
  const errors: string[] = [];
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(e.message.slice(0, 300)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text().slice(0, 300));
    });
    await page.goto(server.url);
    await page.waitForFunction((e) => e in globalThis, entry, { timeout: 60_000 });
    const value = (await page.evaluate(
      (e) => (globalThis as unknown as Record<string, () => Promise<unknown>>)[e]!(),
      entry,
    )) as T;
    return { value, errors };
  } finally {
    await browser.close();
    await server.close();
  }
}

const skip = process.env.FLINT_SKIP_BROWSER_TESTS === '1' || !existsSync(DEFAULT_CHROMIUM);

const close = (got: number[], want: number[], rtol = 1e-5) => {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) =>
    expect(Math.abs(g - want[i]!)).toBeLessThanOrEqual(rtol * Math.abs(want[i]!) + 1e-6),
  );
};

describe.skipIf(skip)('WebGPU mode in Chromium', () => {
  let js = '';
  let run: WebGPURun;
  let errors: string[] = [];

  beforeAll(async () => {
    js = await bundlePage(new URL('./browser-webgpu.page.ts', import.meta.url));
    ({ value: run, errors } = await inPage<WebGPURun>(js, '__webgpu', true));
  }, 180_000);

  it('reports the mode, no float64 and no synchronous read-back in caps', () => {
    expect(run.caps).toEqual({
      syncRead: false,
      features: ['gpujs', 'webgpu'],
      dtypes: ['float32', 'int32', 'bool'],
      mode: 'webgpu',
    });
  });

  it('queues kernels without awaiting each one; read() awaits the chain', () => {
    // 40 kernels were issued before the first await: they are queued, not run one by one
    expect(run.queuedBeforeRead).toBeGreaterThan(10);
    close(run.chain.got, run.chain.want);
  });

  it('readSync and dataSync are typed errors that say to await t.data()', () => {
    for (const e of [run.readSync, run.dataSync] as Caught[]) {
      expect(e.name).toBe('BackendError');
      expect(e.message).toMatch(/no synchronous read-back/);
      expect(e.message).toMatch(/await t\.data\(\)/);
    }
  });

  it('dispose of a result whose work is pending frees it when done, counted in stats()', () => {
    const { atDispose, afterSync, baseline } = run.dispose;
    expect(atDispose.buffers).toBe(baseline.buffers);
    expect(atDispose.pendingFrees).toBeGreaterThan(0);
    expect(atDispose.textures).toBeGreaterThan(baseline.textures);
    expect(afterSync).toEqual({ ...baseline, pendingFrees: 0, pendingJobs: 0 });
  });

  it('int32 and host-side primitives match the CPU backend, chained in order', () => {
    const h = run.host;
    close(h.randn.got, h.randn.want);
    for (const k of ['argmax', 'cast', 'chained', 'int32', 'partialWrite'] as const)
      expect(h[k].got, k).toEqual(h[k].want);
  });

  it('a failed kernel is a BackendError naming it at the next read, and its dependents fail too', () => {
    const { direct, dependent, next } = run.failed;
    expect(direct?.name).toBe('BackendError');
    expect(direct?.message).toMatch(/kernel 'broken' failed/);
    expect(dependent?.message).toMatch(/kernel 'broken' failed/);
    // reported once: an unrelated read afterwards succeeds
    expect(next).toBeNull();
  });

  it('a lost device makes ops and reads typed errors (no hang)', () => {
    expect(run.lost.read?.name).toBe('BackendError');
    expect(run.lost.read?.message).toMatch(/WebGPU device was lost/);
    expect(run.lost.op?.name).toBe('BackendError');
  });

  it('raises no unhandled rejection', () => {
    expect(run.unhandled).toEqual([]);
    // the broken kernel's WGSL error is logged by gpu.js itself; nothing else may be
    expect(
      errors.filter((e) => !/undefinedName|WGSL|compute shader|CreateShaderModule/i.test(e)),
    ).toEqual([]);
  });

  it('without WebGPU enabled: a BackendError naming why', { timeout: 120_000 }, async () => {
    const { value } = await inPage<Caught | null>(js, '__webgpuUnavailable', false);
    expect(value?.name).toBe('BackendError');
    expect(value?.message).toMatch(/navigator\.gpu|adapter|device could be acquired/);
  });
});
