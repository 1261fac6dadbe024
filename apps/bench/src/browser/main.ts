/**
 * `pnpm bench:browser` — the browser workloads in one headless Chromium (Flint on gpu.js WebGL2
 * and WebGPU, Flint CPU, TensorFlow.js webgl and webgpu); replaces the browser section of
 * docs/benchmarks.md (the CPU tables stay) and writes docs/assets/bench/browser-results.json.
 *
 *   --quick            tiny sizes, one repetition (writes to a temporary folder unless --out)
 *   --only a,b         only workloads whose id starts with a or b (e.g. matmul,mlp)
 *   --adapters a,b     only these adapters (e.g. flint-gpujs,tfjs-webgl)
 *   --out DIR          write DIR/benchmarks.md and DIR/assets/bench/ instead
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { refuseDirtyTree } from '../harness/machine.js';
import { writeBrowserReport } from '../report/write.js';
import { runBrowserBench } from './run.js';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      adapters: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const mode = values.quick ? 'quick' : 'full';
  const toDocs = !values.quick && !values.out && !values.only && !values.adapters;
  if (toDocs) refuseDirtyTree(REPO);
  const rep = await runBrowserBench({
    mode,
    only: values.only?.split(','),
    adapters: values.adapters?.split(','),
    log: (l) => console.log(l),
  });
  for (const t of rep.targets)
    console.log(
      `target ${t.title}: ${t.measured?.toFixed(2) ?? `not measured (${t.note})`}` +
        `${t.pass === undefined ? '' : t.pass ? ' PASS' : ' FAIL'}`,
    );
  // quick or partial numbers never overwrite the documented full run
  const partial = mode === 'quick' || values.only !== undefined || values.adapters !== undefined;
  const out =
    values.out ??
    (partial ? path.join(os.tmpdir(), 'flint-bench-browser') : path.join(REPO, 'docs'));
  const w = await writeBrowserReport(
    rep,
    path.join(out, 'benchmarks.md'),
    path.join(out, 'assets', 'bench'),
  );
  console.log(`\nwrote ${w.markdown}, ${w.json} (${rep.durationS.toFixed(1)} s)`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
