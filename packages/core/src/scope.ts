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

/**
 * @internal Run `fn` and also return the tensors created inside it that are still live (not
 * kept); nothing is disposed, they move on as if there were no scope. The DataLoader uses it to
 * free only the batch tensors it made, never a dataset's own tensors that a collate passed on.
 */
export function created<T>(fn: () => T): [T, Set<Tensor>] {
  scopes.push([]);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    endScope('all');
    throw e;
  }
  const made = new Set(scopes[scopes.length - 1]!.filter((t) => !t._kept && !t.disposed));
  endScope('all');
  return [result, made];
}

/**
 * `tidy` for asynchronous work, on devices read with `await` (WebGPU has no synchronous
 * read-back): disposes every tensor created while `fn` runs — across its awaits — except those
 * in its result. Scopes form one stack, so run one `tidyAsync` at a time: tensors that other code
 * creates during its awaits land in it too, and a `tidyAsync` started meanwhile that ends after
 * it is an error.
 * @example
 * const loss = await fl.tidyAsync(async () => {
 *   const y = model.forward(x);
 *   return (await y.sub(t).square().mean().data())[0];
 * });
 */
export async function tidyAsync<T>(fn: () => Promise<T>): Promise<T> {
  const scope: Tensor[] = [];
  scopes.push(scope);
  let result: T;
  try {
    result = await fn();
  } catch (e) {
    closeAsync(scope, new Set(), e);
    throw e;
  }
  const keep = new Set<Tensor>();
  collect(result, keep);
  closeAsync(scope, keep);
  return result;
}

/**
 * End a tidyAsync scope. When another scope opened during its awaits is still open, the stack is
 * not ours to pop and whose tensors are whose is unknown: take the scope out, free nothing (its
 * tensors move to the enclosing scope, as if there had been none), and say so — unless `fn`
 * already failed, whose error then stands.
 */
function closeAsync(scope: Tensor[], keep: Set<Tensor>, failure?: unknown): void {
  const at = scopes.lastIndexOf(scope);
  if (at === scopes.length - 1) return endScope(keep);
  if (at >= 0) {
    scopes.splice(at, 1);
    const parent = scopes[at - 1];
    for (const t of scope) {
      if (t._kept || t.disposed) continue;
      if (parent) parent.push(t);
      else t._register();
    }
  }
  if (failure === undefined)
    throw new FlintError(
      'tidyAsync: another tidy scope opened during its awaits is still open (overlapping ' +
        'tidyAsync calls); run one tidyAsync at a time — nothing was freed',
    );
}
