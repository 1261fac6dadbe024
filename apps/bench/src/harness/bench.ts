/** One benchmark run: load the adapters, run the workloads interleaved, judge the targets. */
import os from 'node:os';
import { targets, workloads, type Mode } from '../workloads.js';
import {
  fmtRatio,
  fmtTargetRule,
  fmtTargetValue,
  fmtThroughput,
  fmtValue,
} from '../report/format.js';
import { machineInfo } from './machine.js';
import { POLICIES, initAdapters, runWorkload, type Log, type Rates } from './run.js';
import { judge } from './judge.js';
import { profileWorkloads, type ProfileOptions, type ProfileSummary } from './profile.js';
import type {
  Adapter,
  AdapterRecord,
  BenchReport,
  Policy,
  Target,
  Workload,
  WorkloadResult,
} from './types.js';

export interface BenchOptions {
  mode: Mode;
  adapters: Adapter[];
  /** Run only workloads whose id starts with one of these. */
  only?: string[];
  policy?: Policy;
  log?: Log;
  /** CPU-profile the MLP and LSTM steps after the timed runs (default true). */
  profile?: boolean;
}

/** Profiling effort per adapter and workload: enough samples for stable shares in a full run. */
const PROFILE: Record<Mode, ProfileOptions> = {
  quick: { budgetMs: 100, minSteps: 2, maxSteps: 20, intervalUs: 100 },
  full: { budgetMs: 2000, minSteps: 5, maxSteps: 1000, intervalUs: 100 },
};

/**
 * The training steps whose time is split by profile (docs/benchmarks.md's "where the time
 * goes"): the MLP step at its smallest batch and the LSTM step, where they were run.
 */
function profiled(results: readonly WorkloadResult[]): Workload[] {
  const ws = results.map((r) => r.workload);
  const mlp = ws
    .filter((w) => w.spec.family === 'mlpStep')
    .sort((a, b) => batchOf(a) - batchOf(b))[0];
  const lstm = ws.find((w) => w.spec.family === 'lstmStep');
  return [mlp, lstm].filter((w): w is Workload => w !== undefined);
}

const batchOf = (w: Workload) => (w.spec.family === 'mlpStep' ? w.spec.batch : 0);

function logProfiles(ps: readonly ProfileSummary[], log: Log): void {
  for (const p of ps) {
    log(`profile: ${p.title}`);
    for (const r of p.rows) {
      const parts = Object.entries(r.ms).map(
        ([c, ms]) => `${c} ${((100 * ms) / r.msPerStep).toFixed(0)}%`,
      );
      log(`  ${r.adapter.padEnd(16)} ${r.msPerStep.toFixed(3)} ms/step: ${parts.join(', ')}`);
    }
    for (const s of p.skipped) log(`  ${s.adapter.padEnd(16)} not profiled: ${s.reason}`);
  }
}

function logAdapters(records: readonly AdapterRecord[], log: Log): void {
  for (const r of records) {
    const what = r.skip
      ? `skipped: ${r.skip}`
      : `${r.info!.version}, ${r.info!.threads} thread(s)${r.info!.notes?.length ? `; ${r.info!.notes.join('; ')}` : ''}`;
    log(`  ${r.id.padEnd(16)} ${what}`);
  }
}

function logResult(r: WorkloadResult, seconds: number, log: Log): void {
  log(
    `${r.workload.title}${r.bestPeer ? `  (best peer: ${r.bestPeer})` : ''}  [${seconds.toFixed(1)} s]`,
  );
  for (const c of r.cells) {
    if (!c.stats) {
      log(`  ${c.adapter.padEnd(16)} skipped: ${c.skip ?? 'no samples'}`);
      continue;
    }
    const m = r.workload.metric;
    const s = c.stats;
    const range = `[${fmtValue(m, s.min)} … ${fmtValue(m, s.max)}] n=${s.reps}`;
    const tp = fmtThroughput(r.workload, c.throughput);
    const vs = c.vsBestPeer !== undefined ? `${fmtRatio(c.vsBestPeer)} best peer` : '';
    log(
      `  ${c.adapter.padEnd(16)} ${fmtValue(m, s.median).padStart(9)}  ${range.padEnd(30)} ${tp.padEnd(16)} ${vs}`,
    );
  }
}

function verdict(t: Target): string {
  if (t.measured === undefined) return `not measured (${t.note})`;
  const min =
    t.measuredMin !== undefined ? ` (from minima ${fmtTargetValue(t, t.measuredMin)})` : '';
  const result = t.pass === undefined ? `(${t.note})` : t.pass ? 'PASS' : 'FAIL';
  return `${fmtTargetValue(t, t.measured)}${min} ${result}`;
}

export async function runBench(o: BenchOptions): Promise<BenchReport> {
  const log = o.log ?? (() => {});
  const t0 = performance.now();
  const load = os.loadavg();
  const date = new Date().toISOString();
  log(`flint bench (${o.mode}): loading adapters`);
  const records = await initAdapters(o.adapters);
  logAdapters(records, log);
  log(`adapters ready in ${((performance.now() - t0) / 1e3).toFixed(1)} s`);
  const policy = o.policy ?? POLICIES[o.mode];
  const results: WorkloadResult[] = [];
  const rates: Rates = new Map();
  let profiles: ProfileSummary[] | undefined;
  try {
    for (const w of workloads(o.mode)) {
      if (o.only && !o.only.some((p) => w.id.startsWith(p))) continue;
      const t = performance.now();
      const r = await runWorkload(w, o.adapters, records, policy, rates);
      results.push(r);
      logResult(r, (performance.now() - t) / 1e3, log);
    }
    // After every timed repetition: profiling never overlaps a measurement.
    const ws = o.profile === false ? [] : profiled(results);
    if (ws.length > 0) {
      profiles = await profileWorkloads(ws, o.adapters, records, PROFILE[o.mode]);
      logProfiles(profiles, log);
    }
  } finally {
    await Promise.all(o.adapters.map((a) => a.close().catch(() => {})));
  }
  const judged = judge(targets(o.mode), results, o.mode);
  for (const t of judged) log(`target ${fmtTargetRule(t)} on ${t.title}: ${verdict(t)}`);
  return {
    mode: o.mode,
    policy,
    date,
    durationS: (performance.now() - t0) / 1e3,
    machine: machineInfo(load),
    adapters: records,
    results,
    targets: judged,
    ...(profiles ? { profiles } : {}),
  };
}
