/**
 * `fl.dispose(x)`, as in tfjs: free a tensor, or every tensor in an array or plain object of
 * them (nested), or a Module's parameters and buffers (an `fl.Model`'s, with its optimizer's
 * state; an optimizer's state). Values that hold no tensors (numbers,
 * strings, null) are skipped, so a batch such as `{ x, y, ids: [1, 2] }` can be passed whole.
 */
import { Tensor } from '../tensor.js';
import { Module } from '../nn/module.js';
import { Optimizer } from '../optim/optimizer.js';
import { Model } from '../train/model.js';

/** Deeper containers than this are not walked (a cycle cannot be, thanks to `seen` as well). */
const MAX_DEPTH = 32;

/**
 * Dispose a tensor, an array or plain object of tensors (nested), a Module, an `fl.Model` or an
 * optimizer's state. Idempotent.
 * @example
 * const a = fl.ones([2]);
 * const b = fl.zeros([3]);
 * fl.dispose([a, { b }]); // a.disposed && b.disposed
 */
export function dispose(x: unknown): void {
  walk(x, new Set(), 0);
}

function walk(x: unknown, seen: Set<object>, depth: number): void {
  if (typeof x !== 'object' || x === null || seen.has(x) || depth > MAX_DEPTH) return;
  seen.add(x);
  if (x instanceof Tensor || x instanceof Module || x instanceof Model || x instanceof Optimizer)
    x.dispose();
  else if (Array.isArray(x)) for (const v of x) walk(v, seen, depth + 1);
  else if (isPlain(x)) for (const v of Object.values(x)) walk(v, seen, depth + 1);
}

function isPlain(x: object): boolean {
  const p: unknown = Object.getPrototypeOf(x);
  return p === Object.prototype || p === null;
}
