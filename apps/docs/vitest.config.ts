import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { resolveFromDocsPackage } from '../../docs/.vitepress/resolve.mjs';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// The docs' tests run on the built packages (turbo builds dependencies first); the support-matrix
// check also needs the backends' conformance reports of the same run (apps/docs/turbo.json).
export default defineConfig({
  // The site's theme (docs/.vitepress/theme, tested in test/site-parts.test.ts) imports @flint/*,
  // which resolve from this package, as in the VitePress build.
  plugins: [resolveFromDocsPackage(here('../../docs'), here('package.json'))],
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    maxWorkers: 2,
  },
});
