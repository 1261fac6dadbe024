/**
 * Leaks counted by WebGL itself, not by our own table: in headless Chromium (WebGL2 on
 * SwiftShader) an init script wraps WebGL2RenderingContext's texture and framebuffer calls
 * before gpu.js loads, then a small MLP trains for 5,000 steps on 'gpujs' (tidy per step). After
 * warm-up the live GL textures, framebuffers and texture bytes, Flint's stats() and fl.memory()
 * must stay exactly flat, no kernel may be compiled, and a result kept across later calls of the
 * same kernel must keep its values (gpu.js #590 recycles pipeline outputs unless immutable).
 * FLINT_SKIP_BROWSER_TESTS=1 skips this file.
 */
import { existsSync } from 'node:fs';
import { CHROMIUM_ARGS, DEFAULT_CHROMIUM } from '@flint/conformance/browser-driver';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { LeakRun } from './leak.page.js';
import { bundlePage, servePage } from './page-server.js';

const STEPS = 5000;
const EVERY = 250;
/** Steps before the counts must be flat (the first steps compile kernels and create state). */
const WARMUP = 250;

/**
 * Runs in the page before any script: counts live textures and framebuffers, and the bytes of
 * each texture's level-0 image (tracked through the binding it was specified on), on every
 * WebGL2 context of the page.
 */
const GL_COUNTER = `(() => {
  const c = { textures: 0, framebuffers: 0, textureBytes: 0 };
  globalThis.__glCounts = c;
  const P = WebGL2RenderingContext.prototype;
  const bytesOf = new WeakMap();
  const bound = new WeakMap();
  const texel = (f, type, gl) => {
    if (f === gl.RGBA32F) return 16;
    if (f === gl.R32F) return 4;
    if (f === gl.RGBA16F) return 8;
    if (f === gl.RGBA || f === gl.RGBA8) return type === gl.FLOAT ? 16 : 4;
    return 4;
  };
  const wrap = (name, after) => {
    const orig = P[name];
    P[name] = function (...a) { const r = orig.apply(this, a); after.call(this, r, a); return r; };
  };
  wrap('createTexture', (t) => { if (t) c.textures++; });
  wrap('deleteTexture', function (_, [t]) {
    if (!t || !bytesOf.has(t)) { if (t && !t.__flintDeleted) { c.textures--; t.__flintDeleted = true; } return; }
    c.textures--; c.textureBytes -= bytesOf.get(t); bytesOf.delete(t); t.__flintDeleted = true;
  });
  wrap('bindTexture', function (_, [target, t]) { if (target === this.TEXTURE_2D) bound.set(this, t); });
  const specify = function (w, h, f, type) {
    const t = bound.get(this);
    if (!t) return;
    const b = w * h * texel(f, type, this);
    c.textureBytes += b - (bytesOf.get(t) || 0);
    bytesOf.set(t, b);
  };
  wrap('texImage2D', function (_, a) {
    if (a[0] !== this.TEXTURE_2D || a[1] !== 0 || a.length < 8) return;
    specify.call(this, a[3], a[4], a[2], a[7]);
  });
  wrap('texStorage2D', function (_, a) {
    if (a[0] === this.TEXTURE_2D) specify.call(this, a[2], a[3], a[1], this.FLOAT);
  });
  wrap('createFramebuffer', (f) => { if (f) c.framebuffers++; });
  wrap('deleteFramebuffer', (_, [f]) => { if (f && !f.__flintDeleted) { c.framebuffers--; f.__flintDeleted = true; } });
})();`;

/** Opens the bundled page in Chromium (GL counters installed first) and runs `call` on it. */
async function inPage<T>(
  call: (page: Page) => Promise<T>,
): Promise<{ value: T; errors: string[] }> {
  const server = await servePage(await bundlePage(new URL('./leak.page.ts', import.meta.url)));
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: DEFAULT_CHROMIUM, args: CHROMIUM_ARGS });
  const errors: string[] = [];
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(e.message.slice(0, 300)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text().slice(0, 300));
    });
    await page.addInitScript(GL_COUNTER);
    await page.goto(server.url);
    await page.waitForFunction(() => '__leak' in globalThis, undefined, { timeout: 60_000 });
    return { value: await call(page), errors };
  } finally {
    await browser.close();
    await server.close();
  }
}

const skip = process.env.FLINT_SKIP_BROWSER_TESTS === '1' || !existsSync(DEFAULT_CHROMIUM);

describe.skipIf(skip)('GL-level leak check in Chromium (WebGL2)', () => {
  it(`trains ${STEPS} steps with flat GL and Flint counts`, { timeout: 300_000 }, async () => {
    const { value: run, errors } = await inPage((page) =>
      page.evaluate(
        (o) => (globalThis as unknown as { __leak: (o: unknown) => Promise<LeakRun> }).__leak(o),
        { steps: STEPS, every: EVERY, sizes: [16, 32, 4], batch: 8 },
      ),
    );
    const after = run.samples.filter((s) => s.step >= WARMUP);
    console.log(
      `${STEPS} steps in ${(run.ms / 1e3).toFixed(1)} s on ${run.mode}; samples:\n` +
        run.samples.map((s) => JSON.stringify(s)).join('\n'),
    );
    expect(errors).toEqual([]);
    expect(run.mode).toBe('webgl2');
    expect(after.length).toBeGreaterThan(10);
    const base = after[0]!;
    // the GL resources exist (the counters work) and are the same after warm-up as at the end
    expect(base.gl.textures).toBeGreaterThan(0);
    for (const s of after) {
      expect({ step: s.step, ...s.gl }).toEqual({ step: s.step, ...base.gl });
      expect({ step: s.step, ...s.flint }).toEqual({ step: s.step, ...base.flint });
      expect(s.tensors).toBe(base.tensors);
    }
    // it really trained: the loss fell
    expect(run.samples[run.samples.length - 1]!.loss).toBeLessThan(run.samples[0]!.loss * 0.5);
    expect(run.keptDrift).toEqual({ add: 0, matmul: 0 });
  });

  it('the tiled WebGL matmul matches a float64 reference', { timeout: 120_000 }, async () => {
    const { value, errors } = await inPage((page) =>
      page.evaluate(() =>
        (globalThis as unknown as { __matmul: () => Record<string, number> }).__matmul(),
      ),
    );
    console.log(`error / bound per case: ${JSON.stringify(value)}`);
    expect(errors).toEqual([]);
    for (const [name, ratio] of Object.entries(value)) expect(ratio, name).toBeLessThanOrEqual(1);
  });
});
