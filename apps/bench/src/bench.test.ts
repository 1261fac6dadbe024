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
import type { BenchReport } from './harness/types.js';
import { targets, workloads } from './workloads.js';

// PyTorch at 2 threads repeats the 1-thread peer's code path; leaving it out saves a Python start.
const adapters = allAdapters().filter((a) => a.id !== 'torch-2t');
const lines: string[] = [];
const report = runBench({ mode: 'quick', adapters, log: (l) => lines.push(l) });

/** The Flint adapters that loaded (the native ones skip when the addon is not built). */
const flintRan = (rep: BenchReport) =>
  rep.adapters.filter((a) => a.role === 'flint' && !a.skip).map((a) => a.id);

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

  it('runs every Flint backend that loaded on every workload', async () => {
    const rep = await report;
    // The native adapters skip as a whole when the addon is not built here; never per workload.
    expect(flintRan(rep)).toContain('flint-cpu');
    for (const id of flintRan(rep))
      for (const r of rep.results) {
        const c = r.cells.find((x) => x.adapter === id)!;
        expect(c.stats, `${r.workload.id} on ${id}: ${c.skip}`).toBeDefined();
      }
  });

  it('reports the native adapters at their own thread counts', async () => {
    const rep = await report;
    for (const [id, threads] of [
      ['flint-native', 1],
      ['flint-native-2t', 2],
    ] as const) {
      const a = rep.adapters.find((x) => x.id === id)!;
      if (a.skip) expect(a.skip).toMatch(/\S/);
      else expect(a.info?.threads).toBe(threads);
    }
  });

  it('leaves no Flint tensor alive once a workload is disposed', async () => {
    const rep = await report;
    const devices = fl.memory().perDevice;
    for (const id of flintRan(rep))
      for (const d of [id, `${id}-probe`]) expect(devices[d]?.tensors, d).toBe(0);
  });

  it('measures every target whose adapters ran (judged on full runs only)', async () => {
    const rep = await report;
    expect(rep.targets.map((t) => t.title)).toEqual(targets('quick').map((t) => t.title));
    for (const t of rep.targets) {
      const r = rep.results.find((x) => x.workload.id === t.workload)!;
      const did = (id: string) => r.cells.some((c) => c.adapter === id && c.stats);
      // A ratio needs its Flint adapter and at least one of its peers (the fastest that ran).
      const peers = t.kind === 'ratio' ? [t.against].flat() : [];
      const ran = did(t.adapter) && (t.kind !== 'ratio' || peers.some(did));
      expect(t.pass).toBeUndefined();
      if (ran) expect(t.measured, t.title).toBeGreaterThan(0);
      // Not measured: the note names the adapter that did not run and why.
      else expect(t.note, t.title).toMatch(/^[\w-]+: \S/);
    }
    // The CPU backend's targets against tfjs-cpu always run.
    const cpu = rep.targets.filter((t) => t.adapter === 'flint-cpu');
    expect(cpu).toHaveLength(2);
    for (const t of cpu) expect(t.measured).toBeGreaterThan(0);
  });

  it('profiles the MLP and LSTM steps on every Flint backend that loaded', async () => {
    const rep = await report;
    const ids = workloads('quick')
      .filter((w) => w.spec.family === 'mlpStep' || w.spec.family === 'lstmStep')
      .map((w) => w.id);
    expect(rep.profiles?.map((p) => p.workload)).toEqual([ids[0], ids.at(-1)]);
    const primary = flintRan(rep).filter((id) => !rep.adapters.find((a) => a.id === id)?.extra);
    for (const p of rep.profiles!) {
      expect(p.skipped).toEqual([]);
      expect(p.rows.map((r) => r.adapter)).toEqual(primary);
      for (const r of p.rows) {
        const sum = Object.values(r.ms).reduce((a, b) => a + b, 0);
        expect(r.steps).toBeGreaterThanOrEqual(2);
        expect(sum).toBeCloseTo(r.msPerStep, 9);
        // The addon's own time is found (traced) on the native backend, and nowhere else.
        if (r.adapter.startsWith('flint-native')) expect(r.ms.native).toBeGreaterThan(0);
        else expect(r.ms.native).toBe(0);
      }
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
    expect(md).toContain('## Where the time goes');
    const json = JSON.parse(await readFile(w.json, 'utf8')) as typeof rep;
    expect(json.results).toHaveLength(rep.results.length);
    expect(json.machine.cores).toBeGreaterThan(0);
    expect(w.charts).toHaveLength(2);
    for (const c of w.charts) expect(await readFile(c, 'utf8')).toMatch(/^<svg[^>]*>/);
  });
});
