import { defineConfig } from 'vitest/config';

// The examples run on the built packages (turbo builds dependencies before `test`). Each data test
// trains a real model on a reduced set; they are sized to finish in about a minute on 2 cores.
export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Training runs are CPU-bound: more workers than cores only slows every test down.
    maxWorkers: 2,
  },
});
