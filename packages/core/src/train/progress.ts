/**
 * Terminal progress for `fit`: one bar per epoch (cli-progress) with loss, metrics and throughput.
 * Quiet when stdout is not a TTY or outside Node. The library is loaded lazily so browsers and
 * non-interactive runs never pay for it.
 */
import type { Logs } from './callbacks.js';

export interface Progress {
  start(epoch: number, epochs: number, batches: number): void;
  update(batch: number, logs: Logs, samplesPerSec: number): void;
  stop(logs: Logs): void;
}

const quiet: Progress = { start() {}, update() {}, stop() {} };

function isTTY(): boolean {
  const p = (globalThis as { process?: { stdout?: { isTTY?: boolean } } }).process;
  return p?.stdout?.isTTY === true;
}

function fmtLogs(logs: Logs): string {
  return Object.entries(logs)
    .map(([k, v]) => `${k} ${Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2)}`)
    .join('  ');
}

/** A progress reporter: a real bar on a TTY when `verbose` allows it, else silence. */
export async function createProgress(verbose: 0 | 1 | 'auto'): Promise<Progress> {
  if (verbose === 0 || !isTTY()) return quiet;
  const { default: cli } = await import('cli-progress');
  let bar: InstanceType<typeof cli.SingleBar> | null = null;
  return {
    start(epoch, epochs, batches) {
      bar = new cli.SingleBar(
        {
          format: `Epoch ${epoch + 1}/${epochs} {bar} {value}/{total} | {logs} | {rate} samples/s | ETA {eta_formatted}`,
          hideCursor: true,
          clearOnComplete: false,
          stopOnComplete: false,
        },
        cli.Presets.shades_classic,
      );
      bar.start(batches, 0, { logs: '', rate: '-' });
    },
    update(batch, logs, rate) {
      bar?.update(batch, { logs: fmtLogs(logs), rate: rate.toFixed(0) });
    },
    stop(logs) {
      bar?.update({ logs: fmtLogs(logs) });
      bar?.stop();
      bar = null;
    },
  };
}
