/**
 * `@flint/conformance/vitest`: the suite as vitest tests. The only module that imports vitest.
 * @example
 * // packages/backend-cpu/test/conformance.test.ts
 * import { runConformance } from '@flint/conformance/vitest';
 * import { cpuBackend } from '../src/index.js';
 * runConformance({ create: () => cpuBackend(), createSecond: () => cpuBackend({ name: 'cpu2' }) });
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { Session } from './session.js';
import { installNodeHost } from '../host/node.js';
import { countStatuses, summaryLine } from './report.js';
import type { Case, RunOptions } from '../types.js';

function groupOf(c: Case): string {
  const parts = c.id.split('/');
  // corpus programs (diff/<index>/…) in groups of 1000, not one group per program
  if (c.layer === 'diff' && /^\d+$/.test(parts[1] ?? ''))
    return `diff diff/${Math.floor(Number(parts[1]) / 1000)}xxx`;
  return `${c.layer} ${parts.slice(0, 2).join('/')}`;
}

/**
 * Register the whole suite as vitest tests for the backend `opts.create` makes: the entire test
 * file of a backend package. Writes conformance-report.json after the run.
 */
export function runConformance<B, O>(opts: RunOptions<B, O>): void {
  installNodeHost(); // Node's fixtures and report file, unless a host is installed already
  const session = new Session(opts as RunOptions<unknown>);
  const groups = new Map<string, Case[]>();
  for (const c of session.cases) {
    const g = groupOf(c);
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)!.push(c);
  }
  describe(`conformance: ${session.name}`, () => {
    beforeAll(() => session.start());
    afterAll(() => {
      session.dispose();
      session.writeReport();
      const n = countStatuses(session.results);
      console.log(
        `conformance ${session.name}: ${summaryLine(session.results, session.errors.length)} ` +
          `(${n['known-failure']} known failures)`,
      );
    });
    if (session.errors.length)
      it('known-failure list is valid', () => {
        throw new Error(session.errors.join('\n'));
      });
    for (const [name, cases] of groups)
      describe(name, () => cases.forEach((c) => addCase(session, c)));
  });
}

function addCase(session: Session, c: Case): void {
  const skip = session.skipReason(c);
  if (skip !== null) {
    it.skip(`${c.id} [skipped: ${skip}]`, () => {});
    void session.run(c); // records the skip in the report
    return;
  }
  it(session.isKnownFailure(c) ? `${c.id} [known failure]` : c.id, async () => {
    const r = await session.run(c);
    if (r.status === 'failed') throw new Error(r.reason ?? 'failed');
  });
}
