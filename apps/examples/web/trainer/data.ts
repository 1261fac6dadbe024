/**
 * The demo's data: the four gzipped IDX files of scripts/make-web-data.mjs, decoded by
 * `fl.data.parseIdx`. The training images stay in host memory and each batch is uploaded when the
 * loader draws it: 64 rows per step, instead of gathering rows out of the whole set on the device
 * (on gpujs that gather costs time in proportion to the set, measured 56 ms per batch at 640
 * rows and 192 ms at 6,000 in Node). The test images are uploaded once, for evaluation.
 */
import * as fl from '@flint/core';
import type { DataUrls, TrainConfig } from './protocol.js';

/**
 * Fashion-MNIST's pixel mean and standard deviation over its training set (of x / 255), the
 * values PyTorch examples pass to `transforms.Normalize`: standardised inputs let Adam reach 80 %
 * in about half the steps, which matters on an emulated GPU.
 */
export const PIXEL_MEAN = 0.286;
export const PIXEL_STD = 0.353;
const PIXELS = 784;

/** Standardised float32 pixels and int32 labels of N images, in host memory. */
interface HostImages {
  x: Float32Array;
  y: Int32Array;
  n: number;
}

/** Batches as [float32 [B, 784], int32 [B]] tensors on `device`, made from host rows. */
export class ImageBatches extends fl.data.Dataset<[fl.Tensor, fl.Tensor]> {
  constructor(
    private readonly images: HostImages,
    private readonly device: string,
  ) {
    super();
  }

  get length(): number {
    return this.images.n;
  }

  get(index: number): [fl.Tensor, fl.Tensor] {
    const [x, y] = this.getBatch([index]);
    return [x.reshape([PIXELS]), y.reshape([])];
  }

  override getBatch(indices: readonly number[]): [fl.Tensor, fl.Tensor] {
    const b = indices.length;
    const x = new Float32Array(b * PIXELS);
    const y = new Int32Array(b);
    indices.forEach((r, i) => {
      x.set(this.images.x.subarray(r * PIXELS, (r + 1) * PIXELS), i * PIXELS);
      y[i] = this.images.y[r]!;
    });
    return [
      fl.tensor(x, { shape: [b, PIXELS], device: this.device }),
      fl.tensor(y, { device: this.device }),
    ];
  }
}

export interface Subset {
  train: ImageBatches;
  /** float32 [N, 784] standardised pixels and int32 [N] labels, on the device. */
  test: { x: fl.Tensor; y: fl.Tensor };
  /** The first test images as uint8 pixels (784 each) and their labels, for the page's grid. */
  preview: { pixels: Uint8Array; labels: number[] };
}

/** The first `limit` images of an IDX pair, checked, standardised. */
function hostImages(images: fl.data.IdxArray, labels: fl.data.IdxArray, limit: number): HostImages {
  const [n0, h, w] = images.shape as [number, number, number];
  if (images.dtype !== 'uint8' || labels.shape[0] !== n0 || h * w !== PIXELS)
    throw new fl.FormatError(
      `train demo: expected uint8 images [N, 28, 28] and N labels, got ${images.dtype} ` +
        `[${images.shape.join(', ')}] and labels [${labels.shape.join(', ')}]`,
    );
  const n = Math.min(limit, n0);
  const x = new Float32Array(n * PIXELS);
  for (let i = 0; i < x.length; i++) x[i] = (images.data[i]! / 255 - PIXEL_MEAN) / PIXEL_STD;
  return { x, y: Int32Array.from(labels.data.subarray(0, n)), n };
}

/** Fetch and decode the four IDX files (gzipped or not); the test set goes to `device`. */
export async function loadSubset(
  urls: DataUrls,
  device: string,
  cfg: Pick<TrainConfig, 'previewCount' | 'trainLimit'>,
  fetchBytes: (url: string) => Promise<Uint8Array>,
): Promise<Subset> {
  const [trX, trY, teX, teY] = await Promise.all(
    [urls.trainImages, urls.trainLabels, urls.testImages, urls.testLabels].map(async (u) =>
      fl.data.parseIdx(await fetchBytes(u)),
    ),
  );
  const test = hostImages(teX!, teY!, Infinity);
  const k = Math.min(cfg.previewCount, test.n);
  return {
    train: new ImageBatches(hostImages(trX!, trY!, cfg.trainLimit ?? Infinity), device),
    test: {
      x: fl.tensor(test.x, { shape: [test.n, PIXELS], device }),
      y: fl.tensor(test.y, { device }),
    },
    preview: {
      pixels: (teX!.data as Uint8Array).slice(0, k * PIXELS),
      labels: Array.from(test.y.subarray(0, k)),
    },
  };
}
