/**
 * The 'cuda' device where there is no GPU (issue 10): loading never fails, cudaAvailable()
 * names the cause, cudaBackend() throws a BackendError instead of crashing, the test-only
 * emulated device is never reached from a default build, and bad options are typed errors.
 */
import assert from 'node:assert/strict';
import type { Probe } from '../src/probe.js';

const NATIVE = ['native'] as const;

interface CudaApi {
  cudaAvailable(): { ok: boolean; reason?: string };
  cudaBackend(o?: unknown): unknown;
}
const api = async (): Promise<CudaApi> =>
  (await import('@flint/backend-native')) as unknown as CudaApi;
// What the addon names: built without nvcc, the CUDA runtime's error, or a driver without GPUs.
const CAUSE = /no CUDA support|CUDA error \d+ \(cuda\w+\)|no CUDA device/;

export const probes: Probe[] = [
  {
    id: 'available/names-the-cause',
    devices: NATIVE,
    expect: 'ok',
    run: async () => {
      const r = (await api()).cudaAvailable();
      if (r.ok) return; // a GPU machine
      assert.match(r.reason ?? '', CAUSE);
      assert.ok((r.reason ?? '').length < 300);
    },
  },
  {
    id: 'backend/no-gpu-is-a-backend-error',
    devices: NATIVE,
    expect: 'ok',
    run: async () => {
      const m = await api();
      if (m.cudaAvailable().ok) return; // a GPU machine
      assert.throws(
        () => m.cudaBackend(),
        (e: Error) =>
          e.name === 'BackendError' &&
          /^cudaBackend: no usable CUDA device: /.test(e.message) &&
          CAUSE.test(e.message),
      );
    },
  },
  {
    id: 'backend/emulate-needs-the-emulation-build',
    devices: NATIVE,
    expect: { throws: 'BackendError', match: /not the CUDA emulation build/ },
    run: async () => (await api()).cudaBackend({ emulate: true }),
  },
  {
    id: 'backend/unknown-option',
    devices: NATIVE,
    expect: { throws: 'BackendError', match: /cudaBackend: unknown option 'device'/ },
    run: async () => (await api()).cudaBackend({ device: 1 }),
  },
  {
    id: 'backend/options-not-an-object',
    devices: NATIVE,
    expect: { throws: 'BackendError', match: /options must be an object, got number/ },
    run: async () => (await api()).cudaBackend(3),
  },
  {
    id: 'backend/emulate-not-boolean',
    devices: NATIVE,
    expect: { throws: 'BackendError', match: /emulate must be a boolean, got string/ },
    run: async () => (await api()).cudaBackend({ emulate: 'true' }),
  },
];
