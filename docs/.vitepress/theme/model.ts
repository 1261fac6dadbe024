/**
 * The "Open a model" page's logic: read a safetensors file with `fl.io.loadWithMetadata`, describe
 * each tensor (dtype in the file and as loaded, shape, bytes, value statistics), and, when the
 * state dict fits the examples' CNN (apps/examples/src/cnn.ts), load it into that module and
 * classify a few Fashion-MNIST test images bundled with the site.
 */
import { loadFlint, type Flint } from './flint.js';
import type { Tensor } from '@flint/core';

export interface TensorRow {
  name: string;
  /** dtype as written in the file (`F16`, `F32`, …). */
  fileDtype: string;
  /** dtype of the loaded tensor (F16/BF16 load as float32). */
  dtype: string;
  shape: number[];
  bytes: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  /** Sample standard deviation (PyTorch's `t.std()`, correction 1); null below 2 elements. */
  std: number | null;
}

export interface OpenedModel {
  source: string;
  size: number;
  metadata: Record<string, string>;
  rows: TensorRow[];
  tensors: Record<string, Tensor>;
}

/** The file header's dtype per tensor name (fl.io reports the loaded dtype only). */
function fileDtypes(bytes: Uint8Array): Record<string, string> {
  if (bytes.byteLength < 8) return {};
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (n > bytes.byteLength - 8) return {};
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<
    string,
    { dtype?: string }
  >;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(header)) if (k !== '__metadata__') out[k] = String(v.dtype);
  return out;
}

/** min, max, mean and std of `t`, computed in float64 (integers and booleans too). */
function stats(fl: Flint, t: Tensor): Pick<TensorRow, 'min' | 'max' | 'mean' | 'std'> {
  if (t.numel() === 0) return { min: null, max: null, mean: null, std: null };
  return fl.tidy(() => {
    const d = t.to('float64');
    return {
      min: d.min().item(),
      max: d.max().item(),
      mean: d.mean().item(),
      std: t.numel() > 1 ? d.std().item() : null,
    };
  });
}

/** Reads a safetensors file (a File from the input or a drop, or a fetched Blob). */
export async function openModel(blob: Blob, source: string): Promise<OpenedModel> {
  const { fl } = await loadFlint();
  fl.setDefaultDevice('cpu');
  const bytes = new Uint8Array(await blob.arrayBuffer());
  const { tensors, metadata } = await fl.io.loadWithMetadata(bytes);
  const dtypes = fileDtypes(bytes);
  const rows = Object.entries(tensors).map(([name, t]) => ({
    name,
    fileDtype: dtypes[name] ?? '?',
    dtype: t.dtype,
    shape: [...t.shape],
    bytes: t.numel() * fileBytes(dtypes[name], t.dtype),
    ...stats(fl, t),
  }));
  return { source, size: bytes.byteLength, metadata: { ...metadata }, rows, tensors };
}

/** Bytes per element of each safetensors dtype Flint reads, and of each loaded dtype. */
const FILE_BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4 };
const DTYPE_BYTES: Record<string, number> = { float64: 8, float32: 4, int32: 4, bool: 1 };

/** Bytes per element in the file (the loaded dtype's size if the header named none we know). */
function fileBytes(fileDtype: string | undefined, dtype: string): number {
  const extra: Record<string, number> = { I16: 2, I8: 1, U8: 1, BOOL: 1 };
  return FILE_BYTES[fileDtype ?? ''] ?? extra[fileDtype ?? ''] ?? DTYPE_BYTES[dtype] ?? 4;
}

/** The examples' CNN (apps/examples/src/cnn.ts): the same layers, so the same state-dict keys. */
export function cnn(fl: Flint) {
  const { nn } = fl;
  return new nn.Sequential(
    new nn.Conv2d(1, 32, 3),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(32, 64, 3),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(64 * 5 * 5, 10),
  );
}

/** Why the state dict does not fit the CNN (keys, shapes), or null when it does. */
export function cnnMismatch(fl: Flint, tensors: Record<string, Tensor>): string | null {
  const expected = fl.tidy(() =>
    Object.entries(cnn(fl).stateDict()).map(([k, t]) => [k, [...t.shape]] as const),
  );
  const want = expected.map(([k, s]) => `${k} [${s.join(', ')}]`);
  const have = new Set(Object.entries(tensors).map(([k, t]) => `${k} [${t.shape.join(', ')}]`));
  const missing = want.filter((w) => !have.has(w));
  if (missing.length === 0 && have.size === want.length) return null;
  const detail = missing.length
    ? ` (missing or shaped differently here: ${missing.slice(0, 4).join(', ')})`
    : '';
  return `it is not the examples' CNN, whose state dict is ${want.join(', ')}${detail}`;
}

export interface Prediction {
  /** 28×28 grey levels in [0, 1], row-major. */
  pixels: Float32Array;
  label: number;
  predicted: number;
  /** PyTorch's prediction for the same image with the same weights (apps/examples/fixtures). */
  torch: number;
}

export interface CnnRun {
  predictions: Prediction[];
  /** Largest |Flint − PyTorch| over the logits. */
  maxAbsDiff: number;
  classes: readonly string[];
}

interface Expected {
  cnn: { labels: number[]; predicted: number[]; logits: number[][] };
}

/** Loads the state dict into the CNN and classifies the bundled test images. */
export async function runCnn(
  tensors: Record<string, Tensor>,
  inputsUrl: string,
  expected: Expected,
): Promise<CnnRun> {
  const { fl } = await loadFlint();
  fl.setDefaultDevice('cpu');
  const inputs = await fl.load(await fetch(inputsUrl));
  const images = inputs.images!;
  try {
    const model = cnn(fl);
    model.loadStateDict(tensors);
    model.eval();
    const logits = fl.noGrad(() => model.forward(images));
    const out = logits.toArray() as number[][];
    const predicted = logits.argmax(1).toArray() as number[];
    logits.dispose();
    const pixels = images.dataSync() as Float32Array;
    let maxAbsDiff = 0;
    out.forEach((row, i) =>
      row.forEach((v, j) => {
        maxAbsDiff = Math.max(maxAbsDiff, Math.abs(v - expected.cnn.logits[i]![j]!));
      }),
    );
    return {
      maxAbsDiff,
      classes: fl.data.FASHION_MNIST_CLASSES,
      predictions: predicted.map((p, i) => ({
        pixels: pixels.slice(i * 784, (i + 1) * 784),
        label: expected.cnn.labels[i]!,
        predicted: p,
        torch: expected.cnn.predicted[i]!,
      })),
    };
  } finally {
    for (const t of Object.values(inputs)) t.dispose();
  }
}
