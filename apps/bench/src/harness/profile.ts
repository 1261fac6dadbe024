/**
 * Where the time of a training step goes: a CPU profile (V8's sampling profiler, in process
 * through node:inspector) of a few steps of a workload on each Flint adapter, after the timed
 * repetitions and outside them, with its self time split by where the code lives: Flint's core,
 * the backend's JavaScript, the native addon (N-API and C++ kernels), the garbage collector, and
 * the rest (the bench, Node, V8's compiler).
 */
import { Session, type Profiler } from 'node:inspector';
import type { Adapter, AdapterRecord, Runner, Workload } from './types.js';

export const CATEGORIES = ['core', 'backend', 'native', 'gc', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];

export interface ProfileRow {
  adapter: string;
  /** Steps profiled. */
  steps: number;
  /** Sampled time per step, milliseconds (slightly above a timed step: sampling costs). */
  msPerStep: number;
  /** Milliseconds per step in each category; they add up to msPerStep. */
  ms: Record<Category, number>;
}

export interface ProfileSummary {
  workload: string;
  title: string;
  rows: ProfileRow[];
  /** Adapters that could not be profiled, and why. */
  skipped: { adapter: string; reason: string }[];
}

/**
 * The category of a profile node by its function's script and name; null for a node without a
 * script (a builtin or native function), which takes its caller's category. The native
 * backend's traced entry points (backend-native's dist/trace.js, see traceNativeCalls) stand
 * for the time spent inside the addon: V8 shows the addon's own time as a nameless node under
 * them (or, untraced, as its JS caller's self time).
 */
export function categorize(url: string, functionName: string): Category | null {
  if (functionName === '(garbage collector)') return 'gc';
  if (/^\((root|program|idle)\)$/.test(functionName)) return 'other';
  const u = url.replace(/\\/g, '/');
  if (u === '') return null;
  if (/\/backend-native\/(dist|src)\/trace\.[jt]s$/.test(u)) return 'native';
  if (/\/packages\/core\/|\/@flint\/core\//.test(u)) return 'core';
  if (/\/packages\/backend-[\w-]+\/|\/@flint\/backend-[\w-]+\//.test(u)) return 'backend';
  return 'other';
}

/** Each node's category: its own, or (builtins, native code) its nearest caller's. */
function nodeCategories(p: Profiler.Profile): Map<number, Category> {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const cat = new Map<number, Category>();
  const of = (id: number): Category => {
    const known = cat.get(id);
    if (known) return known;
    // Walk up to the nearest node with a category of its own (iteratively: stacks are deep).
    const chain: number[] = [];
    let c: Category | null = null;
    for (let at: number | undefined = id; at !== undefined && c === null; at = parent.get(at)) {
      const n = byId.get(at);
      c = cat.get(at) ?? (n ? categorize(n.callFrame.url, n.callFrame.functionName) : 'other');
      chain.push(at);
    }
    for (const x of chain) cat.set(x, c ?? 'other');
    return c ?? 'other';
  };
  for (const n of p.nodes) of(n.id);
  return cat;
}

/** Self time per category, in microseconds, of one profile. */
export function splitProfile(p: Profiler.Profile): Record<Category, number> {
  const cat = nodeCategories(p);
  const us = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  // timeDeltas[i] is the time since the previous sample: the time sample i stands for.
  for (let i = 0; i < samples.length; i++) us[cat.get(samples[i]!) ?? 'other'] += deltas[i] ?? 0;
  return us;
}

function post<T>(s: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) =>
    s.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res as T))),
  );
}

export interface ProfileOptions {
  /** Profiled time to aim at per adapter and workload (ms); steps are counted from it. */
  budgetMs: number;
  minSteps: number;
  maxSteps: number;
  /** Sampling interval, microseconds. */
  intervalUs: number;
}

/** Profiles `steps` runs of a warmed-up runner. */
async function profileRunner(
  s: Session,
  runner: Runner,
  steps: number,
  intervalUs: number,
): Promise<Record<Category, number>> {
  await post(s, 'Profiler.setSamplingInterval', { interval: intervalUs });
  await post(s, 'Profiler.start');
  let profile: Profiler.Profile | undefined;
  try {
    for (let i = 0; i < steps; i++) await runner.run();
  } finally {
    profile = (await post<{ profile: Profiler.Profile }>(s, 'Profiler.stop')).profile;
  }
  return splitProfile(profile);
}

/** One adapter on one workload: prepare, warm up, size the step count, profile, dispose. */
async function profileOne(
  s: Session,
  a: Adapter,
  w: Workload,
  o: ProfileOptions,
): Promise<ProfileRow> {
  const runner = await a.prepare(w.spec);
  try {
    a.profiling?.(true);
    try {
      const t = performance.now();
      await runner.run();
      await runner.run();
      const each = Math.max((performance.now() - t) / 2, 1e-3);
      const steps = Math.min(o.maxSteps, Math.max(o.minSteps, Math.round(o.budgetMs / each)));
      const us = await profileRunner(s, runner, steps, o.intervalUs);
      const ms = Object.fromEntries(CATEGORIES.map((c) => [c, us[c] / 1e3 / steps])) as Record<
        Category,
        number
      >;
      const msPerStep = CATEGORIES.reduce((sum, c) => sum + ms[c], 0);
      return { adapter: a.id, steps, msPerStep, ms };
    } finally {
      a.profiling?.(false);
    }
  } finally {
    await runner.dispose();
  }
}

/**
 * Profiles each workload on each Flint adapter that is not an extra row and was not skipped.
 * Failures are recorded per adapter, never thrown: the profile is an appendix of the run.
 */
export async function profileWorkloads(
  ws: readonly Workload[],
  adapters: readonly Adapter[],
  records: readonly AdapterRecord[],
  o: ProfileOptions,
): Promise<ProfileSummary[]> {
  const flint = adapters.filter(
    (a) => a.role === 'flint' && !a.extra && !records.find((r) => r.id === a.id)?.skip,
  );
  const s = new Session();
  s.connect();
  const out: ProfileSummary[] = [];
  try {
    await post(s, 'Profiler.enable');
    for (const w of ws) {
      const sum: ProfileSummary = { workload: w.id, title: w.title, rows: [], skipped: [] };
      for (const a of flint) {
        try {
          sum.rows.push(await profileOne(s, a, w, o));
        } catch (e) {
          const reason = (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
          sum.skipped.push({ adapter: a.id, reason: reason.slice(0, 200) });
        }
      }
      out.push(sum);
    }
    await post(s, 'Profiler.disable');
  } finally {
    s.disconnect();
  }
  return out;
}
