/**
 * `#platform` under Node's export condition: safetensors files by path, whole-file reads for IDX
 * files and word lists, zlib for gzip, and cli-progress bars when stdout is a terminal. Only this
 * module (and what it imports) touches `node:` modules, so browser bundles never contain them.
 */
import { readFile } from 'node:fs/promises';
import { gunzip } from 'node:zlib';
import { FormatError } from '../errors.js';
import { loadFile, saveFile } from '../io/files.js';
import { terminalBar } from './terminal.js';
import type { Platform } from './types.js';

function gunzipZlib(bytes: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) =>
    gunzip(bytes, { maxOutputLength: maxBytes }, (err, out) =>
      err
        ? reject(new FormatError(`idx: gzip decompression failed: ${err.message.slice(0, 200)}`))
        : resolve(new Uint8Array(out.buffer, out.byteOffset, out.byteLength)),
    ),
  );
}

async function read(path: string): Promise<Uint8Array> {
  const buf = await readFile(path);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

export const platform: Platform = {
  pathWhat: 'a path (a string or a file: URL)',
  files: { load: loadFile, save: saveFile, read },
  gunzip: gunzipZlib,
  terminalProgress: () => Promise.resolve(process.stdout.isTTY === true ? terminalBar() : null),
};
