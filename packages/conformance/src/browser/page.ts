/**
 * `@flint/conformance/browser`: the suite inside a web page. No Node built-in is reachable from
 * here: the fixtures are fetched once before the run (the case list is built synchronously), and
 * the report is returned to whoever drives the page (the Node driver, through Playwright).
 */
import { installHost, type FixtureDir, type Host, type ReportDoc } from '../host/host.js';
import { withoutSyncRead } from '../harness/async-only.js';
import { optionsFromModule, pickFactory, type ModuleChoice } from '../harness/factory.js';
import { formatSummary, runCases } from '../harness/runner.js';
import type { KnownFailures, RunSummary } from '../types.js';

/** Fixture file names per folder, as the driver lists them; fetched from `${base}${dir}/${name}`. */
export type FixtureManifest = Record<FixtureDir, string[]>;

/**
 * Fetch every fixture named in `files` (in parallel) and install a host that serves them from
 * memory and keeps the report instead of writing a file. Returns the kept report's getter.
 */
export async function prepareBrowserHost(
  base: string,
  files: FixtureManifest,
): Promise<() => ReportDoc | null> {
  const docs = new Map<string, unknown>();
  const jobs: Promise<void>[] = [];
  for (const dir of Object.keys(files) as FixtureDir[])
    for (const name of files[dir]) {
      const url = `${base}${dir ? `${dir}/` : ''}${name}`;
      jobs.push(
        fetch(url).then(async (r) => {
          if (!r.ok) throw new Error(`fixture ${url}: HTTP ${r.status}`);
          docs.set(`${dir}/${name}`, await r.json());
        }),
      );
    }
  await Promise.all(jobs);
  let report: ReportDoc | null = null;
  const host: Host = {
    listFixtures: (dir) => [...(files[dir] ?? [])].sort(),
    readFixture(dir, name) {
      const d = docs.get(`${dir}/${name}`);
      if (d === undefined) throw new Error(`fixture ${dir}/${name} was not fetched`);
      return d;
    },
    writeReport(_dir, doc) {
      report = doc;
      return 'conformance-report.json (returned to the driver)';
    },
  };
  installHost(host);
  return () => report;
}

/** What the driver asks the page to run (plain JSON: it crosses page.evaluate). */
export interface PageRunRequest extends ModuleChoice {
  fixturesBase: string;
  fixtures: FixtureManifest;
  /** Factory export of the oracle module (bundled as `oracle`), if the run has an oracle. */
  oracleFactory?: string;
  /** Device name for the oracle (it must differ from the backend's): factory({ name }). */
  oracleName?: string;
  knownFailures?: KnownFailures;
  filter?: string[];
  name?: string;
  /** Present the backend(s) under test without synchronous read-back (the asynchronous path). */
  withoutSyncRead?: boolean;
  /** Print a progress line to the console every this many cases (0: never). */
  progressEvery?: number;
}

export interface PageRunResult {
  summary: Omit<RunSummary, 'reportPath'>;
  text: string;
  report: ReportDoc | null;
  ms: number;
}

/**
 * Run the suite in this page against `mod` (and `oracle` when given). The driver calls this
 * through page.evaluate and writes the report it returns.
 */
export async function runInPage(
  mod: Record<string, unknown>,
  oracle: Record<string, unknown> | undefined,
  req: PageRunRequest,
): Promise<PageRunResult> {
  const t0 = performance.now();
  const report = await prepareBrowserHost(req.fixturesBase, req.fixtures);
  const base = optionsFromModule(mod, req);
  if (req.withoutSyncRead) {
    const [create, second] = [base.create, base.createSecond];
    base.create = () => withoutSyncRead(create());
    base.createSecond = second && (() => withoutSyncRead(second()));
  }
  if (oracle) {
    const f = pickFactory(oracle, req.oracleFactory);
    const name = req.oracleName;
    base.oracle = () => (name ? f({ name }) : f());
  }
  let done = 0;
  const every = req.progressEvery ?? 0;
  const summary = await runCases({
    ...base,
    name: req.name ?? base.name,
    knownFailures: req.knownFailures ?? base.knownFailures,
    filter: req.filter?.length ? req.filter : undefined,
    onResult: (r) => {
      done++;
      if (r.status === 'failed') console.log(`FAIL ${r.id}`);
      if (every && done % every === 0) console.log(`… ${done} cases`);
    },
  });
  const { reportPath: _unused, ...rest } = summary;
  return {
    summary: rest,
    text: formatSummary({ ...summary, reportPath: null }),
    report: report(),
    ms: Math.round(performance.now() - t0),
  };
}
