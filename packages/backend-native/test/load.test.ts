/**
 * Importing the package never fails: when the addon cannot load, nativeAvailable() says why and
 * nativeBackend() throws a BackendError that says how to fix it.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

describe('loading the addon', () => {
  afterEach(() => {
    delete process.env.FLINT_NATIVE_ADDON;
    vi.resetModules();
  });

  it('explains a missing addon instead of failing the import', async () => {
    process.env.FLINT_NATIVE_ADDON = '/nonexistent/flint_native.node';
    vi.resetModules();
    const mod = await import('../src/index.js');
    const status = mod.nativeAvailable();
    expect(status.ok).toBe(false);
    expect(!status.ok && status.reason).toMatch(/does not exist.*build:addon.*libopenblas-dev/s);
    expect(() => mod.nativeBackend()).toThrow(/could not be loaded/);
    const { BackendError } = await import('@flint/core/backend');
    expect(() => mod.nativeBackend()).toThrow(BackendError);
  });

  it('explains a file that is not an addon', async () => {
    process.env.FLINT_NATIVE_ADDON = new URL('../package.json', import.meta.url).pathname;
    vi.resetModules();
    const mod = await import('../src/index.js');
    const status = mod.nativeAvailable();
    expect(status.ok).toBe(false);
    expect(!status.ok && status.reason).toMatch(/could not be loaded/);
  });

  it('loads the built addon and reports its GEMM', async () => {
    const mod = await import('../src/index.js');
    expect(mod.nativeAvailable()).toEqual({ ok: true });
    const { gemm, gemmFloat32 } = mod.nativeInfo();
    expect(['openblas', 'cblas', 'builtin']).toContain(gemm);
    // float32 takes the built-in kernel where it is faster on this CPU, else the build's BLAS
    if (gemm === 'builtin') expect(gemmFloat32).toMatch(/^builtin-avx(512|2)$/);
    else expect([gemm, 'builtin-avx512', 'builtin-avx2']).toContain(gemmFloat32);
  });
});
