/**
 * Loading a safetensors file by byte ranges, from anything that can read a range: a file handle
 * (Node) or a Blob/File (browsers; also a fetched Response once it is a Blob). The 8-byte length
 * and the header are read and validated against the size first; then each tensor is allocated on
 * its device and filled chunk by chunk, so the host never holds more than a chunk of any tensor.
 */
import { IOError } from '../errors.js';
import { type Header, ST_DTYPES } from './header.js';
import { headerLength, parseHeader } from './parse.js';
import {
  CHUNK_BYTES,
  CHUNK_ELEMENTS,
  bytesOf,
  convert,
  elementsOf,
  finish,
  isVerbatim,
  outputArray,
} from './decode.js';
import type { Deserialized } from './safetensors.js';
import { TensorSink } from './safetensors.js';

/** Fill `dst` with the bytes that start at `position`; a source that ends early rejects. */
export type ReadRange = (dst: Uint8Array, position: number) => Promise<void>;

export async function readHeaderAt(read: ReadRange, size: number): Promise<Header> {
  const prefix = new Uint8Array(Math.min(8, size));
  await read(prefix, 0);
  const n = headerLength(prefix, size);
  const json = new Uint8Array(n);
  await read(json, 8);
  return parseHeader(json, size - 8 - n);
}

/**
 * Every tensor of the file, streamed: each is allocated on the device, then filled chunk by chunk
 * (read, decoded into one staging buffer, written in place), so peak memory is about the tensors'
 * size.
 */
export async function readTensors(
  read: ReadRange,
  header: Header,
  sink: TensorSink,
): Promise<void> {
  const stage = new ArrayBuffer(CHUNK_BYTES);
  let raw: Uint8Array | undefined; // converted dtypes (F16, BF16, I64, U8) are read here first
  for (const e of header.entries) {
    const write = sink.open(e);
    const n = elementsOf(e);
    const width = ST_DTYPES[e.dtype]!.size;
    const at = header.dataStart + e.begin;
    for (let i = 0; i < n; i += CHUNK_ELEMENTS) {
      const out = outputArray(e, stage, Math.min(CHUNK_ELEMENTS, n - i));
      if (isVerbatim(e)) {
        await read(bytesOf(out), at + i * width);
        finish(e, out);
      } else {
        raw ??= new Uint8Array(CHUNK_BYTES);
        const bytes = raw.subarray(0, out.length * width);
        await read(bytes, at + i * width);
        convert(e, bytes, out, 0);
      }
      write(out, i);
    }
  }
}

/** Header, then tensors, from `read` over `size` bytes; on failure no tensor stays allocated. */
export async function loadRanges(
  read: ReadRange,
  size: number,
  device: string | undefined,
): Promise<Deserialized> {
  const sink = new TensorSink(device);
  try {
    const header = await readHeaderAt(read, size);
    await readTensors(read, header, sink);
    return { tensors: sink.tensors, metadata: header.metadata };
  } catch (err) {
    sink.abort();
    throw err;
  }
}

/** The range reader of a Blob (or File): each read slices out just the bytes it needs. */
export function blobRanges(blob: Blob, op: string, shown: string): ReadRange {
  return async (dst, position) => {
    const got = new Uint8Array(await blob.slice(position, position + dst.length).arrayBuffer());
    if (got.length !== dst.length)
      throw new IOError(
        `${op}: ${shown} ended at byte ${position + got.length} while reading ${dst.length} bytes from ${position}`,
      );
    dst.set(got);
  };
}
