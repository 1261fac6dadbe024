/**
 * The page's side of the training worker: starts worker.ts as a module worker, forwards its
 * messages, and stops it — first asking it to finish its step and free its tensors, then
 * terminating it (which also releases its WebGL context) whether or not it answered.
 */
import type { DataUrls, FromWorker, TrainConfig } from './protocol.js';

/** The data files next to this module; Vite copies them into the build and rewrites the URLs. */
export const DATA_URLS: DataUrls = {
  trainImages: new URL('../data/train-images-idx3-ubyte.gz', import.meta.url).href,
  trainLabels: new URL('../data/train-labels-idx1-ubyte.gz', import.meta.url).href,
  testImages: new URL('../data/t10k-images-idx3-ubyte.gz', import.meta.url).href,
  testLabels: new URL('../data/t10k-labels-idx1-ubyte.gz', import.meta.url).href,
};

/** How long `stop()` waits for the worker to end its run before terminating it anyway. */
const STOP_GRACE_MS = 2000;

export interface TrainerRun {
  /** Ends the run: resolves once the worker is gone. Safe to call more than once. */
  stop(): Promise<void>;
}

/**
 * Start a run. `thread: 'main'` runs the session on the page's own thread instead of a worker:
 * for comparison only, the page then freezes between yields.
 */
export function startTraining(
  config: TrainConfig,
  onMessage: (m: FromWorker) => void,
  opts: { data?: DataUrls; thread?: 'worker' | 'main' } = {},
): TrainerRun {
  const data = opts.data ?? DATA_URLS;
  if (opts.thread === 'main') return startInPage(config, onMessage, data);
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  let finished = false;
  let onFinished: () => void = () => {};
  const end = () => {
    if (finished) return;
    finished = true;
    worker.terminate();
    onFinished();
  };
  worker.onmessage = (e: MessageEvent<FromWorker>) => {
    if (finished) return;
    onMessage(e.data);
    if (e.data.type === 'done' || e.data.type === 'error') end();
  };
  // a worker that fails to load (a bad URL, a syntax error) reports here, not through onmessage
  worker.onerror = (e: ErrorEvent) => {
    e.preventDefault();
    if (finished) return;
    onMessage({ type: 'error', message: `training worker failed: ${e.message || 'load error'}` });
    end();
  };
  worker.postMessage({ type: 'start', config, data });
  return {
    stop() {
      if (finished) return Promise.resolve();
      return new Promise<void>((resolve) => {
        onFinished = resolve;
        worker.postMessage({ type: 'stop' });
        setTimeout(end, STOP_GRACE_MS);
      });
    },
  };
}

function startInPage(
  config: TrainConfig,
  onMessage: (m: FromWorker) => void,
  data: DataUrls,
): TrainerRun {
  let stop = false;
  let finished = false;
  const done = import('./session.js').then(({ runSession }) =>
    runSession(
      config,
      data,
      (m) => !finished && onMessage(m),
      () => stop,
      'on the main thread',
    ),
  );
  void done.finally(() => (finished = true));
  return {
    stop() {
      stop = true;
      return done;
    },
  };
}
