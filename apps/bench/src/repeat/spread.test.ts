import { describe, expect, it } from 'vitest';
import type { BenchReport, Cell } from '../harness/types.js';
import { renderSpread, rowsOf, spreadOf } from './spread.js';

const stats = (median: number, min: number) => ({
  median,
  min,
  max: median * 2,
  reps: 5,
  warmup: 1,
  samples: [min, median],
});

/** A report with just enough of the shape for rowsOf: workload ids and cells. */
function report(cells: Record<string, Cell[]>): BenchReport {
  const results = Object.entries(cells).map(([id, cs]) => ({ workload: { id }, cells: cs }));
  return { results } as unknown as BenchReport;
}

describe('bench repeat spread', () => {
  it('takes base ÷ subject at the medians and at the minima, skipping rows either lacks', () => {
    const rep = report({
      'matmul-1024': [
        { adapter: 'flint-cpu', stats: stats(500, 400) },
        { adapter: 'tfjs-cpu', stats: stats(3000, 2800) },
      ],
      'mlp-step-64': [
        { adapter: 'flint-cpu', stats: stats(20, 10) },
        { adapter: 'tfjs-cpu', skip: 'not installed' },
      ],
    });
    const rows = rowsOf(rep, 1, [1, 2], 'flint-cpu', 'tfjs-cpu');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.ratio).toBe(6);
    expect(rows[0]!.ratioMin).toBe(7);
  });

  it('reports the lowest and highest ratio of each workload over the runs', () => {
    const run = (i: number, fl: number) =>
      rowsOf(
        report({
          'matmul-1024': [
            { adapter: 'flint-cpu', stats: stats(fl, fl) },
            { adapter: 'tfjs-cpu', stats: stats(3000, 3000) },
          ],
        }),
        i,
        [0, 0],
        'flint-cpu',
        'tfjs-cpu',
      );
    const rows = [...run(1, 500), ...run(2, 1000), ...run(3, 600)];
    expect(spreadOf(rows)).toEqual([
      { workload: 'matmul-1024', runs: 3, ratio: [3, 6], ratioMin: [3, 6] },
    ]);
    expect(renderSpread(rows, 'flint-cpu', 'tfjs-cpu')).toContain('3.00×–6.00× (medians)');
  });
});
