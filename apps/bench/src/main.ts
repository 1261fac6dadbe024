/**
 * `pnpm bench` — every workload on every Flint backend and every installed peer, in one run;
 * writes docs/benchmarks.md and docs/assets/bench/. `pnpm bench --quick` runs tiny sizes (for CI:
 * it keeps the harness from rotting) and writes to a temporary folder unless --out is given.
 *
 *   --quick            tiny sizes, 3 repetitions
 *   --only a,b         only workloads whose id starts with a or b (e.g. matmul,mlp)
 *   --adapters a,b     only these adapters (e.g. flint-cpu,tfjs-cpu)
 *   --out DIR          write DIR/benchmarks.md and DIR/assets/bench/ instead
 *   --render FILE      no run: rewrite the page and charts from a results.json
 *
 * A full run that writes docs/ refuses to start from a tree with uncommitted changes: the page
 * names the commit it measured.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { allAdapters } from './adapters/index.js';
import { runBench } from './harness/bench.js';
import { judge } from './harness/judge.js';
import { refuseDirtyTree } from './harness/machine.js';
import type { BenchReport } from './harness/types.js';
import { writeReport } from './report/write.js';
import { targets } from './workloads.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** A re-rendered page judges the targets with today's code, so it never contradicts itself. */
function rejudge(rep: BenchReport): BenchReport {
  return { ...rep, targets: judge(targets(rep.mode), rep.results, rep.mode) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      adapters: { type: 'string' },
      out: { type: 'string' },
      render: { type: 'string' },
    },
  });
  const mode = values.quick ? 'quick' : 'full';
  const pick = values.adapters?.split(',');
  const toDocs = !values.quick && !values.out && values.only === undefined && pick === undefined;
  if (toDocs && !values.render) refuseDirtyTree(REPO);
  const adapters = allAdapters().filter((a) => !pick || pick.includes(a.id));
  const report = values.render
    ? rejudge(JSON.parse(await readFile(values.render, 'utf8')) as BenchReport)
    : await runBench({
        mode,
        adapters,
        only: values.only?.split(','),
        log: (l) => console.log(l),
      });
  // Quick or partial numbers must never overwrite the documented full run.
  const partial = !values.render && (values.only !== undefined || pick !== undefined);
  const scratch = path.join(os.tmpdir(), `flint-bench-${report.mode}`);
  const out =
    values.out ?? (report.mode === 'quick' || partial ? scratch : path.join(REPO, 'docs'));
  const w = await writeReport(
    report,
    path.join(out, 'benchmarks.md'),
    path.join(out, 'assets', 'bench'),
  );
  console.log(
    `\nwrote ${w.markdown}, ${w.json}${w.charts.map((c) => `, ${c}`).join('')} (${report.durationS.toFixed(1)} s)`,
  );
}

main().then(
  // Native peers (onnxruntime's thread pool) can keep the event loop alive; the run is over.
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
