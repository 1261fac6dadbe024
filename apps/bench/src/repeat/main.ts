/**
 * `node dist/repeat/main.js` — runs the bench several times, each in a fresh process (what
 * swings between runs is per process: JIT tiering, heap layout, neighbours), and prints every
 * run's medians and ratio plus the spread (min–max of the ratio) per workload.
 *
 *   --runs N           separate bench runs (default 6)
 *   --only a,b         passed to the bench (default matmul-1024,mlp-step-64)
 *   --subject ID       the adapter judged (default flint-cpu)
 *   --base ID          the adapter it is compared with (default tfjs-cpu)
 *   --out DIR          where each run's results go (default a temporary folder; never docs/)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BenchReport } from '../harness/types.js';
import { renderSpread, rowsOf, type RunRow } from './spread.js';

const BENCH = fileURLToPath(new URL('../main.js', import.meta.url));

function main(): void {
  const { values: v } = parseArgs({
    options: {
      runs: { type: 'string', default: '6' },
      only: { type: 'string', default: 'matmul-1024,mlp-step-64' },
      subject: { type: 'string', default: 'flint-cpu' },
      base: { type: 'string', default: 'tfjs-cpu' },
      out: { type: 'string' },
    },
  });
  const runs = Number(v.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 100)
    throw new Error(`repeat: --runs must be an integer in 1..100, got '${v.runs.slice(0, 20)}'`);
  const out = v.out ?? mkdtempSync(path.join(os.tmpdir(), 'flint-bench-repeat-'));
  const rows: RunRow[] = [];
  for (let i = 1; i <= runs; i++) {
    const dir = path.join(out, `run-${i}`);
    const load0 = os.loadavg()[0]!;
    const args = ['--only', v.only, '--adapters', `${v.subject},${v.base}`, '--out', dir];
    execFileSync(process.execPath, [BENCH, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    const load: [number, number] = [load0, os.loadavg()[0]!];
    const file = path.join(dir, 'assets', 'bench', 'results.json');
    const rep = JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
    const got = rowsOf(rep, i, load, v.subject, v.base);
    rows.push(...got);
    for (const r of got)
      console.log(
        `run ${i}/${runs} ${r.workload}: ${r.ratio.toFixed(2)}× (minima ${r.ratioMin.toFixed(2)}×)`,
      );
  }
  const table = renderSpread(rows, v.subject, v.base);
  writeFileSync(path.join(out, 'spread.md'), `${table}\n`);
  console.log(`\n${table}\n\nwrote ${path.join(out, 'spread.md')}`);
}

main();
