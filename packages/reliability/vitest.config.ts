import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    // Each category runs in child processes with their own time limits (src/runner.ts).
    testTimeout: 600_000,
  },
});
