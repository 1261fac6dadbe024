/**
 * The child process of the runner: registers one device, runs the named probes of one category
 * in order and sends each outcome to the parent as soon as it is known (so that a later crash
 * still leaves the earlier outcomes). Started by runner.ts with `fork`.
 *   node dist/src/child.js <category module> <device> <id> [<id> …]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import { gpujsBackend } from '@flint/backend-gpujs';
import { nativeBackend } from '@flint/backend-native';
import { MAX_MESSAGE, type Outcome, type Probe, type ProbeDevice } from './probe.js';

function judge(p: Probe, error: unknown): string | null {
  if (error === undefined)
    return p.expect === 'ok' ? null : `expected ${p.expect.throws}, but it completed`;
  if (!(error instanceof fl.FlintError)) {
    const e = error as Error;
    return `threw an untyped ${e?.name ?? typeof error}: ${String(e?.message ?? error).slice(0, 400)}`;
  }
  const { name, message: msg } = error;
  if (msg.length > MAX_MESSAGE)
    return `${name}'s message is ${msg.length} characters (limit ${MAX_MESSAGE})`;
  if (msg.includes('[object Object]')) return `${name}'s message prints [object Object]: ${msg}`;
  if (p.expect === 'ok') return `threw ${name}: ${msg}`;
  const Want = (fl as unknown as Record<string, unknown>)[p.expect.throws];
  if (typeof Want !== 'function') return `expect names an unknown error class ${p.expect.throws}`;
  if (!(error instanceof (Want as new () => Error)))
    return `expected ${p.expect.throws}, got ${name}: ${msg}`;
  if (p.expect.match && !p.expect.match.test(msg))
    return `${name}'s message does not match ${p.expect.match}: ${msg}`;
  return null;
}

async function main(): Promise<void> {
  const [modulePath, device, ...ids] = process.argv.slice(2) as [string, ProbeDevice, ...string[]];
  if (device === 'native') fl.use(nativeBackend());
  else if (device === 'gpujs') fl.use(gpujsBackend());
  else fl.use(cpuBackend());
  const { probes } = (await import(pathToFileURL(modulePath).href)) as { probes: Probe[] };
  const byId = new Map(probes.map((p) => [p.id, p]));
  for (const id of ids) {
    const p = byId.get(id)!;
    const tmp = mkdtempSync(join(tmpdir(), 'flint-probe-'));
    let error: unknown;
    try {
      await p.run({ fl, device, tmp });
    } catch (e) {
      error = e ?? new Error(`threw ${String(e)}`);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    const why = judge(p, error);
    const outcome: Outcome =
      why === null ? { id, status: 'passed' } : { id, status: 'failed', why };
    await new Promise<void>((done) => process.send!(outcome, () => done()));
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(3);
  },
);
