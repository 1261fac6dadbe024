/**
 * `fl.io`: tensors to and from the safetensors format, byte-compatible with the reference
 * implementation. `save`/`load` use the file system (Node); the buffer variants work anywhere.
 */
export { serialize, deserialize, saveToBuffer, loadFromBuffer } from './safetensors.js';
export type { TensorMap, Saveable, LoadOptions, Deserialized } from './safetensors.js';
export { save, load, loadWithMetadata } from './files.js';
export { MAX_HEADER_SIZE } from './header.js';
