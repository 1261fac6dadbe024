import { defineConfig } from 'vitest/config';

// The docs' tests run on the built packages (turbo builds dependencies first); the support-matrix
// check also needs the backends' conformance reports of the same run (apps/docs/turbo.json).
export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    maxWorkers: 2,
  },
});
