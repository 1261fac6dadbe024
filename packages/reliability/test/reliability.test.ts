/**
 * The reliability suite: every probe category on every device, each in child processes (see
 * src/runner.ts). A probe  fails when it crashes or hangs the process, throws anything but the
 * typed FlintError it expects, or prints an unbounded or `[object Object]` message. It runs the
 * compiled probes (dist/), because the child processes are plain node.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { categories } from '../dist/src/categories.js';
import { PROBE_DEVICES } from '../dist/src/probe.js';
import { runCategory } from '../dist/src/runner.js';

const counts: string[] = [];

describe.each(categories())('$name', ({ name, modulePath }) => {
  it.each(PROBE_DEVICES)('every probe on %s', async (device) => {
    const outcomes = await runCategory(modulePath, device);
    const failed = outcomes.filter((o) => o.status === 'failed');
    counts.push(
      `${name} on ${device}: ${outcomes.length - failed.length}/${outcomes.length} passed`,
    );
    expect(failed.map((o) => `${o.id}: ${o.status === 'failed' ? o.why : ''}`)).toEqual([]);
  });
});

afterAll(() => {
  console.log(`reliability probes\n  ${counts.join('\n  ')}`);
});
