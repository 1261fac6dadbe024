/**
 * The runner. Every adapter runs every workload in the same process run, and repetitions are
 * interleaved round-robin across adapters (A1 B1 C1 A2 B2 C2 …), so a burst of load from
 * elsewhere on a noisy machine hits all of them alike and the ratios stay fair.
 */
import type { Mode } from '../workloads.js';
import { finish, summarize } from './stats.js';
import { Skip } from './types.js';
import type {
  Adapter,
  AdapterRecord,
  Cell,
  Family,
  Policy,
  Runner,
  Workload,
  WorkloadResult,
} from './types.js';

export const POLICIES: Record<Mode, Policy> = {
  quick: {
    warmup: 1,
    minReps: 3,
    maxReps: 3,
    budgetMs: 0,
    slowMs: Infinity,
    slowReps: 3,
    coldOnlyMs: Infinity,
    maxPredictedMs: Infinity,
  },
  full: {
    warmup: 2,
    minReps: 7,
    maxReps: 40,
    budgetMs: 1500,
    slowMs: 1500,
    slowReps: 3,
    coldOnlyMs: 12_000,
    maxPredictedMs: 30_000,
  },
};

export type Log = (line: string) => void;

/** Per adapter and family, the latest FLOP rate measured (FLOP per ms) and where it came from. */
export type Rates = Map<string, Map<Family, { perMs: number; from: string }>>;

/** The slowest run time the measured rates predict for `w` on `adapter`, if any applies. */
function predict(
  w: Workload,
  adapter: string,
  rates: Rates,
): { ms: number; from: string } | undefined {
  if (w.work?.unit !== 'FLOP') return undefined;
  let worst: { ms: number; from: string } | undefined;
  for (const f of w.estimateFrom ?? [w.spec.family]) {
    const r = rates.get(adapter)?.get(f);
    const ms = r ? w.work.amount / r.perMs : 0;
    if (r && (!worst || ms > worst.ms)) worst = { ms, from: r.from };
  }
  return worst;
}

function record(r: WorkloadResult, rates: Rates): void {
  const w = r.workload;
  if (w.work?.unit !== 'FLOP') return;
  for (const c of r.cells) {
    if (!c.stats) continue;
    if (!rates.has(c.adapter)) rates.set(c.adapter, new Map());
    rates
      .get(c.adapter)!
      .set(w.spec.family, { perMs: w.work.amount / c.stats.median, from: w.title });
  }
}

interface Live {
  adapter: Adapter;
  runner: Runner;
  reps: number;
  warmup: number;
  samples: number[];
  cell: Cell;
}

export function reason(e: unknown): { skip: string; error?: boolean } {
  if (e instanceof Skip) return { skip: e.message };
  const msg = e instanceof Error ? e.message : String(e);
  return { skip: `failed: ${msg.split('\n')[0]!.slice(0, 200)}`, error: true };
}

/** Wall time of one run (which decides the repetitions), and the run's own measurement. */
async function timedRun(r: Runner): Promise<{ wallMs: number; value: number }> {
  const t = performance.now();
  const value = await r.run();
  return { wallMs: performance.now() - t, value };
}

/** Prepare and warm one adapter up; decides how many repetitions it gets. */
async function warm(a: Adapter, w: Workload, p: Policy): Promise<Live> {
  const runner = await a.prepare(w.spec);
  const live: Live = {
    adapter: a,
    runner,
    reps: 0,
    warmup: 1,
    samples: [],
    cell: { adapter: a.id },
  };
  try {
    const cold = await timedRun(runner);
    let last = cold.wallMs;
    if (w.metric === 'bytes') {
      live.reps = 3; // deterministic: a few runs only confirm it
    } else if (last > p.coldOnlyMs) {
      live.warmup = 0;
      live.samples.push(cold.value);
    } else if (last > p.slowMs) {
      live.reps = p.slowReps;
    } else {
      for (; live.warmup < p.warmup; live.warmup++) last = (await timedRun(runner)).wallMs;
      const want = p.budgetMs > 0 ? Math.ceil(p.budgetMs / Math.max(last, 1e-3)) : p.minReps;
      live.reps = Math.min(p.maxReps, Math.max(p.minReps, want));
    }
  } catch (e) {
    await runner.dispose();
    throw e;
  }
  return live;
}

export async function runWorkload(
  w: Workload,
  adapters: readonly Adapter[],
  records: readonly AdapterRecord[],
  p: Policy,
  rates: Rates = new Map(),
): Promise<WorkloadResult> {
  const cells: Cell[] = [];
  const live: Live[] = [];
  for (const a of adapters) {
    const rec = records.find((r) => r.id === a.id);
    if (rec?.skip) {
      cells.push({ adapter: a.id, skip: rec.skip });
      continue;
    }
    const est = predict(w, a.id, rates);
    if (est && est.ms > p.maxPredictedMs) {
      const s = (ms: number) => `${(ms / 1e3).toFixed(0)} s`;
      const skip = `predicted ${s(est.ms)} a run from its rate on ${est.from} (limit ${s(p.maxPredictedMs)})`;
      cells.push({ adapter: a.id, skip });
      continue;
    }
    try {
      const l = await warm(a, w, p);
      live.push(l);
      cells.push(l.cell);
    } catch (e) {
      cells.push({ adapter: a.id, ...reason(e) });
    }
  }
  const rounds = Math.max(0, ...live.map((l) => l.reps));
  for (let r = 0; r < rounds; r++)
    for (const l of live) {
      if (r >= l.reps || l.cell.skip) continue;
      try {
        l.samples.push(await l.runner.run());
      } catch (e) {
        Object.assign(l.cell, reason(e));
      }
    }
  for (const l of live) {
    await l.runner.dispose();
    if (!l.cell.skip && l.samples.length > 0) l.cell.stats = summarize(l.samples, l.warmup);
  }
  const result = finish(w, cells, adapters);
  record(result, rates);
  return result;
}

/** Load every adapter (in parallel: the Python peers take seconds to import). */
export async function initAdapters(adapters: readonly Adapter[]): Promise<AdapterRecord[]> {
  return Promise.all(
    adapters.map(async (a): Promise<AdapterRecord> => {
      const rec = { id: a.id, label: a.label, role: a.role, extra: a.extra ?? false };
      try {
        return { ...rec, info: await a.init() };
      } catch (e) {
        return { ...rec, skip: reason(e).skip };
      }
    }),
  );
}
