import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
    // The quick run loads Python peers; a loaded 2-core CI machine makes that seconds.
    testTimeout: 90_000,
  },
});
