/**
 * The `fl.save` side of the model-page test: the examples' CNN weights (trained by PyTorch) read
 * with Flint in Node and written again by `fl.save`, and each tensor's statistics computed in
 * plain JavaScript (float64), independently of Flint's reductions, for the page's table.
 */
import { fileURLToPath } from 'node:url';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';

const CNN = fileURLToPath(new URL('../../examples/fixtures/cnn.safetensors', import.meta.url));

export interface Stats {
  bytes: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  std: number | null;
}

/** min, max, mean and sample std (n − 1, as torch.std) of the values, in float64. */
export function jsStats(values: ArrayLike<number>, bytesPerElement: number): Stats {
  const n = values.length;
  if (n === 0) return { bytes: 0, min: null, max: null, mean: null, std: null };
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (values[i]! - mean) ** 2;
  return {
    bytes: n * bytesPerElement,
    min,
    max,
    mean,
    std: n > 1 ? Math.sqrt(sq / (n - 1)) : null,
  };
}

/** Writes the CNN's state dict to `path` with fl.save; returns each tensor's statistics. */
export async function flSavedCnn(path: string): Promise<Record<string, Stats>> {
  if (!fl.listDevices().includes('cpu')) fl.use(cpuBackend());
  const sd = await fl.load(CNN);
  try {
    await fl.save(sd, path);
    const out: Record<string, Stats> = {};
    for (const [name, t] of Object.entries(sd))
      out[name] = jsStats(t.dataSync() as Float32Array, 4);
    return out;
  } finally {
    for (const t of Object.values(sd)) t.dispose();
  }
}
