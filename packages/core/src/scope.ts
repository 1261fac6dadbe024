/**
 * Memory scopes. JS has no destructors and GPU/native memory is invisible to V8, so tensors made
 * inside `tidy(fn)` are disposed when `fn` returns, except those it returns (and those `keep`s).
 * Composites run inside the same mechanism so their intermediates never leak.
 */
import type { Tensor } from './tensor.js';
import { FlintError } from './errors.js';

const scopes: Tensor[][] = [];

/** @internal Called for every new tensor; true when a scope now owns it. */
export function track(t: Tensor): boolean {
  const top = scopes[scopes.length - 1];
  if (!top) return false;
  top.push(t);
  return true;
}

export type TensorContainer =
  Tensor | readonly TensorContainer[] | { readonly [k: string]: TensorContainer } | unknown;

function collect(x: unknown, out: Set<Tensor>, depth = 0): void {
  if (x === null || typeof x !== 'object' || depth > 8) return;
  // An own-property test, not a property read: returned proxies (test matchers) may throw on reads.
  if (Object.prototype.hasOwnProperty.call(x, '_isTensor')) {
    out.add(x as Tensor);
    return;
  }
  if (Array.isArray(x)) for (const v of x) collect(v, out, depth + 1);
  else if (Object.getPrototypeOf(x) === Object.prototype)
    for (const v of Object.values(x as object)) collect(v, out, depth + 1);
}

/**
 * Run `fn` and dispose every tensor it created except those in its result (tensors, arrays or
 * plain objects of tensors). Kept tensors move to the enclosing scope.
 * @example
 * const y = fl.tidy(() => x.mul(2).add(1)); // the intermediate x*2 is freed
 */
export function tidy<T>(fn: () => T): T {
  scopes.push([]);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    endScope(undefined);
    throw e;
  }
  if (result instanceof Promise) {
    endScope(undefined);
    throw new FlintError('tidy: fn returned a Promise; tidy only tracks synchronous work');
  }
  endScope(result);
  return result;
}

function endScope(result: unknown): void {
  const scope = scopes.pop()!;
  const keep = new Set<Tensor>();
  collect(result, keep);
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (t._kept || t.disposed) continue;
    if (!keep.has(t)) t.dispose();
    else if (parent) parent.push(t);
    else t._register(); // leaves the last scope: from now on only the GC can reclaim it
  }
}

/** Exempt a tensor from every enclosing `tidy`; the caller must dispose it. */
export function keep<T extends Tensor>(t: T): T {
  t._kept = true;
  t._register();
  return t;
}
