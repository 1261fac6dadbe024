/** Judging the targets against a run's results: relative (vs a peer) or absolute (per unit). */
import type { Mode } from '../workloads.js';
import { speedup } from './stats.js';
import type { RatioTarget, Target, WorkloadResult } from './types.js';

/** Why a target has no number: the reasons of the adapters it needs that did not run. */
function whyNotMeasured(t: Target, r: WorkloadResult | undefined): string {
  if (!r) return 'workload not run';
  const ids = t.kind === 'ratio' ? [t.adapter, ...peersOf(t)] : [t.adapter];
  const why = ids.flatMap((id) => {
    const c = r.cells.find((x) => x.adapter === id);
    if (!c) return [`${id}: not in this run`];
    return c.stats ? [] : [`${id}: ${c.skip ?? 'no samples'}`];
  });
  return why.length > 0 ? why.join('; ') : 'no samples';
}

const peersOf = (t: RatioTarget): readonly string[] =>
  typeof t.against === 'string' ? [t.against] : t.against;

/** The ratio to the fastest of the target's peers that ran (the smallest peer ÷ Flint ratio). */
function ratio(t: RatioTarget, r: WorkloadResult | undefined, at: 'median' | 'min') {
  const all = peersOf(t).map((p) => speedup(r, p, t.adapter, at));
  const ran = all.filter((v): v is number => v !== undefined);
  return ran.length > 0 ? Math.min(...ran) : undefined;
}

/** The median-based and min-based values a target is judged on, when both sides ran. */
function measure(t: Target, r: WorkloadResult | undefined) {
  if (t.kind === 'ratio')
    return { measured: ratio(t, r, 'median'), measuredMin: ratio(t, r, 'min') };
  const s = r?.cells.find((c) => c.adapter === t.adapter)?.stats;
  const work = r?.workload.work;
  // A limit per op means nothing against a workload that counts something else.
  if (!s || !work || work.unit !== t.unit) return { measured: undefined, measuredMin: undefined };
  return { measured: s.median / work.amount, measuredMin: s.min / work.amount };
}

/** Targets are judged on full runs only: quick sizes are far too small to mean anything. */
export function judge(list: Target[], results: readonly WorkloadResult[], mode: Mode): Target[] {
  return list.map((t): Target => {
    const r = results.find((x) => x.workload.id === t.workload);
    const { measured, measuredMin } = measure(t, r);
    if (measured === undefined) return { ...t, note: whyNotMeasured(t, r) };
    const m = { ...t, measured, measuredMin };
    if (mode === 'quick') return { ...m, note: 'quick mode: not judged' };
    if (t.kind !== 'ratio') return { ...m, pass: measured <= t.limitMs };
    const judged = t.judgeOn === 'min' ? measuredMin : measured;
    return { ...m, pass: judged !== undefined && judged >= t.factor };
  });
}
