#!/usr/bin/env node
/**
 * `flint-conformance-browser <backend module> [options]`: the suite in headless Chromium (Debian's
 * /usr/bin/chromium, driven by playwright-core), the page served from http://127.0.0.1.
 *
 *   --factory NAME         factory export to call (else the module's `conformance`, else its only factory)
 *   --args JSON            options for the factory, e.g. '{"mode":"webgl2"}'
 *   --second NAME          also create a second device: factory({ ...args, name: NAME })
 *   --oracle MODULE        reference backend for the cross-backend cases (e.g. @flint/backend-cpu)
 *   --oracle-factory NAME  its factory export;  --oracle-name NAME  its device name
 *   --known-failures FILE  JSON object id → reason
 *   --filter PREFIX        only ids starting with PREFIX (repeatable)
 *   --report-dir DIR       where conformance-report.json goes (default: cwd)
 *   --webgpu               start Chromium with --enable-unsafe-webgpu
 *   --without-sync-read    run the backend as a device without synchronous read-back
 *   --chromium PATH        the browser binary (default /usr/bin/chromium)
 *   --verbose              forward the page's console
 *   --write-known FILE     write the failed cases as a known-failure list (id → the first line
 *                          of the failure, after --known-reason TEXT) for a backend in progress;
 *                          run it without --known-failures
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { KnownFailures } from '../types.js';
import { runInBrowser, type BrowserRunOptions } from './driver.js';

interface CliOptions extends BrowserRunOptions {
  writeKnown?: string;
  knownReason?: string;
}

const VALUE = new Map<string, (o: CliOptions, v: string) => void>([
  ['--write-known', (o, v) => (o.writeKnown = v)],
  ['--known-reason', (o, v) => (o.knownReason = v)],
  ['--factory', (o, v) => (o.factory = v)],
  ['--args', (o, v) => (o.args = JSON.parse(v) as Record<string, unknown>)],
  ['--second', (o, v) => (o.second = v)],
  ['--oracle', (o, v) => (o.oracle = moduleSpec(v))],
  ['--oracle-factory', (o, v) => (o.oracleFactory = v)],
  ['--oracle-name', (o, v) => (o.oracleName = v)],
  ['--known-failures', (o, v) => (o.knownFailures = readKnown(v))],
  ['--filter', (o, v) => (o.filter = [...(o.filter ?? []), v])],
  ['--report-dir', (o, v) => (o.reportDir = v)],
  ['--chromium', (o, v) => (o.chromium = v)],
]);

/** A path (relative to cwd) becomes absolute; a package name stays as it is. */
function moduleSpec(v: string): string {
  return v.startsWith('.') || isAbsolute(v) ? resolve(v) : v;
}

function readKnown(path: string): KnownFailures {
  return JSON.parse(readFileSync(path, 'utf8')) as KnownFailures;
}

function parseArgs(argv: string[]): CliOptions {
  const o: CliOptions = { module: '' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const set = VALUE.get(arg);
    if (set) {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      set(o, v);
    } else if (arg === '--webgpu') o.webgpu = true;
    else if (arg === '--without-sync-read') o.withoutSyncRead = true;
    else if (arg === '--verbose') o.verbose = true;
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else o.module = moduleSpec(arg);
  }
  return o;
}

async function main(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  if (!o.module) {
    console.error(
      'usage: flint-conformance-browser <backend module> [--factory NAME] [--args JSON] …',
    );
    return 2;
  }
  const s = await runInBrowser(o);
  for (const e of s.pageErrors) console.log(`page error: ${e}`);
  console.log(`${s.userAgent}\nbundle ${s.ms.bundle} ms, run ${s.ms.run} ms`);
  console.log(s.text);
  if (o.writeKnown) {
    const known: Record<string, string> = {};
    for (const r of s.results)
      if (r.status === 'failed')
        known[r.id] = `${o.knownReason ?? ''}${(r.reason ?? '').split('\n')[0]!.slice(0, 200)}`;
    writeFileSync(o.writeKnown, JSON.stringify(known, null, 1) + '\n');
    console.log(`${Object.keys(known).length} known failures written to ${o.writeKnown}`);
  }
  return s.failed > 0 ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exitCode = 2;
  },
);
