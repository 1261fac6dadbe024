/**
 * `Model.fit`'s progress: a live bar per epoch where output is a terminal (Node's TTYs; the bar
 * comes from `#platform`, so browser bundles do not carry it), otherwise one console line per
 * epoch: the browser's console, CI logs and pipes get a record instead of redraw sequences.
 */
import { platform } from '#platform';
import type { Logs } from './callbacks.js';

export interface Progress {
  start(epoch: number, epochs: number, batches: number): void;
  update(batch: number, logs: Logs, samplesPerSec: number): void;
  stop(logs: Logs): void;
}

const quiet: Progress = { start() {}, update() {}, stop() {} };

export function fmtLogs(logs: Logs): string {
  return Object.entries(logs)
    .map(([k, v]) => `${k} ${Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2)}`)
    .join('  ');
}

/** One line per epoch, written when the epoch ends: `Epoch 2/5: 10/10 batches | loss 0.1234 | 950 samples/s | 0.4 s`. */
export function epochLines(log: (line: string) => void = (l) => console.log(l)): Progress {
  let head = '';
  let done = 0;
  let batches = 0;
  let rate = 0;
  let t0 = 0;
  return {
    start(epoch, epochs, total) {
      head = `Epoch ${epoch + 1}/${epochs}`;
      [done, batches, rate, t0] = [0, total, 0, performance.now()];
    },
    update(batch, _logs, samplesPerSec) {
      [done, rate] = [batch, samplesPerSec];
    },
    stop(logs) {
      const secs = ((performance.now() - t0) / 1000).toFixed(1);
      // an iterable of batches without a length (a generator) has no total to show
      const count = batches > 0 ? `${done}/${batches}` : String(done);
      const parts = [`${head}: ${count} batches`, fmtLogs(logs), `${rate.toFixed(0)} samples/s`];
      log(`${parts.filter((p) => p !== '').join(' | ')} | ${secs} s`);
    },
  };
}

/** `verbose` 0 is silent; otherwise a terminal bar where there is one, else epoch lines. */
export async function createProgress(verbose: 0 | 1 | 'auto'): Promise<Progress> {
  if (verbose === 0) return quiet;
  return (await platform.terminalProgress()) ?? epochLines();
}
