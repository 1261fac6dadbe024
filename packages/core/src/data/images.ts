/**
 * MNIST-format image sets from parsed IDX arrays: the part of the vision datasets that needs no
 * file system, shared by Node's folder loaders (vision.ts) and anything that has the bytes.
 */
import { FormatError, fmtShape } from '../errors.js';
import { upload } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';
import type { IdxArray } from './idx.js';

/** Fashion-MNIST's class names, by label. */
export const FASHION_MNIST_CLASSES: readonly string[] = [
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
];

/** An image classification set: images and their labels. */
export interface ImageSet {
  /** float32 [N, 1, H, W], pixels scaled to [0, 1]. */
  images: Tensor;
  /** int32 [N]. */
  labels: Tensor;
}

/** @internal Images uint8 [N, H, W] and labels uint8 [N] as tensors; `where` names the source. */
export function toImageSet(
  images: IdxArray,
  labels: IdxArray,
  where: string,
  device?: string,
): ImageSet {
  if (images.dtype !== 'uint8' || images.shape.length !== 3)
    throw new FormatError(
      `${where}: images must be uint8 [N, H, W], got ${images.dtype} ${fmtShape(images.shape)}`,
    );
  if (labels.dtype !== 'uint8' || labels.shape.length !== 1 || labels.shape[0] !== images.shape[0])
    throw new FormatError(
      `${where}: labels must be uint8 [${images.shape[0]}] to match the images, got ${labels.dtype} ${fmtShape(labels.shape)}`,
    );
  const [n, h, w] = images.shape as [number, number, number];
  const px = new Float32Array(images.data.length);
  for (let i = 0; i < px.length; i++) px[i] = images.data[i]! / 255;
  const x = upload(px, [n, 1, h, w], 'float32', device);
  try {
    return { images: x, labels: upload(Int32Array.from(labels.data), [n], 'int32', device) };
  } catch (e) {
    x.dispose();
    throw e;
  }
}
