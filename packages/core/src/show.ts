/**
 * How a tensor shows itself outside `toString`: Node's `console.log`/`util.inspect` hook, tfjs's
 * `print()` and `JSON.stringify`. The hook is the well-known registered symbol, so core never
 * imports `node:util` and stays browser-safe (browsers' consoles simply ignore it).
 */
import type { NestedArray, Tensor } from './tensor.js';
import { FlintError } from './errors.js';
import { formatTensor } from './format.js';

/** `util.inspect.custom`, without importing node:util. */
export const INSPECT: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never;

/**
 * `String(t)`; where the values cannot be read synchronously (a device without synchronous
 * read-back), the shape, dtype and device with a hint, since printing must never throw.
 */
export function showTensor(t: Tensor): string {
  try {
    return formatTensor(t);
  } catch (e) {
    if (!(e instanceof FlintError)) throw e;
    return `tensor(<values not readable synchronously: await t.data()>, shape=[${t.shape.join(', ')}], dtype=${t.dtype}, device=${t.device})`;
  }
}

/** What `JSON.stringify(t)` writes: dtype, shape and the values as nested arrays. */
export interface TensorJSON {
  /** The dtype name. */
  dtype: string;
  /** The shape. */
  shape: number[];
  /** The values as nested arrays, as `toArray()` gives them. */
  data: NestedArray;
}

/**
 * The JSON form of a tensor. Non-finite floats become `null` in JSON (as JSON.stringify does for
 * every NaN), so `fl.tensor(json.data)` round-trips finite values only.
 */
export function tensorJSON(t: Tensor): TensorJSON {
  return { dtype: t.dtype, shape: [...t.shape], data: t.toArray() };
}
