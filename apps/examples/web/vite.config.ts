import { defineConfig } from 'vite';

// The examples page (`pnpm --filter @flint/examples web` serves it, `web:build` builds it into
// web/dist). The worker imports core and the backends, so it is an ES-module worker.
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  worker: { format: 'es' },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 2000 },
});
