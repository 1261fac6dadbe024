/**
 * Memory scopes. JS has no destructors and GPU/native memory is invisible to V8, so tensors made
 * inside `tidy(fn)` are disposed when `fn` returns, except those it returns (and those `keep`s).
 * Composites run inside the same mechanism so their intermediates never leak, and so does every
 * Module's `forward` (`forwardScope`), where it is provably safe.
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

const MAX_DEPTH = 8;

function isPlain(x: object): boolean {
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/**
 * Add the tensors in `x` (a tensor, or arrays and plain objects of them) to `out`. Returns false
 * when `x` holds something it cannot see into (a class instance, Map, Promise, function, or
 * nesting deeper than MAX_DEPTH), which may hide more tensors.
 */
function collect(x: unknown, out: Set<Tensor>, depth = 0): boolean {
  if (typeof x === 'function') return false;
  if (x === null || typeof x !== 'object') return true;
  if (depth > MAX_DEPTH) return false;
  // An own-property test, not a property read: returned proxies (test matchers) may throw on reads.
  if (Object.prototype.hasOwnProperty.call(x, '_isTensor')) {
    out.add(x as Tensor);
    return true;
  }
  let seen = true;
  if (Array.isArray(x)) for (const v of x) seen = collect(v, out, depth + 1) && seen;
  else if (isPlain(x)) for (const v of Object.values(x)) seen = collect(v, out, depth + 1) && seen;
  else seen = false;
  return seen;
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
    endScope(new Set());
    throw e;
  }
  if (result instanceof Promise) {
    endScope(new Set());
    throw new FlintError('tidy: fn returned a Promise; tidy only tracks synchronous work');
  }
  const keep = new Set<Tensor>();
  collect(result, keep);
  endScope(keep);
  return result;
}

/**
 * @internal The implicit scope of `Module.forward`. Its intermediates are invisible to the caller:
 * the autograd graph holds what backward needs through its own references, so disposing them when
 * `forward` returns lets a training loop without `tidy` stay flat. Kept: what `forward` returns and
 * tensors stored on the module's fields (a cached mask, the last attention map). When the result
 * holds something the scope cannot see into (a Promise, a class instance, a Map), everything is
 * kept, exactly as without the scope.
 */
export function forwardScope<T>(owner: object, fn: () => T): T {
  scopes.push([]);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    endScope(ownedBy(owner, new Set()));
    throw e;
  }
  const keep = new Set<Tensor>();
  endScope(collect(result, keep) ? ownedBy(owner, keep) : 'all');
  return result;
}

/** `keep` plus the tensors held by `owner`'s own fields (not looking into child modules). */
function ownedBy(owner: object, keep: Set<Tensor>): Set<Tensor> {
  const top = scopes[scopes.length - 1]!;
  if (top.every((t) => t._kept || t.disposed || keep.has(t))) return keep; // nothing to free
  for (const v of Object.values(owner)) collect(v, keep);
  return keep;
}

function endScope(keep: Set<Tensor> | 'all'): void {
  const scope = scopes.pop()!;
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (t._kept || t.disposed) continue;
    if (keep !== 'all' && !keep.has(t)) t.dispose();
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
