/**
 * The spread of a ratio across separate runs of the bench: one process's numbers say little on
 * a machine whose speed swings from run to run (V8's tiering, GC, neighbours), so a target like
 * "≥ 5× tfjs-cpu" is judged on the worst of several runs, not on the median of good ones.
 */
import type { BenchReport } from '../harness/types.js';

/** One workload in one run: the two adapters' medians and minima and their ratios. */
export interface RunRow {
  run: number;
  workload: string;
  /** Load average (1 min) when the run started and when it ended. */
  load: [number, number];
  subject: { median: number; min: number; reps: number };
  base: { median: number; min: number; reps: number };
  /** base ÷ subject at the medians, and at the minima: above 1 the subject is faster. */
  ratio: number;
  ratioMin: number;
}

export interface Spread {
  workload: string;
  runs: number;
  /** Lowest and highest median-based ratio over the runs. */
  ratio: [number, number];
  ratioMin: [number, number];
}

/** The rows of one run's report for `subject` against `base` (workloads where both ran). */
export function rowsOf(
  rep: BenchReport,
  run: number,
  load: [number, number],
  subject: string,
  base: string,
): RunRow[] {
  const rows: RunRow[] = [];
  for (const r of rep.results) {
    const s = r.cells.find((c) => c.adapter === subject)?.stats;
    const b = r.cells.find((c) => c.adapter === base)?.stats;
    if (!s || !b || !(s.median > 0) || !(s.min > 0)) continue;
    const pick = (x: typeof s) => ({ median: x.median, min: x.min, reps: x.reps });
    rows.push({
      run,
      workload: r.workload.id,
      load,
      subject: pick(s),
      base: pick(b),
      ratio: b.median / s.median,
      ratioMin: b.min / s.min,
    });
  }
  return rows;
}

/** Min–max of each workload's ratios over all runs, in the order workloads first appear. */
export function spreadOf(rows: readonly RunRow[]): Spread[] {
  const by = new Map<string, RunRow[]>();
  for (const r of rows) by.set(r.workload, [...(by.get(r.workload) ?? []), r]);
  return [...by].map(([workload, rs]) => {
    const span = (f: (r: RunRow) => number): [number, number] => [
      Math.min(...rs.map(f)),
      Math.max(...rs.map(f)),
    ];
    return {
      workload,
      runs: rs.length,
      ratio: span((r) => r.ratio),
      ratioMin: span((r) => r.ratioMin),
    };
  });
}

const ms = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

/** A Markdown table of every run and the spread per workload. */
export function renderSpread(rows: readonly RunRow[], subject: string, base: string): string {
  const lines = [
    `| run | load (1 min) | workload | ${subject} median (min) ms | ${base} median (min) ms | ratio (from minima) |`,
    '|---|---|---|---|---|---|',
  ];
  for (const r of rows)
    lines.push(
      `| ${r.run} | ${r.load[0].toFixed(1)}→${r.load[1].toFixed(1)} | ${r.workload} | ` +
        `${ms(r.subject.median)} (${ms(r.subject.min)}), n=${r.subject.reps} | ` +
        `${ms(r.base.median)} (${ms(r.base.min)}), n=${r.base.reps} | ` +
        `${r.ratio.toFixed(2)}× (${r.ratioMin.toFixed(2)}×) |`,
    );
  lines.push('');
  for (const s of spreadOf(rows))
    lines.push(
      `${s.workload}: ${base} ÷ ${subject} over ${s.runs} runs: ` +
        `${s.ratio[0].toFixed(2)}×–${s.ratio[1].toFixed(2)}× (medians), ` +
        `${s.ratioMin[0].toFixed(2)}×–${s.ratioMin[1].toFixed(2)}× (minima)`,
    );
  return lines.join('\n');
}
