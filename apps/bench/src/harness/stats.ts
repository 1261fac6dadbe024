/** Summaries of repetitions, throughput and the ratios against the best peer. */
import type { Adapter, Cell, Stats, Workload, WorkloadResult } from './types.js';

export function summarize(samples: number[], warmup: number): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]!, reps: s.length, warmup, samples };
}

/** GFLOP/s for FLOP work, items per second otherwise; undefined for memory workloads. */
export function throughput(w: Workload, median: number): number | undefined {
  if (!w.work || w.metric !== 'ms' || median <= 0) return undefined;
  return w.work.unit === 'FLOP' ? w.work.amount / (median * 1e6) : w.work.amount / (median / 1e3);
}

/**
 * Fill in throughput, the best peer and each cell's ratio to it. Lower is better for both
 * metrics (time, bytes), so the ratio best ÷ this reads "× as fast (or as lean) as the best peer".
 */
export function finish(w: Workload, cells: Cell[], adapters: readonly Adapter[]): WorkloadResult {
  const byId = new Map(adapters.map((a) => [a.id, a]));
  let best: Cell | undefined;
  for (const c of cells) {
    if (!c.stats) continue;
    c.throughput = throughput(w, c.stats.median);
    const a = byId.get(c.adapter);
    if (a?.role === 'peer' && !a.extra && (!best || c.stats.median < best.stats!.median)) best = c;
  }
  if (best)
    for (const c of cells)
      if (c.stats && c.stats.median > 0) c.vsBestPeer = best.stats!.median / c.stats.median;
  return { workload: w, cells, bestPeer: best?.adapter };
}

/** `a` median ÷ `b` median on one workload: how many times faster b is than a. */
export function speedup(
  r: WorkloadResult | undefined,
  slow: string,
  fast: string,
  at: 'median' | 'min' = 'median',
): number | undefined {
  const s = r?.cells.find((c) => c.adapter === slow)?.stats;
  const f = r?.cells.find((c) => c.adapter === fast)?.stats;
  return s && f && f[at] > 0 ? s[at] / f[at] : undefined;
}
