/**
 * One conformance run against one backend: registers it with core, decides skips by capability,
 * runs each case inside a memory scope with a leak check, maps known failures, writes the report.
 * Shared by the vitest adapter and the plain-node runner.
 */
import * as fl from '@flint/core';
import type { Backend, BackendStats, Caps, DType } from '@flint/core/backend';
import { allCases } from './registry.js';
import { knownMatcher, type KnownMatcher } from './known.js';
import { writeReport } from './report.js';
import { toleranceFor } from './tolerance.js';
import { settleDeferred } from './expect.js';
import type { Case, CaseContext, CaseResult, Needs, RunOptions } from '../types.js';

export class Session {
  readonly backend: Backend;
  readonly second?: Backend;
  readonly oracle?: Backend;
  readonly cases: Case[];
  readonly results: CaseResult[] = [];
  /** Problems with the run itself, each a failure. */
  readonly errors: string[];
  private readonly known: KnownMatcher;
  private readonly ctx: CaseContext;
  private started = false;
  /** Set when a case leaked buffers: their tensors may still be finalized later. */
  private leaked = false;
  /**
   * Buffers and bytes per device that failed cases leaked and that are not freed yet. Core's
   * FinalizationRegistry frees them whenever the GC runs, in the middle of a later case: that
   * case then sees fewer buffers than it started with, which is not its doing.
   */
  private readonly outstanding = new Map<string, BackendStats>();

  private readonly opts: RunOptions;

  constructor(options: RunOptions<unknown>) {
    this.opts = options;
    const opts = options;
    this.backend = opts.create();
    this.second = opts.createSecond?.();
    if (this.second && this.second.name === this.backend.name) {
      this.second.dispose();
      this.second = undefined;
    }
    this.oracle = opts.oracle?.();
    if (this.oracle && [this.backend.name, this.second?.name].includes(this.oracle.name)) {
      this.oracle.dispose();
      this.oracle = undefined;
    }
    const all = allCases();
    this.cases = opts.filter?.length
      ? all.filter((c) => opts.filter!.some((p) => c.id.startsWith(p)))
      : all;
    this.known = knownMatcher(opts.knownFailures);
    this.errors = this.known.validate(all.map((c) => c.id));
    const caps = this.backend.caps;
    this.ctx = {
      backend: this.backend,
      second: this.second,
      oracle: this.oracle,
      tol: (dtype, tighter) => toleranceFor(caps, dtype, tighter),
    };
  }

  get name(): string {
    return this.opts.name ?? this.backend.name;
  }

  /** Register the backend(s) with core; the backend under test becomes the default device. */
  start(): void {
    if (this.started) return;
    if (this.second) fl.use(this.second);
    if (this.oracle) fl.use(this.oracle);
    fl.use(this.backend);
    this.started = true;
  }

  isKnownFailure(c: Case): boolean {
    return this.known.reasonFor(c.id) !== undefined;
  }

  skipReason(c: Case): string | null {
    return unmetNeed(c.needs, this.backend.caps, this.backend, this.second, this.oracle);
  }

  async run(c: Case): Promise<CaseResult> {
    const skip = this.skipReason(c);
    const base = { id: c.id, layer: c.layer, op: c.op, dtype: (c.dtype ?? null) as DType | null };
    if (skip !== null)
      return this.record({ ...base, status: 'skipped', reason: skip, duration: 0 });
    this.start();
    const t0 = performance.now();
    const error = await this.execute(c);
    const duration = Math.round((performance.now() - t0) * 1000) / 1000;
    const known = this.known.reasonFor(c.id);
    if (known !== undefined) {
      return this.record(
        error === null
          ? {
              ...base,
              status: 'failed',
              reason: `listed as a known failure (${known}) but passed`,
              duration,
            }
          : { ...base, status: 'known-failure', reason: `${known} — ${error}`, duration },
      );
    }
    return this.record({
      ...base,
      status: error === null ? 'passed' : 'failed',
      reason: error,
      duration,
    });
  }

  /** Runs a case; returns the failure description or null. */
  private async execute(c: Case): Promise<string | null> {
    const before = this.stats();
    let error: string | null = null;
    try {
      fl.setDefaultDevice(this.backend.name);
      if (c.ownsMemory) await c.run(this.ctx);
      else await fl.tidyAsync(async () => void (await c.run(this.ctx)));
    } catch (e) {
      error = describeError(e);
    }
    const unread = await settleDeferred(Object.keys(before));
    if (unread !== undefined) {
      const msg = `a deferred check failed after the case: ${describeError(unread)}`;
      error = error ? `${error}; also ${msg}` : msg;
    }
    const leak = leakMessage(before, this.stats(), this.outstanding);
    if (leak) {
      this.leaked = true;
      error = error ? `${error}; also ${leak}` : leak;
    }
    return error;
  }

