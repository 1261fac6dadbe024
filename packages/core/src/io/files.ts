/**
 * Node file helpers for safetensors. Core also runs in browsers, so `node:` modules are imported
 * lazily inside these functions and never at module load.
 */
import type { Tensor } from '../tensor.js';
import {
  type Deserialized,
  type LoadOptions,
  type TensorMap,
  assemble,
  deserialize,
  entriesOf,
} from './safetensors.js';

/**
 * Write a state dict to `path` in the safetensors format. The bytes go to a temporary file in the
 * same directory, which is flushed and then renamed over `path`: a failure never leaves a
 * half-written file behind. Reads tensors asynchronously, so GPU backends need not block.
 * @example
 * await fl.save(model.stateDict(), 'model.safetensors');
 * await fl.io.save({ w: fl.randn([3, 3]) }, 'w.safetensors', { epoch: '3' });
 */
export async function save(
  stateDict: TensorMap,
  path: string,
  metadata?: Readonly<Record<string, string>>,
): Promise<void> {
  const list = entriesOf(stateDict);
  const data = await Promise.all(list.map(({ tensor }) => tensor.data()));
  const bytes = assemble(list, data, metadata);
  const fs = await import('node:fs/promises');
  const p = await import('node:path');
  const tmp = p.join(
    p.dirname(path),
    `.${p.basename(path)}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`,
  );
  try {
    const fh = await fs.open(tmp, 'wx');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, path);
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/**
 * Read the tensors of a safetensors file (F32, F64, I32, BOOL; F16/BF16 as float32, I64 and U8 as
 * int32). Throws `FormatError` for a malformed file, with no tensors left allocated.
 * @example
 * model.loadStateDict(await fl.load('model.safetensors'));
 * const { weight } = await fl.io.load('w.safetensors', { device: 'cpu' });
 */
export async function load(path: string, opts: LoadOptions = {}): Promise<Record<string, Tensor>> {
  return (await loadWithMetadata(path, opts)).tensors;
}

/**
 * Like `load`, also returning the file's `__metadata__` strings.
 * @example
 * const { tensors, metadata } = await fl.io.loadWithMetadata('w.safetensors');
 */
export async function loadWithMetadata(
  path: string,
  opts: LoadOptions = {},
): Promise<Deserialized> {
  const fs = await import('node:fs/promises');
  const buf = await fs.readFile(path);
  return deserialize(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), opts);
}
