/**
 * `#platform` for browsers, workers and any runtime other than Node: no file system, no native
 * gzip (DecompressionStream is used instead), and `Model.fit` logs one line per epoch.
 */
import type { Platform } from './types.js';

export const platform: Platform = {
  pathWhat: 'a URL (a string or a URL)',
  files: null,
  gunzip: null,
  terminalProgress: () => Promise.resolve(null),
};
