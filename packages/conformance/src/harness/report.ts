/** conformance-report.json: one row per case; the docs' support matrix is generated from these. */
import type { Caps } from '@flint/core/backend';
import { host, type ReportDoc } from '../host/host.js';
import type { CaseResult } from '../types.js';

export { REPORT_FILE } from '../host/host.js';

export interface ReportMeta {
  name: string;
  device: string;
  caps: Caps;
}

export function countStatuses(
  results: readonly CaseResult[],
): Record<CaseResult['status'], number> {
  const n = { passed: 0, failed: 0, skipped: 0, 'known-failure': 0 };
  for (const r of results) n[r.status]++;
  return n;
}

/** The report document of a run. */
export function reportDoc(
  meta: ReportMeta,
  results: readonly CaseResult[],
  errors: readonly string[],
): ReportDoc {
  const n = countStatuses(results);
  return {
    suite: '@flint/conformance',
    backend: meta.name,
    device: meta.device,
    caps: meta.caps,
    date: new Date().toISOString(),
    summary: {
      passed: n.passed,
      failed: n.failed,
      skipped: n.skipped,
      knownFailures: n['known-failure'],
    },
    errors,
    cases: results,
  };
}

/** Hands the report to the host (Node: written atomically into `dir`); returns where it went. */
export function writeReport(
  dir: string | undefined,
  meta: ReportMeta,
  results: readonly CaseResult[],
  errors: readonly string[],
): string {
  return host().writeReport(dir, reportDoc(meta, results, errors));
}

/** `N passed, N failed, N skipped`: the closing line CI reads. */
export function summaryLine(results: readonly CaseResult[], extraFailures = 0): string {
  const n = countStatuses(results);
  return `${n.passed} passed, ${n.failed + extraFailures} failed, ${n.skipped} skipped`;
}
