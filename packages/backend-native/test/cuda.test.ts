/**
 * The 'cuda' device where there is no GPU (every CI and development machine): the addon loads,
 * cudaAvailable() says why there is no device, and cudaBackend() throws a BackendError naming
 * the cause instead of crashing. Runs against the default build, with or without nvcc.
 */
import { BackendError } from '@flint/core/backend';
import { describe, expect, it } from 'vitest';
import { cudaAvailable, cudaBackend, cudaMemoryStats, nativeBackend } from '../src/index.js';

const emulated = process.env.FLINT_CUDA_SUITE_EMULATE === '1';
// The causes the addon names: built without nvcc; the CUDA runtime's error (35: no driver,
// 100: no device, …); a driver reporting 0 GPUs.
const CAUSE = /no CUDA support \(nvcc was not found|CUDA error \d+ \(cuda\w+\)|no CUDA device/;

describe.skipIf(emulated)('cuda without a GPU', () => {
  it('cudaAvailable() reports the cause and never throws', () => {
    const r = cudaAvailable();
    if (r.ok) return; // a GPU machine: test:cuda covers it
    expect(r.reason).toMatch(CAUSE);
    expect(r.reason.length).toBeLessThan(300);
  });

  it('cudaBackend() throws a BackendError naming the cause', () => {
    const r = cudaAvailable();
    if (r.ok) return;
    expect(() => cudaBackend()).toThrow(BackendError);
    expect(() => cudaBackend()).toThrow(/^cudaBackend: no usable CUDA device: /);
    expect(() => cudaBackend()).toThrow(CAUSE);
  });

  it('the emulated device is never used without the emulation build', () => {
    expect(() => cudaBackend({ emulate: true })).toThrow(/not the CUDA emulation build/);
  });

  it('rejects bad options with typed errors', () => {
    expect(() => cudaBackend({ bogus: 1 } as unknown as object)).toThrow(
      /cudaBackend: unknown option 'bogus'/,
    );
    expect(() => cudaBackend(null as unknown as object)).toThrow(/options must be an object/);
    expect(() => cudaBackend({ name: '' })).toThrow(/name must be a non-empty string/);
    expect(() => cudaBackend({ emulate: 'yes' } as unknown as object)).toThrow(
      /emulate must be a boolean, got string/,
    );
  });

  it('cudaMemoryStats() rejects other backends', () => {
    const b = nativeBackend({ name: 'native-stats' });
    try {
      expect(() => cudaMemoryStats(b)).toThrow(/expected a backend made by cudaBackend/);
    } finally {
      b.dispose();
    }
  });
});
