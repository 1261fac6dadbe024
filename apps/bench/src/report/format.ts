/** Number formatting shared by the console log, the markdown table and the chart labels. */
import type { Metric, Target, Workload } from '../harness/types.js';

const sig = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

export function fmtValue(metric: Metric, v: number): string {
  if (metric === 'bytes') {
    if (v >= 2 ** 20) return `${sig(v / 2 ** 20)} MiB`;
    return v >= 1024 ? `${sig(v / 1024)} KiB` : `${v.toFixed(0)} B`;
  }
  if (v < 1) return `${sig(v * 1e3)} µs`;
  return v < 1e3 ? `${sig(v)} ms` : `${sig(v / 1e3)} s`;
}

function si(v: number): string {
  if (v >= 1e9) return `${sig(v / 1e9)} G`;
  if (v >= 1e6) return `${sig(v / 1e6)} M`;
  return v >= 1e3 ? `${sig(v / 1e3)} k` : `${sig(v)} `;
}

export function fmtThroughput(w: Workload, t: number | undefined): string {
  if (t === undefined || !w.work) return '';
  if (w.work.unit === 'FLOP') return `${sig(t)} GFLOP/s`;
  return `${si(t)}${w.work.unit}/s`;
}

export function fmtRatio(r: number | undefined): string {
  if (r === undefined) return '';
  return `${r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r.toFixed(2)}×`;
}

/** A required factor as written in the issue (1.25×, 0.83×), not rounded like a measurement. */
const fmtFactor = (f: number) => `${Number(f.toFixed(2))}×`;

/** What a target asks, in words: `flint-native ≥ 1.25× faster than torch-1t`, `… ≤ 3.00 µs per op`. */
export function fmtTargetRule(t: Target): string {
  if (t.kind === 'max-per-unit') return `${t.adapter} ≤ ${fmtValue('ms', t.limitMs)} per ${t.unit}`;
  const peer = typeof t.against === 'string' ? t.against : `the best of ${t.against.join(', ')}`;
  const on = t.judgeOn === 'min' ? ' (judged on minima)' : '';
  if (t.factor === 1) return `${t.adapter} at least as fast as ${peer}${on}`;
  if (t.factor > 1) return `${t.adapter} ≥ ${fmtFactor(t.factor)} faster than ${peer}${on}`;
  // Below 1× reads better as a time budget: "at most 1.2× the peer's time".
  return `${t.adapter} ≥ ${fmtFactor(t.factor)} ${peer}'s speed (≤ ${fmtFactor(1 / t.factor)} its time)${on}`;
}

/** A target's measured value (median- or min-based): a ratio, or a time per unit. */
export function fmtTargetValue(t: Target, v: number | undefined): string {
  if (v === undefined) return '';
  return t.kind === 'ratio' ? fmtRatio(v) : `${fmtValue('ms', v)}/${t.unit}`;
}
