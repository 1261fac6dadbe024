/**
 * One browser bench run: the issue's browser workloads on every page adapter, interleaved by the
 * same runWorkload as the CPU bench, the first MLP training step on a fresh gpujs backend, and
 * the issue's targets (tfjs-webgl time ÷ Flint time, same run) judged.
 */
import os from 'node:os';
import { judge } from '../harness/judge.js';
import { machineInfo } from '../harness/machine.js';
import { initAdapters, POLICIES, runWorkload, type Log, type Rates } from '../harness/run.js';
import type {
  AdapterRecord,
  MachineInfo,
  Policy,
  Target,
  Workload,
  WorkloadResult,
} from '../harness/types.js';
import { fmtValue } from '../report/format.js';
import { workloads, type Mode } from '../workloads.js';
import { openBrowser } from './driver.js';
import type { FirstStep, PageError } from './protocol.js';

export interface BrowserReport {
  mode: Mode;
  policy: Policy;
  date: string;
  durationS: number;
  machine: MachineInfo;
  browser: { userAgent: string; webgl: string; webgpu: string };
  adapters: AdapterRecord[];
  results: WorkloadResult[];
  targets: Target[];
  firstStep: FirstStep | PageError;
}

/**
 * Fewer repetitions than the CPU bench: SwiftShader makes every GPU run slow. A first run keeps
 * its kernel compilation (hundreds of ms per shader on a loaded machine), so only a run past
 * 30 s is kept as the sole sample; anything shorter is measured again, warm.
 */
export const BROWSER_POLICIES: Record<Mode, Policy> = {
  quick: { ...POLICIES.quick, warmup: 1, minReps: 1, maxReps: 1 },
  full: {
    ...POLICIES.full,
    minReps: 5,
    maxReps: 20,
    budgetMs: 1000,
    coldOnlyMs: 30_000,
    maxPredictedMs: 60_000,
  },
};

/** The issue's browser rows: matmul up to 1024², an element-wise chain, softmax, two steps, adds. */
export function browserWorkloads(mode: Mode): Workload[] {
  const all = workloads(mode);
  const mlp = all.find((w) => w.spec.family === 'mlpStep');
  return all.filter(
    (w) =>
      (w.spec.family === 'matmul' && w.spec.n <= 1024) ||
      ['fmaRelu', 'softmaxRows', 'cnnStep', 'dispatch'].includes(w.spec.family) ||
      w === mlp,
  );
}

const GPU = 'flint-gpujs';
const PEER = 'tfjs-webgl';

/** Issue 9's speed goals against tfjs-webgl, and the 0.5× floor on every row. */
export function browserTargets(mode: Mode): Target[] {
  const list = browserWorkloads(mode);
  const id = (f: string, pick: (w: Workload) => boolean = () => true) =>
    list.filter((w) => w.spec.family === f && pick(w)).pop()?.id ?? '';
  const r = { kind: 'ratio', adapter: GPU, against: PEER } as const;
  return [
    { ...r, title: 'MLP training step', workload: id('mlpStep'), factor: 1 },
    { ...r, title: 'element-wise chain relu(x·w+b)', workload: id('fmaRelu'), factor: 1.25 },
    { ...r, title: 'largest matmul', workload: id('matmul'), factor: 1 },
    { ...r, title: 'CNN training step (conv)', workload: id('cnnStep'), factor: 1 },
    ...list.map((w) => ({ ...r, title: `${w.title} (floor)`, workload: w.id, factor: 0.5 })),
    {
      kind: 'ratio',
      adapter: GPU,
      against: 'flint-cpu',
      title: 'largest matmul, gpujs vs Flint CPU in the same browser',
      workload: id('matmul'),
      factor: 1,
      secondary: true,
    },
  ];
}

export async function runBrowserBench(o: {
  mode: Mode;
  only?: string[];
  adapters?: string[];
  log?: Log;
  policy?: Policy;
}): Promise<BrowserReport> {
  const log = o.log ?? (() => {});
  const t0 = performance.now();
  const load = os.loadavg();
  const date = new Date().toISOString();
  const session = await openBrowser();
  try {
    log(`browser: ${session.environment.userAgent}`);
    log(`  WebGL2: ${session.environment.webgl}; WebGPU adapter: ${session.environment.webgpu}`);
    const mlp = browserWorkloads(o.mode).find((w) => w.spec.family === 'mlpStep')!.spec;
    // before anything else compiles in the page, so no shader cache helps it
    const firstStep = await session.firstStep(mlp as { batch: number; sizes: readonly number[] });
    log(`first MLP step on flint-gpujs: ${JSON.stringify(firstStep)}`);
    const adapters = session.adapters().filter((a) => !o.adapters || o.adapters.includes(a.id));
    const records = await initAdapters(adapters);
    for (const r of records)
      log(
        `  ${r.id.padEnd(20)} ${r.skip ? `skipped: ${r.skip}` : (r.info?.notes ?? []).join('; ')}`,
      );
    const policy = o.policy ?? BROWSER_POLICIES[o.mode];
    const results: WorkloadResult[] = [];
    const rates: Rates = new Map();
    for (const w of browserWorkloads(o.mode)) {
      if (o.only && !o.only.some((p) => w.id.startsWith(p))) continue;
      const t = performance.now();
      const r = await runWorkload(w, adapters, records, policy, rates);
      results.push(r);
      log(`${w.title}  [${((performance.now() - t) / 1e3).toFixed(1)} s]`);
      for (const c of r.cells)
        log(
          `  ${c.adapter.padEnd(20)} ${c.stats ? fmtValue('ms', c.stats.median) : `skipped: ${c.skip}`}`,
        );
    }
    return {
      mode: o.mode,
      policy,
      date,
      durationS: (performance.now() - t0) / 1e3,
      machine: machineInfo(load),
      browser: session.environment,
      adapters: records,
      results,
      targets: judge(browserTargets(o.mode), results, o.mode),
      firstStep,
    };
  } finally {
    await session.close();
  }
}
