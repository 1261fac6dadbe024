/**
 * The PyTorch peer's peak-memory measurement, checked where torch is installed (it is only with
 * FLINT_FIXTURES=1 bootstrap, so CI usually skips this file's case with the reason).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PYTHON = process.env.FLINT_BENCH_PYTHON ?? '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../../python/peer.py', import.meta.url));

function hasTorch(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Sends JSON-line commands to one peer process and returns its answers. */
function ask(commands: object[]): Record<string, number>[] {
  const input = commands.map((c) => JSON.stringify(c)).join('\n') + '\n';
  const out = execFileSync(PYTHON, [SCRIPT, 'torch', '1'], { input, encoding: 'utf8' });
  return out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, number>);
}

describe.skipIf(!hasTorch())('PyTorch peer peak memory (needs python3-torch)', () => {
  it('replays allocator events exactly on a case whose peak is known', () => {
    const [, check] = ask([{ cmd: 'info' }, { cmd: 'selfcheck' }]);
    expect(check!.measured).toBe(check!.expected);
  });

  it('counts the MLP step’s transient peak: above the bytes live between steps', () => {
    const spec = { family: 'peakMemory', batch: 64, sizes: [784, 128, 64, 10] };
    const [, , run] = ask([{ cmd: 'info' }, { cmd: 'prepare', spec }, { cmd: 'run', handle: 1 }]);
    // Between steps: parameters, their gradients, Adam's two moments, the batch. The step adds
    // activations, their gradients and temporaries on top, so the peak must exceed that.
    const params = 784 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10;
    const between = 4 * params * 4 + 64 * 784 * 4 + 64 * 8;
    expect(run!.value).toBeGreaterThan(between);
  });
});
