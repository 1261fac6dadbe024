#!/usr/bin/env node
// Writes test/conformance.async.known.json: the cases that fail on the conformance suite's
// asynchronous path (the CPU backend without synchronous read-back) because core itself reads
// a tensor synchronously inside an op (a range check, a gradient rule, a device copy). Each entry
// names where core reads. Today it writes `{}`: core defers its value checks there (ops/checks.ts).
// Rerun after a change to core's reads: the known-failure list is strict.
//   node scripts/async-known-failures.mjs      (after `pnpm build` of core, conformance, this package)
import { writeFileSync } from 'node:fs';
import { runCases, withoutSyncRead } from '@flint/conformance';
import { cpuBackend } from '../dist/index.js';

const summary = await runCases({
  create: () => withoutSyncRead(cpuBackend({ name: 'cpu-async' })),
  createSecond: () => withoutSyncRead(cpuBackend({ name: 'cpu-async2' })),
  oracle: () => cpuBackend({ name: 'cpu-oracle' }),
  reportDir: false,
});

/** Which op of core read synchronously: the failing step of a program, else the case's op. */
function whereCoreReads(r) {
  const step = /step \d+ \((\w+)\) threw/.exec(r.reason);
  const grads = !step && /gradients|grad/.test(`${r.id} ${r.reason.split('\n')[0]}`);
  const where = step
    ? `core's ${step[1]}`
    : r.layer === 'diff'
      ? `an op of the program (${r.id.split('/').slice(2).join('/')})${grads ? ' or its gradient' : ''}`
      : `core's ${r.op}${grads ? ' (or its gradient)' : ''}`;
  return (
    `${where} reads a tensor synchronously (item/dataSync), ` +
    `which a device without synchronous read-back cannot; follow-up: async-safe checks in core (issue 9, WebGPU)`
  );
}

const known = {};
const other = [];
for (const r of summary.results) {
  if (r.status !== 'failed') continue;
  if (/no synchronous read-back/.test(r.reason ?? '')) known[r.id] = whereCoreReads(r);
  else other.push(`${r.id}: ${(r.reason ?? '').split('\n')[0]}`);
}
const out = new URL('../test/conformance.async.known.json', import.meta.url);
writeFileSync(out, JSON.stringify(known, null, 1) + '\n');
console.log(`${Object.keys(known).length} known failures written to ${out.pathname}`);
if (other.length) console.log(`other failures (not listed):\n${other.join('\n')}`);
