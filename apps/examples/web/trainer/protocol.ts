/**
 * Messages between the page and the training worker (worker.ts). Plain data only: they cross
 * `postMessage`, so no tensors, no class instances.
 */

/** Devices the demo offers: gpu.js on WebGL2, or the pure-TypeScript CPU backend. */
export type DemoBackend = 'gpujs' | 'cpu';
export const DEMO_BACKENDS: readonly DemoBackend[] = ['gpujs', 'cpu'];

/** URLs of the four gzipped IDX files that scripts/make-web-data.mjs writes. */
export interface DataUrls {
  trainImages: string;
  trainLabels: string;
  testImages: string;
  testLabels: string;
}

export interface TrainConfig {
  backend: DemoBackend;
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  /** How many test images the page shows with their predicted labels. */
  previewCount: number;
  /** Train on the first N images of the subset only (quick checks); default all. */
  trainLimit?: number;
}

/**
 * The demo's settings: two epochs of Adam reach about 83 % test accuracy on the subset (80 % is
 * what the tests require), few enough steps for an emulated GPU.
 */
export const DEFAULTS: Omit<TrainConfig, 'backend'> = {
  epochs: 2,
  batchSize: 64,
  lr: 2e-3,
  seed: 0,
  previewCount: 16,
};

export type ToWorker = { type: 'start'; config: TrainConfig; data: DataUrls } | { type: 'stop' };

export type FromWorker =
  /** Data decoded and backend started; `preview` holds the shown test images (uint8, 784 each). */
  | {
      type: 'ready';
      device: string;
      mode: string;
      trainSize: number;
      testSize: number;
      totalSteps: number;
      preview: { pixels: Uint8Array; labels: number[] };
    }
  | { type: 'step'; step: number; epoch: number; loss: number }
  | {
      type: 'epoch';
      epoch: number;
      step: number;
      testLoss: number;
      testAccuracy: number;
      /** Predicted class of each preview image. */
      predictions: number[];
      seconds: number;
    }
  | { type: 'done'; testAccuracy: number; seconds: number; stopped: boolean }
  | { type: 'error'; message: string };

/** Fashion-MNIST's class names, by label. */
export const CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;
