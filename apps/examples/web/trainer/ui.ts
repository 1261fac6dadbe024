/**
 * The demo's user interface, mounted into any element: the Vite page (web/main.ts) and the docs'
 * Vue component (docs/.vitepress/theme/components/TrainDemo.vue) both call `mountTrainer`, so the
 * two pages run the same code. Controls: a backend picker, Start and Stop; output: a progress
 * bar, the live chart and a grid of test images with their predicted labels.
 *
 * The root element's data attributes (`data-state`, `data-accuracy`, the chart's `data-points`)
 * state what the page shows, for the browser tests.
 */
import { LiveChart } from './chart.js';
import { startTraining, type TrainerRun } from './client.js';
import {
  CLASSES,
  DEFAULTS,
  DEMO_BACKENDS,
  type DemoBackend,
  type FromWorker,
  type TrainConfig,
} from './protocol.js';
import { drawGrid, showPredictions } from './grid.js';
import './ui.css';

export interface TrainerOptions {
  backend?: DemoBackend;
  epochs?: number;
  /** Start training at once (the examples page does with `?autostart`). */
  autostart?: boolean;
  /** Train on the first N images only (`?limit=N`; quick checks). */
  trainLimit?: number;
  /** Where the training runs (`?thread=main` to compare; default a Web Worker). */
  thread?: 'worker' | 'main';
}

export interface MountedTrainer {
  start(): void;
  stop(): Promise<void>;
  destroy(): void;
}

const TEMPLATE = `
  <div class="ft-controls">
    <label>Backend <select data-role="backend">
      ${DEMO_BACKENDS.map((b) => `<option value="${b}">${b === 'gpujs' ? 'gpujs (WebGL2)' : 'cpu (TypeScript)'}</option>`).join('')}
    </select></label>
    <label>Epochs <input data-role="epochs" type="number" min="1" max="20" step="1" /></label>
    <button type="button" data-role="start">Train</button>
    <button type="button" data-role="stop" disabled>Stop</button>
  </div>
  <div class="ft-progress"><progress data-role="progress" max="1" value="0"></progress>
    <span data-role="status">Ready: 6,000 training and 1,000 test images of Fashion-MNIST.</span></div>
  <div class="ft-chart" data-role="chart"></div>
  <div class="ft-grid" data-role="grid"></div>`;

export function mountTrainer(root: HTMLElement, opts: TrainerOptions = {}): MountedTrainer {
  root.classList.add('flint-train');
  root.innerHTML = TEMPLATE;
  const $ = <T extends HTMLElement>(role: string) =>
    root.querySelector(`[data-role="${role}"]`) as T;
  const backend = $<HTMLSelectElement>('backend');
  const epochs = $<HTMLInputElement>('epochs');
  const startBtn = $<HTMLButtonElement>('start');
  const stopBtn = $<HTMLButtonElement>('stop');
  const progress = $<HTMLProgressElement>('progress');
  const status = $<HTMLSpanElement>('status');
  const grid = $<HTMLDivElement>('grid');
  backend.value = opts.backend ?? 'gpujs';
  epochs.value = String(opts.epochs ?? DEFAULTS.epochs);
  const chart = new LiveChart($<HTMLDivElement>('chart'));
  let run: TrainerRun | null = null;
  let total = 1;
  const setState = (s: string) => {
    root.dataset.state = s;
    startBtn.disabled = s === 'loading' || s === 'training';
    stopBtn.disabled = !startBtn.disabled;
    backend.disabled = epochs.disabled = startBtn.disabled;
  };
  setState('idle');

  const onMessage = (m: FromWorker) => {
    switch (m.type) {
      case 'ready':
        total = m.totalSteps;
        root.dataset.mode = m.mode;
        setState('training');
        status.textContent = `Training on ${m.device} (${m.mode}): ${m.trainSize} images, ${m.totalSteps} steps…`;
        drawGrid(grid, m.preview.pixels, m.preview.labels);
        break;
      case 'step':
        progress.value = m.step / total;
        chart.addLoss(m.step, m.loss);
        break;
      case 'epoch':
        chart.addAccuracy(m.step, m.testAccuracy);
        root.dataset.accuracy = String(m.testAccuracy);
        status.textContent = `Epoch ${m.epoch}: test accuracy ${(m.testAccuracy * 100).toFixed(1)} % (${m.seconds.toFixed(1)} s)`;
        showPredictions(grid, m.predictions);
        break;
      case 'done':
        setState(m.stopped ? 'stopped' : 'done');
        if (m.stopped) status.textContent += ' — stopped.';
        else
          status.textContent = `Done: test accuracy ${(m.testAccuracy * 100).toFixed(1)} % in ${m.seconds.toFixed(1)} s.`;
        run = null;
        break;
      case 'error':
        setState('error');
        status.textContent = `Error: ${m.message}`;
        run = null;
    }
  };

  const start = () => {
    if (run) return;
    const n = Number(epochs.value);
    const config: TrainConfig = {
      ...DEFAULTS,
      backend: backend.value as DemoBackend,
      epochs: Number.isInteger(n) && n >= 1 && n <= 20 ? n : DEFAULTS.epochs,
      trainLimit: opts.trainLimit,
    };
    chart.reset();
    progress.value = 0;
    delete root.dataset.accuracy;
    setState('loading');
    status.textContent = `Loading the data and starting ${config.backend}…`;
    run = startTraining(config, onMessage, { thread: opts.thread });
  };
  const stop = async () => {
    const r = run;
    if (!r) return;
    await r.stop();
    // a worker that was terminated before it could answer posts nothing more
    if (root.dataset.state === 'loading' || root.dataset.state === 'training')
      onMessage({
        type: 'done',
        testAccuracy: Number(root.dataset.accuracy ?? 0),
        seconds: 0,
        stopped: true,
      });
  };
  startBtn.addEventListener('click', start);
  stopBtn.addEventListener('click', () => void stop());
  const onResize = () => chart.resize();
  window.addEventListener('resize', onResize);
  if (opts.autostart) start();
  return {
    start,
    stop,
    destroy() {
      void run?.stop();
      window.removeEventListener('resize', onResize);
      chart.destroy();
      root.innerHTML = '';
    },
  };
}

export { CLASSES, DEFAULTS };
