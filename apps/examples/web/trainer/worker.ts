/**
 * The training worker (a module Web Worker): the page posts `start` with its settings and the data
 * URLs, the worker runs one session (session.ts) and posts its progress; `stop` ends the run
 * between two steps, after which the page terminates the worker. Training here keeps the page's
 * main thread free; gpu.js renders into an OffscreenCanvas, which Chromium offers in workers.
 */
import type { FromWorker, ToWorker } from './protocol.js';
import { runSession } from './session.js';

interface WorkerScope {
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  postMessage(m: FromWorker): void;
}
const scope = self as unknown as WorkerScope;

let stopRequested = false;
let started = false;

scope.onmessage = (e) => {
  const msg = e.data;
  if (msg.type === 'stop') stopRequested = true;
  else if (!started) {
    started = true;
    void runSession(
      msg.config,
      msg.data,
      (m) => scope.postMessage(m),
      () => stopRequested,
      'in a Web Worker',
    );
  }
};
