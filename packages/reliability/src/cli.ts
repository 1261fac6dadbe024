/**
 * Runs the probes without vitest and prints a count per category and device:
 *   pnpm --filter @flint/reliability probe [category …] [--device cpu|native]
 * Exit code 1 when any probe failed.
 */
import { categories } from './categories.js';
import { PROBE_DEVICES, type ProbeDevice } from './probe.js';
import { runCategory } from './runner.js';

const argv = process.argv.slice(2);
const di = argv.indexOf('--device');
const devices = di >= 0 ? [argv[di + 1] as ProbeDevice] : PROBE_DEVICES;
const names = argv.filter((a, i) => !a.startsWith('--') && (di < 0 || i !== di + 1));

let failed = 0;
for (const c of categories().filter((c) => names.length === 0 || names.includes(c.name))) {
  for (const device of devices) {
    const outcomes = await runCategory(c.modulePath, device);
    const bad = outcomes.filter((o) => o.status === 'failed');
    failed += bad.length;
    console.log(
      `${c.name.padEnd(14)} ${device.padEnd(7)} ${outcomes.length - bad.length}/${outcomes.length} passed`,
    );
    for (const o of bad) if (o.status === 'failed') console.log(`  FAIL ${o.id}: ${o.why}`);
  }
}
process.exit(failed > 0 ? 1 : 0);
