/**
 * Picks the compute backend for the examples: the fastest one that loads on this machine, or the
 * one named by `--backend` / `FLINT_BACKEND`: the native C++ backend when its addon loads, else
 * the pure TypeScript CPU backend. CUDA and gpu.js go into CANDIDATES when they land, so every
 * example speeds up without changing.
 */
import * as fl from '@flint/core';
import type { Backend } from '@flint/core/backend';
import { cpuBackend } from '@flint/backend-cpu';
import { nativeAvailable, nativeBackend } from '@flint/backend-native';
import { UsageError } from './cli.js';

interface Candidate {
  /** Device name the backend registers under. */
  device: string;
  description: string;
  /** The backend, or null when it cannot run here (no GPU, addon not built…). */
  load(): Promise<Backend<unknown> | null>;
}

/** Fastest first. */
const CANDIDATES: readonly Candidate[] = [
  // Planned: 'cuda' from @flint/backend-native first, 'gpujs' after 'native'.
  {
    device: 'native',
    description: 'native C++ backend (BLAS, threads)',
    load: async () => (nativeAvailable().ok ? (nativeBackend() as Backend<unknown>) : null),
  },
  {
    device: 'cpu',
    description: 'pure TypeScript CPU backend',
    load: async () => cpuBackend() as Backend<unknown>,
  },
];

export interface BackendChoice {
  device: string;
  description: string;
}

/** Device names pickBackend knows, fastest first. */
export const BACKENDS: readonly string[] = CANDIDATES.map((c) => c.device);

/**
 * Register (once) and select the preferred backend as the default device.
 * @param prefer a device name from BACKENDS; default: the fastest that loads.
 */
export async function pickBackend(prefer?: string): Promise<BackendChoice> {
  const order = prefer ? CANDIDATES.filter((c) => c.device === prefer) : CANDIDATES;
  if (prefer && order.length === 0)
    throw new UsageError(`unknown backend '${prefer}' (available: ${BACKENDS.join(', ')})`);
  for (const c of order) {
    if (fl.listDevices().includes(c.device)) {
      fl.setDefaultDevice(c.device);
      return { device: c.device, description: c.description };
    }
    const backend = await c.load().catch(() => null);
    if (!backend) continue;
    fl.use(backend);
    return { device: c.device, description: c.description };
  }
  throw new UsageError(
    prefer ? `backend '${prefer}' cannot run on this machine` : 'no backend could be loaded',
  );
}
