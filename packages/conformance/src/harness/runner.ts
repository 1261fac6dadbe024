/** Runs the suite without a test framework (plain node, the GPU machine, a browser page). */
import { Session } from './session.js';
import { summaryLine } from './report.js';
import type { CaseResult, RunOptions, RunSummary } from '../types.js';
import { countStatuses } from './report.js';

export interface RunCasesOptions<B = unknown, O = unknown> extends RunOptions<B, O> {
  /** Called after each case (progress output). */
  onResult?: (r: CaseResult) => void;
}

/**
 * Run every case against a fresh backend and return the summary (and write the report).
 * @example
 * const s = await runCases({ create: () => cpuBackend() });
 * console.log(s.passed, s.failed);
 */
export async function runCases<B, O>(opts: RunCasesOptions<B, O>): Promise<RunSummary> {
  const session = new Session(opts as RunOptions<unknown>);
  try {
    session.start();
    for (const c of session.cases) {
      // not `onResult?.(await …)`: without a callback that would skip running the case at all
      const r = await session.run(c);
      opts.onResult?.(r);
    }
  } finally {
    session.dispose();
  }
  const n = countStatuses(session.results);
  return {
    passed: n.passed,
    failed: n.failed + session.errors.length,
    skipped: n.skipped,
    knownFailures: n['known-failure'],
    results: session.results,
    errors: session.errors,
    reportPath: session.writeReport(),
  };
}

/** The lines a runner prints at the end: failures, known failures, then `N passed, N failed, N skipped`. */
export function formatSummary(s: RunSummary): string {
  const lines: string[] = [];
  for (const r of s.results)
    if (r.status === 'failed')
      lines.push(`FAIL ${r.id}\n     ${(r.reason ?? '').split('\n').join('\n     ')}`);
  for (const e of s.errors) lines.push(`FAIL ${e}`);
  const skips = new Map<string, number>();
  for (const r of s.results)
    if (r.status === 'skipped') skips.set(r.reason ?? '', (skips.get(r.reason ?? '') ?? 0) + 1);
  for (const [reason, n] of skips) lines.push(`skipped ${n} (${reason})`);
  if (s.knownFailures)
    lines.push(`${s.knownFailures} known failures (listed with reasons; see the report)`);
  if (s.reportPath) lines.push(`report: ${s.reportPath}`);
  lines.push(summaryLine(s.results, s.errors.length));
  return lines.join('\n');
}
