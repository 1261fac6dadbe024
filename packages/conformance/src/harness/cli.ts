#!/usr/bin/env node
/**
 * `flint-conformance <backend module> [options]`: the suite as a plain node program.
 *
 * The module either exports `conformance` (or a default export) shaped like RunOptions
 * (`{ create, createSecond?, knownFailures? }`), or a backend factory: `--factory NAME`, else the
 * default export if it is a function, else the only exported function named `*Backend`.
 *
 *   --factory NAME         factory export to call
 *   --second NAME          also create a second device: factory({ name: NAME })
 *   --oracle MODULE        reference backend for the cross-backend cases (e.g. @flint/backend-cpu)
 *   --known-failures FILE  JSON object id → reason
 *   --filter PREFIX        only ids starting with PREFIX (repeatable)
 *   --report-dir DIR       where conformance-report.json goes (default: cwd)
 *   --verbose              print every case
 *   --list                 print the case ids and exit
 */
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { installNodeHost } from '../host/node.js';
import { allCases } from './registry.js';
import { optionsFromModule, pickFactory } from './factory.js';
import { formatSummary, runCases } from './runner.js';
import type { KnownFailures, RunOptions } from '../types.js';

interface CliArgs {
  module: string;
  factory?: string;
  second?: string;
  oracle?: string;
  knownFailures?: string;
  filter: string[];
  reportDir?: string;
  verbose: boolean;
  list: boolean;
}

function parseArgs(argv: string[]): CliArgs {
  const a: CliArgs = { module: '', filter: [], verbose: false, list: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--factory') a.factory = next();
    else if (arg === '--second') a.second = next();
    else if (arg === '--oracle') a.oracle = next();
    else if (arg === '--known-failures') a.knownFailures = next();
    else if (arg === '--filter') a.filter.push(next());
    else if (arg === '--report-dir') a.reportDir = next();
    else if (arg === '--verbose') a.verbose = true;
    else if (arg === '--list') a.list = true;
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else a.module = arg;
  }
  return a;
}

async function importBackendModule(spec: string): Promise<Record<string, unknown>> {
  const asPath = resolve(spec);
  if (existsSync(asPath)) return import(pathToFileURL(asPath).href);
  const req = createRequire(join(process.cwd(), 'noop.js'));
  try {
    return await import(pathToFileURL(req.resolve(spec)).href);
  } catch {
    return import(spec);
  }
}

async function optionsFrom(a: CliArgs): Promise<RunOptions> {
  const mod = await importBackendModule(a.module);
  const known = a.knownFailures
    ? (JSON.parse(readFileSync(a.knownFailures, 'utf8')) as KnownFailures)
    : undefined;
  const base = optionsFromModule(mod, { factory: a.factory, second: a.second, spec: a.module });
  if (a.oracle) {
    const f = pickFactory(await importBackendModule(a.oracle), undefined, a.oracle);
    base.oracle = () => f();
  }
  return {
    ...base,
    knownFailures: known ?? base.knownFailures,
    filter: a.filter.length ? a.filter : undefined,
    reportDir: a.reportDir ?? base.reportDir,
  };
}

async function main(): Promise<number> {
  installNodeHost();
  const a = parseArgs(process.argv.slice(2));
  if (a.list) {
    for (const c of allCases()) console.log(c.id);
    return 0;
  }
  if (!a.module) {
    console.error(
      'usage: flint-conformance <backend module> [--factory NAME] [--second NAME] [--oracle MODULE] [--filter PREFIX] …',
    );
    return 2;
  }
  const opts = await optionsFrom(a);
  const summary = await runCases({
    ...opts,
    onResult: (r) => {
      if (a.verbose)
        console.log(
          `${r.status.padEnd(13)} ${r.id}${r.reason && r.status !== 'passed' ? `  (${r.reason.split('\n')[0]})` : ''}`,
        );
    },
  });
  console.log(formatSummary(summary));
  return summary.failed > 0 ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exitCode = 2;
  },
);
