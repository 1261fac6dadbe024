import { describe, expect, it } from 'vitest';
import { finish, summarize } from './stats.js';
import type { Adapter, Workload } from './types.js';

const w: Workload = {
  id: 'matmul-2',
  title: 'matmul 2²',
  group: 'g',
  spec: { family: 'matmul', n: 2 },
  metric: 'ms',
  work: { amount: 16e6, unit: 'FLOP' },
};
const adapter = (id: string, role: Adapter['role'], extra = false) =>
  ({ id, role, extra }) as Adapter;
const stats = (median: number) => summarize([median], 1);

describe('summarize', () => {
  it('takes the middle sample, or the mean of the middle two', () => {
    expect(summarize([3, 1, 2], 1)).toMatchObject({ median: 2, min: 1, max: 3, reps: 3 });
    expect(summarize([4, 1, 2, 3], 2).median).toBe(2.5);
  });
});

describe('finish', () => {
  it('rates every row against the fastest peer that is not an extra row', () => {
    const adapters = [
      adapter('flint', 'flint'),
      adapter('slow', 'peer'),
      adapter('fast', 'peer'),
      adapter('extra', 'peer', true),
    ];
    const r = finish(
      w,
      [
        { adapter: 'flint', stats: stats(2) },
        { adapter: 'slow', stats: stats(8) },
        { adapter: 'fast', stats: stats(4) },
        { adapter: 'extra', stats: stats(1) },
      ],
      adapters,
    );
    expect(r.bestPeer).toBe('fast');
    expect(r.cells.map((c) => c.vsBestPeer)).toEqual([2, 0.5, 1, 4]);
    expect(r.cells[0]!.throughput).toBe(8); // 16 MFLOP in 2 ms
  });

  it('has no best peer when no peer ran', () => {
    const r = finish(
      w,
      [
        { adapter: 'flint', stats: stats(2) },
        { adapter: 'p', skip: 'absent' },
      ],
      [adapter('flint', 'flint'), adapter('p', 'peer')],
    );
    expect(r.bestPeer).toBeUndefined();
    expect(r.cells[0]!.vsBestPeer).toBeUndefined();
  });
});
