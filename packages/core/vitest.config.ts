import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    // Behaviour tests of core (test/) run on the reference CPU backend. Core must not depend on a
    // backend package (that would be a cycle), so its sources are aliased for tests only.
    alias: [
      { find: /^@flint\/core\/backend$/, replacement: src('./src/backend/index.ts') },
      // Tests run in Node, so they get what Node resolves (the `node` export conditions).
      { find: /^@flint\/core(\/node)?$/, replacement: src('./src/node.ts') },
      { find: /^#platform$/, replacement: src('./src/platform/node.ts') },
      { find: /^@flint\/backend-cpu$/, replacement: src('../backend-cpu/src/index.ts') },
    ],
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
