/**
 * The seam between core and the environment it runs in. Core's modules import `#platform`, which
 * package.json's `imports` map resolves by export condition: `node` gets platform/node.ts (file
 * paths, zlib, a terminal progress bar), browsers and every other runtime get platform/web.ts
 * (none of those). Both export a `platform` of this type, so the code above them is one.
 */
import type { Deserialized, LoadOptions, Saveable } from '../io/safetensors.js';
import type { Progress } from '../train/progress.js';

/** File access for `fl.save`/`fl.load`, IDX files and word lists (Node only). */
export interface Files {
  /**
   * Load a safetensors file. Gets every `fl.load` source that is not bytes, a Blob, a Request, a
   * Response or a stream, so its path check words the error for anything else.
   */
  load(op: string, path: unknown, opts: LoadOptions): Promise<Deserialized>;
  /** Save a state dict to a path (atomically: temporary file, fsync, rename). */
  save(
    op: string,
    stateDict: Saveable,
    path: unknown,
    metadata: Readonly<Record<string, string>> | undefined,
  ): Promise<void>;
  /** A whole file's bytes; rejects with the OS error (its `code` intact) for the caller to word. */
  read(path: string): Promise<Uint8Array>;
}

export interface Platform {
  /** How `fl.load`/`fl.save` describe a path argument here, for argument errors. */
  readonly pathWhat: string;
  readonly files: Files | null;
  /** A native gzip decoder with an output cap, where there is one (zlib in Node). */
  readonly gunzip: ((bytes: Uint8Array, maxBytes: number) => Promise<Uint8Array>) | null;
  /** A live progress bar for `Model.fit` when output goes to a terminal, else null. */
  terminalProgress(): Promise<Progress | null>;
}
