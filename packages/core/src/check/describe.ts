/**
 * A short, bounded description of any JavaScript value, for error messages. Messages must name
 * what the caller passed without echoing unbounded data (a 50 MB string, a million-element array)
 * and without `[object Object]`: strings are cut, arrays and objects show a few entries, class
 * instances their class, and nothing a getter or a Proxy throws escapes.
 */

/** Longest description; messages quote a handful of values, so they stay well under 2,000. */
const MAX = 120;
const MAX_STRING = 40;
const MAX_ITEMS = 8;
const MAX_KEYS = 4;

export function describe(v: unknown): string {
  let s: string;
  try {
    s = show(v, 0);
  } catch {
    s = 'an unprintable value';
  }
  return s.length > MAX ? `${s.slice(0, MAX - 1)}…` : s;
}

function show(v: unknown, depth: number): string {
  switch (typeof v) {
    case 'number':
      return Object.is(v, -0) ? '-0' : String(v);
    case 'string':
      return quote(v);
    case 'boolean':
    case 'undefined':
      return String(v);
    case 'bigint':
      return `${cut(String(v), MAX_STRING)}n`;
    case 'symbol':
      return cut(v.toString(), MAX_STRING);
    case 'function':
      return showFunction(v as (...a: unknown[]) => unknown);
    default:
      return v === null ? 'null' : showObject(v as object, depth);
  }
}

/** A string in single quotes with control characters and quotes escaped, cut at MAX_STRING. */
export function quote(s: string): string {
  const body = JSON.stringify(cut(s, MAX_STRING)).slice(1, -1).replace(/'/g, "\\'");
  return `'${body}'`;
}

function cut(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

function showFunction(f: (...a: unknown[]) => unknown): string {
  const name = typeof f.name === 'string' && f.name ? cut(f.name, MAX_STRING) : '';
  const isClass = /^class[\s{]/.test(Function.prototype.toString.call(f));
  return `${isClass ? 'class' : 'function'}${name ? ` ${name}` : ''}`;
}

function showObject(o: object, depth: number): string {
  if ((o as { _isTensor?: unknown })._isTensor === true) return showTensor(o);
  if (Array.isArray(o)) return showArray(o, depth);
  if (ArrayBuffer.isView(o)) {
    const len = (o as { length?: number }).length;
    return `${o.constructor.name}(${typeof len === 'number' ? len : o.byteLength})`;
  }
  const proto: unknown = Object.getPrototypeOf(o);
  if (proto !== Object.prototype && proto !== null) return article(className(o));
  if (depth >= 2) return '{…}';
  const keys = Object.keys(o);
  if (keys.length === 0) return '{}';
  const shown = keys
    .slice(0, MAX_KEYS)
    .map((k) => `${showKey(k)}: ${show((o as Record<string, unknown>)[k], depth + 1)}`);
  if (keys.length > MAX_KEYS) shown.push(`… ${keys.length - MAX_KEYS} more`);
  return `{ ${shown.join(', ')} }`;
}

function showArray(a: readonly unknown[], depth: number): string {
  if (depth >= 2) return a.length === 0 ? '[]' : '[…]';
  const items = a.slice(0, MAX_ITEMS).map((x) => show(x, depth + 1));
  if (a.length > MAX_ITEMS) items.push(`… ${a.length} items`);
  // No spaces, as fmtShape prints shapes: `[2,-1]`.
  return `[${items.join(',')}]`;
}

function showTensor(t: object): string {
  const { shape, dtype, disposed } = t as { shape: unknown; dtype: unknown; disposed: unknown };
  const dims = Array.isArray(shape) ? `[${shape.slice(0, MAX_ITEMS).join(',')}]` : '?';
  return `${disposed === true ? 'a disposed ' : 'a '}tensor ${dims} ${String(dtype)}`;
}

function showKey(k: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(k) ? cut(k, MAX_STRING) : quote(k);
}

function className(o: object): string {
  const ctor = (o as { constructor?: { name?: unknown } }).constructor;
  const name = ctor && typeof ctor.name === 'string' && ctor.name ? ctor.name : 'Object';
  return cut(name, MAX_STRING);
}

/** 'a Linear', 'an Adam'. */
export function article(noun: string): string {
  return `${/^[AEIOU]/i.test(noun) ? 'an' : 'a'} ${noun}`;
}
