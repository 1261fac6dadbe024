/**
 * `Model.fit`'s progress in a terminal (Node): one cli-progress bar per epoch with loss, metrics,
 * throughput and ETA. cli-progress is loaded on first use, so runs without a TTY never load it.
 */
import type { Progress } from '../train/progress.js';
import { fmtLogs } from '../train/progress.js';

export async function terminalBar(): Promise<Progress> {
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
