/**
 * `@flint/conformance`: the shared suite every Flint backend runs (DESIGN §8).
 *
 * - `runCases(opts)` runs it anywhere (plain node, the GPU machine, a browser page) and writes
 *   conformance-report.json; the `flint-conformance` bin wraps it for a backend module path.
 * - `@flint/conformance/vitest` exports the synchronous `runConformance(opts)` for a test file;
 *   `runConformance` here is the same, loaded lazily so this entry never imports vitest.
 * @example
 * import { runConformance } from '@flint/conformance/vitest';
 * runConformance({ create: () => cpuBackend() });
 */
import { installNodeHost } from './host/node.js';
import type { RunOptions } from './types.js';

// This entry is Node's: fixtures come from the package folder, the report goes to a file.
installNodeHost();

export type * from './types.js';
export { runCases, formatSummary } from './harness/runner.js';
export type { RunCasesOptions } from './harness/runner.js';
export { allCases } from './harness/registry.js';
export { REPORT_FILE } from './harness/report.js';
export { installHost } from './host/host.js';
export { withoutSyncRead } from './harness/async-only.js';
export type { Host, FixtureDir, ReportDoc } from './host/host.js';

/** Register the suite with vitest (await it at the top of a test file); prefer `@flint/conformance/vitest`. */
export async function runConformance<B, O>(opts: RunOptions<B, O>): Promise<void> {
  const { runConformance: register } = await import('./harness/vitest.js');
  register(opts);
}
