import { describe, expect, it } from 'vitest';
import { POLICIES, runWorkload, type Rates } from './run.js';
import { Skip, type Adapter, type AdapterRecord, type Policy, type Workload } from './types.js';

const matmul = (n: number): Workload => ({
  id: `matmul-${n}`,
  title: `matmul ${n}²`,
  group: 'matmul',
  spec: { family: 'matmul', n },
  metric: 'ms',
  work: { amount: 2 * n ** 3, unit: 'FLOP' },
});

/** An adapter whose runs "take" `ms(n)` and that logs every run, to check the interleaving. */
function fake(id: string, ms: (n: number) => number, log: string[]): Adapter {
  return {
    id,
    label: id,
    role: id === 'flint' ? 'flint' : 'peer',
    init: async () => ({ version: '0', threads: 1 }),
    async prepare(spec) {
      if (spec.family !== 'matmul') throw new Skip('matmul only');
      return {
        run: async () => {
          log.push(id);
          return ms(spec.n);
        },
        dispose() {},
      };
    },
    close: async () => {},
  };
}

const records = (as: Adapter[]): AdapterRecord[] =>
  as.map((a) => ({ id: a.id, label: a.label, role: a.role, extra: false }));
const policy: Policy = { ...POLICIES.full, budgetMs: 0, minReps: 3, warmup: 1 };

describe('runWorkload', () => {
  it('interleaves repetitions round-robin after each adapter warmed up', async () => {
    const log: string[] = [];
    const as = [fake('flint', () => 2, log), fake('peer', () => 4, log)];
    const r = await runWorkload(matmul(8), as, records(as), policy);
    expect(log).toEqual(['flint', 'peer', 'flint', 'peer', 'flint', 'peer', 'flint', 'peer']);
    expect(r.cells.map((c) => c.stats?.median)).toEqual([2, 4]);
    expect(r.cells[0]!.vsBestPeer).toBe(2);
  });

  it('skips a size the adapter’s measured FLOP rate says would take too long', async () => {
    const as = [fake('flint', () => 1, []), fake('slow', (n) => n ** 3 / 1e3, [])];
    const rates: Rates = new Map();
    const p = { ...policy, maxPredictedMs: 10_000 };
    await runWorkload(matmul(100), as, records(as), p, rates); // slow: 1 s a run
    const big = await runWorkload(matmul(400), as, records(as), p, rates); // predicted 64 s
    expect(big.cells[0]!.stats).toBeDefined();
    expect(big.cells[1]!.skip).toMatch(/^predicted 64 s a run from its rate on matmul 100²/);
  });

  it('records a skip reason instead of failing the run', async () => {
    const as = [fake('flint', () => 1, [])];
    const r = await runWorkload(
      { ...matmul(1), spec: { family: 'exp', rows: 1, cols: 1 } },
      as,
      records(as),
      policy,
    );
    expect(r.cells[0]).toEqual({ adapter: 'flint', skip: 'matmul only' });
  });
});
