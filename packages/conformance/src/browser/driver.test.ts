/**
 * The browser driver's own checks (they need Debian's chromium; FLINT_SKIP_BROWSER_TESTS=1 skips
 * them): what Chromium offers GPU backends from 127.0.0.1, and that a Node built-in reachable
 * from the page fails the bundle instead of reaching the browser.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundlePage } from './bundle.js';
import { browserInfo } from './driver.js';

describe.skipIf(process.env.FLINT_SKIP_BROWSER_TESTS === '1')('browser driver', () => {
  it(
    'Chromium offers WebGL2 with float color buffers, and WebGPU on SwiftShader with the flag',
    {
      timeout: 120_000,
    },
    async () => {
      const info = await browserInfo({ webgpu: true });
      expect(info.userAgent).toMatch(/HeadlessChrome/);
      expect(info.webgl2?.colorBufferFloat).toBe(true);
      expect(info.webgl2?.renderer).toMatch(/SwiftShader/i);
      expect(info.webgpu?.architecture).toBe('swiftshader');
      expect((await browserInfo()).webgpu).toBeNull(); // no flag, no adapter
    },
  );
});

describe('bundlePage', () => {
  it('refuses a Node built-in reachable from the page, naming it and its importer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flint-bundle-'));
    const mod = join(dir, 'backend.js');
    writeFileSync(mod, "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n");
    await expect(bundlePage({ module: mod, resolveDir: dir })).rejects.toThrow(
      /Node built-in 'node:fs' imported by .*backend\.js/,
    );
  });
});
