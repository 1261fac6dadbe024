/** conformance-report.json: one row per case; the docs' support matrix is generated from these. */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Caps } from '@flint/core/backend';
import type { CaseResult } from '../types.js';

export const REPORT_FILE = 'conformance-report.json';

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

/** Writes atomically (temp file + rename) and returns the path. */
export function writeReport(
  dir: string,
  meta: ReportMeta,
  results: readonly CaseResult[],
  errors: readonly string[],
): string {
  const abs = resolve(dir);
  mkdirSync(abs, { recursive: true });
  const path = join(abs, REPORT_FILE);
  const n = countStatuses(results);
  const doc = {
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
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(doc, null, 1) + '\n');
  renameSync(tmp, path);
  return path;
}

/** `N passed, N failed, N skipped`: the closing line CI reads. */
export function summaryLine(results: readonly CaseResult[], extraFailures = 0): string {
  const n = countStatuses(results);
  return `${n.passed} passed, ${n.failed + extraFailures} failed, ${n.skipped} skipped`;
}
