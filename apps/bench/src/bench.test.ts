// The harness end to end in quick mode, so it cannot rot: every workload gets a result or a
// reason on every adapter, ratios are computed, and the report files are produced.
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as fl from '@flint/core';
import { describe, expect, it } from 'vitest';
import { allAdapters } from './adapters/index.js';
import { runBench } from './harness/bench.js';
import { writeReport } from './report/write.js';
import { workloads } from './workloads.js';

// PyTorch at 2 threads repeats the 1-thread peer's code path; leaving it out saves a Python start.
const adapters = allAdapters().filter((a) => a.id !== 'torch-2t');
const lines: string[] = [];
const report = runBench({ mode: 'quick', adapters, log: (l) => lines.push(l) });

describe('pnpm bench --quick', () => {
  it('gives every workload a result or a skip reason on every adapter', async () => {
    const rep = await report;
    expect(rep.results.map((r) => r.workload.id)).toEqual(workloads('quick').map((w) => w.id));
    for (const r of rep.results) {
      expect(r.cells.map((c) => c.adapter)).toEqual(adapters.map((a) => a.id));
      for (const c of r.cells) {
        // An error (not a skip) means adapter code broke: print the log to see which.
        expect(
          c.error,
          `${r.workload.id} on ${c.adapter}: ${c.skip}\n${lines.join('\n')}`,
        ).toBeUndefined();
        if (!c.stats) {
          expect(c.skip).toMatch(/\S/);
          continue;
        }
        const s = c.stats;
        expect(s.reps).toBe(s.samples.length);
        expect(s.min).toBeLessThanOrEqual(s.median);
        expect(s.median).toBeLessThanOrEqual(s.max);
        if (r.bestPeer) expect(c.vsBestPeer).toBeGreaterThan(0);
        if (r.workload.metric === 'ms') expect(c.throughput).toBeGreaterThan(0);
      }
    }
  });

  it('runs Flint on every workload', async () => {
    const rep = await report;
    for (const r of rep.results) {
      const flint = r.cells.find((c) => c.adapter === 'flint-cpu')!;
      expect(flint.stats, `${r.workload.id}: ${flint.skip}`).toBeDefined();
    }
  });

  it('leaves no Flint tensor alive once a workload is disposed', async () => {
    await report;
    const devices = fl.memory().perDevice;
    for (const d of ['flint-cpu', 'flint-cpu-probe']) expect(devices[d]?.tensors, d).toBe(0);
  });

  it('measures the targets against tfjs-cpu (judged on full runs only)', async () => {
    const rep = await report;
    expect(rep.targets).toHaveLength(2);
    for (const t of rep.targets) {
      expect(t.measured).toBeGreaterThan(0);
      expect(t.pass).toBeUndefined();
    }
  });

  it('writes JSON, markdown and SVG charts', async () => {
    const rep = await report;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'flint-bench-test-'));
    const w = await writeReport(
      rep,
      path.join(dir, 'benchmarks.md'),
      path.join(dir, 'assets', 'bench'),
    );
    const md = await readFile(w.markdown, 'utf8');
    expect(md).toMatch(/^# Benchmarks/);
    for (const r of rep.results) expect(md).toContain(r.workload.title);
    expect(md).toContain('](./assets/bench/overview.svg)');
    const json = JSON.parse(await readFile(w.json, 'utf8')) as typeof rep;
    expect(json.results).toHaveLength(rep.results.length);
    expect(json.machine.cores).toBeGreaterThan(0);
    expect(w.charts).toHaveLength(2);
    for (const c of w.charts) expect(await readFile(c, 'utf8')).toMatch(/^<svg[^>]*>/);
  });
});
