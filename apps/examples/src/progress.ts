/**
 * Progress for hand-written training loops: on a terminal one line redrawn in place (batch,
 * running loss, samples/s); elsewhere (CI logs, pipes) one line per epoch only.
 */
export interface LoopProgress {
  /** Call after each batch with its size and loss. */
  batch(size: number, loss: number): void;
  /** Finish the epoch's line with extra text (validation results…); returns the epoch's mean loss. */
  end(extra?: string): number;
}

export type Log = (line: string) => void;

/** Seconds as "12.3s" or "2m05s". */
export const fmtTime = (s: number) =>
  s >= 90
    ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`
    : `${s.toFixed(1)}s`;

export function epochProgress(
  epoch: number,
  epochs: number,
  batches: number,
  log: Log,
  tty = process.stdout.isTTY === true,
): LoopProgress {
  const t0 = performance.now();
  let seen = 0;
  let lossSum = 0;
  let done = 0;
  let lastDraw = 0;
  const head = `Epoch ${epoch + 1}/${epochs}`;
  const width = 24;
  return {
    batch(size, loss) {
      seen += size;
      lossSum += loss * size;
      done++;
      const now = performance.now();
      if (!tty || (now - lastDraw < 100 && done < batches)) return;
      lastDraw = now;
      const filled = Math.round((done / batches) * width);
      const rate = seen / ((now - t0) / 1000);
      const eta = (batches - done) * ((now - t0) / 1000 / done);
      process.stdout.write(
        `\r${head} [${'='.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${batches} loss ${(lossSum / seen).toFixed(4)} | ${rate.toFixed(0)} samples/s | ETA ${fmtTime(eta)}   `,
      );
    },
    end(extra = '') {
      const mean = lossSum / Math.max(1, seen);
      if (tty) process.stdout.write('\r\x1b[2K');
      log(
        `${head}  loss ${mean.toFixed(4)}${extra}  (${fmtTime((performance.now() - t0) / 1000)})`,
      );
      return mean;
    },
  };
}
