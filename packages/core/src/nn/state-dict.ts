/**
 * Checking a state dict against a module before anything is copied, so that
 * `Module.loadStateDict` is all-or-nothing: every key, value, shape and dtype is validated first,
 * the converted sources are made next (the allocations that can fail), and only then is any
 * parameter or buffer written.
 */
import { ArgumentError, DTypeError, DisposedTensorError, ShapeError, fmtShape } from '../errors.js';
import { Tensor } from '../tensor.js';
import { category } from '../dtype.js';
import { cast, toDevice } from '../ops/convert.js';
import { describe, quote } from '../check/describe.js';

/** What `loadStateDict` will do: the key differences, and one copy per present key. */
export interface LoadPlan {
  missingKeys: string[];
  unexpectedKeys: string[];
  copies: { key: string; dst: Tensor; src: Tensor }[];
}

/** At most this many keys are listed in a message; a checkpoint can have thousands. */
const KEYS_SHOWN = 8;

/** A bounded list of keys for messages: quoted, cut, the rest counted. */
export function fmtKeys(keys: readonly string[]): string {
  const shown = keys.slice(0, KEYS_SHOWN).map(quote).join(', ');
  const more = keys.length - KEYS_SHOWN;
  return `[${shown}${more > 0 ? `, … ${more} more` : ''}]`;
}

function isStateObject(sd: unknown): sd is Record<string, unknown> {
  return (
    typeof sd === 'object' &&
    sd !== null &&
    !Array.isArray(sd) &&
    !(sd instanceof Tensor) &&
    !(sd instanceof Map)
  );
}

/** The arguments themselves: a plain object of tensors, and `{ strict?: boolean }`. */
function checkArguments(where: string, sd: unknown, opts: unknown): void {
  if (!isStateObject(sd)) {
    const hint = sd instanceof Map ? ' (for a Map, pass Object.fromEntries(map))' : '';
    throw new ArgumentError(
      `${where}: expected a state dict, an object of tensors by key (from stateDict() or fl.load), got ${describe(sd)}${hint}`,
    );
  }
  if (opts === undefined) return;
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts))
    throw new ArgumentError(
      `${where}: options must be an object { strict }, got ${describe(opts)}`,
    );
  const extra = Object.keys(opts).filter((k) => k !== 'strict');
  if (extra.length > 0)
    throw new ArgumentError(
      `${where}: unknown option ${quote(extra[0]!)}; the only option is strict`,
    );
  const strict = (opts as { strict?: unknown }).strict;
  if (strict !== undefined && typeof strict !== 'boolean')
    throw new ArgumentError(`${where}: strict must be true or false, got ${describe(strict)}`);
}

/** One entry: a live tensor with the parameter's shape and a dtype it converts to losslessly. */
function checkEntry(where: string, key: string, dst: Tensor, src: unknown): Tensor {
  const k = quote(key);
  if (!(src instanceof Tensor))
    throw new ArgumentError(`${where}: the value of ${k} must be a Tensor, got ${describe(src)}`);
  if (src.disposed)
    throw new DisposedTensorError(`${where}: the state dict's tensor for ${k} was disposed`);
  if (dst.disposed)
    throw new DisposedTensorError(`${where}: the module's own tensor ${k} was disposed`);
  if (src.shape.length !== dst.shape.length || src.shape.some((d, i) => d !== dst.shape[i]))
    throw new ShapeError(
      `${where}: size mismatch for ${k}: checkpoint has ${fmtShape(src.shape)}, model has ${fmtShape(dst.shape)}`,
    );
  // Same kind or wider (bool → int32 → float) converts exactly; float into an int buffer would
  // silently truncate, so it must be asked for explicitly.
  if (category(src.dtype) > category(dst.dtype))
    throw new DTypeError(
      `${where}: ${k} is ${src.dtype} in the state dict but ${dst.dtype} in the module; ` +
        `values convert only to the same or a wider kind (bool → int32 → float32/float64), so convert it first with .to('${dst.dtype}')`,
    );
  return src;
}

/**
 * @internal Validate `sd` against the module's entries (`own`, by key) without touching either.
 * Throws a typed error naming the key for the first problem found.
 */
export function planLoad(
  where: string,
  own: ReadonlyMap<string, Tensor>,
  sd: unknown,
  opts: unknown,
): LoadPlan {
  checkArguments(where, sd, opts);
  const state = sd as Record<string, unknown>;
  const strict = (opts as { strict?: boolean } | undefined)?.strict ?? true;
  const missingKeys = [...own.keys()].filter((k) => !Object.hasOwn(state, k));
  const unexpectedKeys = Object.keys(state).filter((k) => !own.has(k));
  if (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0)) {
    const parts = [
      missingKeys.length ? `missing keys ${fmtKeys(missingKeys)}` : '',
      unexpectedKeys.length ? `unexpected keys ${fmtKeys(unexpectedKeys)}` : '',
    ];
    throw new ShapeError(
      `${where}: ${parts.filter(Boolean).join('; ')} (pass { strict: false } to load the common keys)`,
    );
  }
  const copies: LoadPlan['copies'] = [];
  for (const [key, dst] of own)
    if (Object.hasOwn(state, key))
      copies.push({ key, dst, src: checkEntry(where, key, dst, state[key]) });
  return { missingKeys, unexpectedKeys, copies };
}

/**
 * @internal The source of each copy on its destination's device and dtype; a source that shares
 * storage with some destination (a view of another parameter) is cloned, so that an earlier
 * write cannot change a later source. Call inside a tidy.
 */
export function prepareSources(plan: LoadPlan): Tensor[] {
  const written = new Set(plan.copies.map((c) => c.dst.storage));
  return plan.copies.map(({ dst, src }) => {
    let t = src.device === dst.device ? src : toDevice(src, dst.device);
    if (t.dtype !== dst.dtype) t = cast(t, dst.dtype);
    return t === src && src !== dst && written.has(src.storage) ? src.clone() : t;
  });
}
