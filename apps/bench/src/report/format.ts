/** Number formatting shared by the console log, the markdown table and the chart labels. */
import type { Metric, Workload } from '../harness/types.js';

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
