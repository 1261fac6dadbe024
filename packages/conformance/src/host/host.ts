/**
 * Where the suite gets its fixtures and puts its report. The cases only see this interface, so
 * they carry no Node built-in: Node entries install `nodeHost()` (node:fs), a browser page
 * installs a host that fetched every fixture beforehand and hands the report back to Node.
 */

export const REPORT_FILE = 'conformance-report.json';

/** Fixture folders under packages/conformance/fixtures/: '' is the top (golden fixtures). */
export type FixtureDir = '' | 'nn' | 'diff';

/** The document written as conformance-report.json. */
export interface ReportDoc {
  /** The suite's package name, `'@flint/conformance'`. */
  suite: string;
  /** The backend's name as the run reported it. */
  backend: string;
  [k: string]: unknown;
}

/**
 * Where the suite reads fixtures and writes its report: Node's file system by default, or another
 * host (a browser page) installed first.
 */
export interface Host {
  /** Names of the JSON files in a fixture folder, sorted; [] when the folder is missing. */
  listFixtures(dir: FixtureDir): string[];
  /** A fixture file, parsed. */
  readFixture(dir: FixtureDir, name: string): unknown;
  /** Store the report (`dir` as RunOptions.reportDir gives it); returns where it went. */
  writeReport(dir: string | undefined, doc: ReportDoc): string;
}

let current: Host | null = null;

/** Make `h` the host every later run and fixture read uses. */
export function installHost(h: Host): void {
  current = h;
}

export function hasHost(): boolean {
  return current !== null;
}

export function host(): Host {
  if (current) return current;
  throw new Error(
    "@flint/conformance: no host installed (import the suite from '@flint/conformance' or " +
      "'@flint/conformance/vitest' in Node, or call prepareBrowserHost() from " +
      "'@flint/conformance/browser' in a page)",
  );
}
