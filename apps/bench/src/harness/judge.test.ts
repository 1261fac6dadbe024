import { describe, expect, it } from 'vitest';
import { fmtTargetRule, fmtTargetValue } from '../report/format.js';
import { judge } from './judge.js';
import { summarize } from './stats.js';
import type { Cell, RatioTarget, Target, WorkloadResult } from './types.js';

const cell = (adapter: string, ...samples: number[]): Cell => ({
  adapter,
  stats: summarize(samples, 1),
});

const dispatch: WorkloadResult = {
  workload: {
    id: 'dispatch',
    title: '1000 tiny adds',
    group: 'overhead',
    spec: { family: 'dispatch', ops: 1000, size: 4 },
    metric: 'ms',
    work: { amount: 1000, unit: 'op' },
  },
  cells: [cell('native', 2.5, 2, 4), { adapter: 'slow', skip: 'no kernel' }],
};
const matmul: WorkloadResult = {
  workload: {
    id: 'matmul-1024',
    title: 'matmul 1024²',
    group: 'matmul',
    spec: { family: 'matmul', n: 1024 },
    metric: 'ms',
  },
  cells: [cell('native', 11, 10, 12), cell('numpy', 10, 9, 11)],
};

const ratio = (factor: number, against = 'numpy'): RatioTarget => ({
  kind: 'ratio',
  title: 'matmul',
  workload: 'matmul-1024',
  adapter: 'native',
  against,
  factor,
});
const perOp = (limitMs: number, adapter = 'native'): Target => ({
  kind: 'max-per-unit',
  title: 'tiny adds',
  workload: 'dispatch',
  adapter,
  limitMs,
  unit: 'op',
});

describe('judge', () => {
  it('judges a ratio as peer median ÷ Flint median against the factor', () => {
    const [ok, bad] = judge([ratio(0.9), ratio(1)], [matmul], 'full');
    expect(ok!.measured).toBeCloseTo(10 / 11);
    expect(ok!.measuredMin).toBeCloseTo(9 / 10);
    expect(ok!.pass).toBe(true);
    expect(bad!.pass).toBe(false);
  });

  it('holds a ratio to the fastest of several peers, ignoring those that did not run', () => {
    const withOrt = { ...matmul, cells: [...matmul.cells, cell('ort', 5, 4, 6)] };
    const t: Target = { ...ratio(1), against: ['numpy', 'ort', 'absent'] };
    const [r] = judge([t], [withOrt], 'full');
    expect(r!.measured).toBeCloseTo(5 / 11);
    expect(r!.measuredMin).toBeCloseTo(4 / 10);
    expect(r!.pass).toBe(false);
    expect(fmtTargetRule(t)).toBe('native at least as fast as the best of numpy, ort, absent');
  });

  it('judges on minima where the target says so', () => {
    // The medians (10 vs 11) say slower; the minima (9 vs 8) say faster, and decide.
    const fastMin = { ...matmul, cells: [cell('native', 11, 8, 12), cell('numpy', 10, 9, 11)] };
    const t: Target = { ...ratio(1), judgeOn: 'min' };
    const [r] = judge([t], [fastMin], 'full');
    expect(r!.measured).toBeCloseTo(10 / 11);
    expect(r!.measuredMin).toBeCloseTo(9 / 8);
    expect(r!.pass).toBe(true);
    expect(fmtTargetRule(t)).toContain('(judged on minima)');
  });

  it('judges a per-unit limit as median ÷ work amount', () => {
    const [ok, bad] = judge([perOp(3e-3), perOp(2e-3)], [dispatch], 'full');
    expect(ok!.measured).toBeCloseTo(2.5e-3);
    expect(ok!.measuredMin).toBeCloseTo(2e-3);
    expect(ok!.pass).toBe(true);
    expect(bad!.pass).toBe(false);
    expect(fmtTargetRule(ok!)).toBe('native ≤ 3.00 µs per op');
    expect(fmtTargetValue(ok!, ok!.measured)).toBe('2.50 µs/op');
  });

  it('measures but never judges quick runs', () => {
    for (const t of judge([ratio(0.9), perOp(3e-3)], [matmul, dispatch], 'quick')) {
      expect(t.measured).toBeGreaterThan(0);
      expect(t.pass).toBeUndefined();
      expect(t.note).toBe('quick mode: not judged');
    }
  });

  it('says which of its adapters did not run, and why', () => {
    const [skipped, absent, none] = judge(
      [perOp(3e-3, 'slow'), ratio(1, 'torch-2t'), { ...ratio(1), workload: 'cnn-step-64' }],
      [matmul, dispatch],
      'full',
    );
    expect(skipped!.note).toBe('slow: no kernel');
    expect(skipped!.measured).toBeUndefined();
    expect(absent!.note).toBe('torch-2t: not in this run');
    expect(none!.note).toBe('workload not run');
    expect(fmtTargetRule(ratio(1 / 1.2))).toBe("native ≥ 0.83× numpy's speed (≤ 1.2× its time)");
    expect(fmtTargetRule(ratio(1.25, 'torch-1t'))).toBe('native ≥ 1.25× faster than torch-1t');
  });
});
