/**
 * `fl.io`: tensors to and from the safetensors format, byte-compatible with the reference
 * implementation. `save`/`load` take file paths in Node and bytes, Blobs, Responses, Requests,
 * streams or URLs everywhere; the synchronous buffer variants work anywhere.
 */
export { serialize, deserialize, saveToBuffer, loadFromBuffer } from './safetensors.js';
export type { TensorMap, Saveable, LoadOptions, Deserialized } from './safetensors.js';
export { save, load, loadWithMetadata } from './sources.js';
export type { LoadSource } from './sources.js';
export { MAX_HEADER_SIZE } from './header.js';