  private stats(): Record<string, BackendStats> {
    const s: Record<string, BackendStats> = { [this.backend.name]: { ...this.backend.stats() } };
    if (this.second) s[this.second.name] = { ...this.second.stats() };
    if (this.oracle) s[this.oracle.name] = { ...this.oracle.stats() };
    return s;
  }

  private record(r: CaseResult): CaseResult {
    this.results.push(r);
    return r;
  }

  /** Write the report (unless reportDir is false); returns its path. */
  writeReport(): string | null {
    if (this.opts.reportDir === false) return null;
    const meta = { name: this.name, device: this.backend.name, caps: this.backend.caps };
    return writeReport(this.opts.reportDir, meta, this.results, this.errors);
  }

  /**
   * Dispose the backends, unless a case leaked: core's FinalizationRegistry may still free those
   * tensors' buffers later, which must not hit a disposed backend.
   */
  dispose(): void {
    if (this.leaked) return;
    for (const b of [this.backend, this.second, this.oracle]) {
      if (!b) continue;
      try {
        b.dispose();
      } catch {
        // a backend that cannot dispose twice must not mask the run's results
      }
    }
  }
}

/**
 * The leak check of one case, as a failure message or null. A case that ends with fewer buffers
 * than it started with is forgiven up to what earlier failed cases leaked (`outstanding`, which it
 * then reduces): that is the GC finalizing their tensors. Leaks add to `outstanding`.
 */
export function leakMessage(
  before: Record<string, BackendStats>,
  after: Record<string, BackendStats>,
  outstanding: Map<string, BackendStats>,
): string | null {
  const parts: string[] = [];
  for (const [dev, b] of Object.entries(before)) {
    const a = after[dev]!;
    const [buffers, bytes] = [a.buffers - b.buffers, a.bytes - b.bytes];
    const owed = outstanding.get(dev) ?? { buffers: 0, bytes: 0 };
    if (buffers <= 0 && bytes <= 0 && -buffers <= owed.buffers && -bytes <= owed.bytes) {
      outstanding.set(dev, { buffers: owed.buffers + buffers, bytes: owed.bytes + bytes });
      continue;
    }
    if (buffers > 0 || bytes > 0)
      outstanding.set(dev, {
        buffers: owed.buffers + Math.max(0, buffers),
        bytes: owed.bytes + Math.max(0, bytes),
      });
    parts.push(`${buffers} buffers / ${bytes} bytes on '${dev}'`);
  }
  return parts.length ? `leaked ${parts.join(', ')} (backend.stats() before/after the case)` : null;
}

export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return `threw ${String(e)}`;
  if (e.name === 'CheckError') return e.message;
  const frames = (e.stack ?? '')
    .split('\n')
    .filter((l) => l.trimStart().startsWith('at '))
    .slice(0, 3);
  return `${e.name}: ${e.message}${frames.length ? `\n${frames.join('\n')}` : ''}`;
}

/** The capability a case needs and the backend lacks, as a printable reason; null if none. */
export function unmetNeed(
  needs: Needs | undefined,
  caps: Caps,
  backend: Backend,
  second?: Backend,
  oracle?: Backend,
): string | null {
  if (!needs) return null;
  const missing = needs.dtypes?.filter((d) => !caps.dtypes.includes(d)) ?? [];
  if (missing.length) return `caps.dtypes lacks ${missing.join(', ')}`;
  const feats = needs.features?.filter((f) => !caps.features.includes(f)) ?? [];
  if (feats.length) return `caps.features lacks ${feats.join(', ')}`;
  if (needs.rank !== undefined && needs.rank > caps.maxRank)
    return `rank ${needs.rank} > caps.maxRank ${caps.maxRank}`;
  if (needs.strided && !caps.strided)
    return 'caps.strided is false: kernels only see contiguous inputs';
  if (needs.override && !backend.overrides?.[needs.override])
    return `backend has no '${needs.override}' override`;
  if (needs.secondDevice && !second) return 'no second device (RunOptions.createSecond not given)';
  if (needs.oracle && !oracle) return 'no oracle device (RunOptions.oracle not given)';
  // the program generator (diff/gen) reads the oracle's tensors synchronously while it draws
  if (needs.oracle && oracle?.caps.syncRead === false)
    return 'the oracle device has no synchronous read-back (caps.syncRead is false)';
  if (needs.syncRead && caps.syncRead === false)
    return 'caps.syncRead is false: the device has no synchronous read-back';
  if (needs.subnormals && caps.flushesSubnormals)
    return 'caps.flushesSubnormals: the device flushes float32 subnormals to zero (GLSL ES 3.0 and WGSL allow it)';
  return null;
}
