/**
 * docs/support-matrix.md must be what scripts/support-matrix.mjs renders from the
 * conformance-report.json files that the backends' tests wrote in this same run (turbo runs this
 * after them: apps/docs/turbo.json). Also checks the generator's rules on a small report.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BACKENDS, PAGE, loadReports, renderPage } from '../scripts/support-matrix.mjs';

const root = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));

function firstDifference(a: string, b: string): string {
  const x = a.split('\n');
  const y = b.split('\n');
  const i = x.findIndex((line, k) => line !== y[k]);
  const at = i < 0 ? Math.min(x.length, y.length) : i;
  return `line ${at + 1}: page has ${JSON.stringify((x[at] ?? '<end>').slice(0, 160))}, reports give ${JSON.stringify((y[at] ?? '<end>').slice(0, 160))}`;
}

describe('docs/support-matrix.md', () => {
  it('is current with the conformance reports of this run', () => {
    const page = readFileSync(root(PAGE), 'utf8');
    const fresh = renderPage(loadReports());
    if (page !== fresh)
      expect.fail(
        `${PAGE} is out of date with the conformance reports (run \`pnpm docs:matrix\` after the backends' tests): ${firstDifference(page, fresh)}`,
      );
  });

  it('lists every backend, those without a report as "not run here"', () => {
    const files = new Map([
      [
        'packages/backend-cpu/conformance-report.json',
        JSON.stringify({
          device: 'cpu',
          summary: { passed: 1, skipped: 1, knownFailures: 1, failed: 0 },
          cases: [
            {
              id: 'a/exp/f32',
              layer: 'L1',
              op: 'exp',
              dtype: 'float32',
              status: 'passed',
              reason: null,
            },
            {
              id: 'a/exp/f64',
              layer: 'L1',
              op: 'exp',
              dtype: 'float64',
              status: 'skipped',
              reason: 'caps.dtypes lacks float64',
            },
            {
              id: 'a/erf/f32',
              layer: 'L1',
              op: 'erf',
              dtype: 'float32',
              status: 'known-failure',
              reason: 'one ulp | off',
            },
          ],
        }),
      ],
    ]);
    const reports = loadReports(
      (p) => files.get(p)!,
      (p) => files.has(p),
    );
    const page = renderPage(reports);
    for (const b of BACKENDS) expect(page).toContain(`| ${b.name} |`);
    expect(page).toMatch(
      /\| native \| — \| not run here: no packages\/backend-native\/conformance-report.json/,
    );
    expect(page).toMatch(/\| cuda \| — \| not run here: needs an NVIDIA GPU/);
    expect(page).toContain(
      '| `exp` | f32 ✓ · f64 – | not run here | not run here | not run here |',
    );
    expect(page).toContain('| `erf` | f32 ⚠ |');
    // A reason's `|` must not break the table.
    expect(page).toContain('| ⚠ known-failure | one ulp \\| off | 1 | `a/erf/f32` |');
    expect(page).toContain('| cpu | `cpu` | 3 | 1 | 1 | 1 | 0 |');
  });
});
