/**
 * The slow path of a failed check: find the innermost part of an argument that is wrong (an
 * unknown option key, one bad field, one bad array item) and say so, naming the call, the
 * parameter, what it accepts and what it got (bounded, via describe). Hints for PyTorch habits:
 * a misspelt or snake_case option gets "did you mean", a positional value where Flint takes an
 * options object gets the object to write.
 */
import { ArgumentError, type FlintError } from '../errors.js';
import type { Sig } from './args.js';
import { describe, quote } from './describe.js';
import { type ErrorClass, isPlainObject, type Spec } from './spec.js';

const STRUCTURED = new Set(['options', 'arrayOf', 'recordOf', 'or', 'required']);

interface Failure {
  message: string;
  Err: ErrorClass;
}

/** The error for argument `i` of `args` (i = −1: the packed argument list, args[0]). */
export function argumentFailure(s: Sig, i: number, args: ArrayLike<unknown>): FlintError {
  const spec = i < 0 ? s.packed! : s.specs[i]!;
  const label = i < 0 ? 'the sizes' : s.names[i]!;
  const v = args[i < 0 ? 0 : i];
  const f = explain(spec, v, label);
  const hint = i < 0 ? '' : positionalHint(s, i, args);
  return new f.Err(`${s.call}: ${f.message}${hint}`);
}

/** The error for argument `i`, one of the variadic arguments checked by `s.rest`. */
export function restFailure(s: Sig, i: number, v: unknown): FlintError {
  const f = explain(s.rest!, v, `argument ${i + 1}`);
  return new f.Err(`${s.call}: ${f.message}`);
}

/** Too many arguments; `count` > args.length when only the count of the extra ones is known. */
export function tooManyFailure(s: Sig, args: ArrayLike<unknown>, count = args.length): FlintError {
  const n = s.names.length;
  const takes =
    n === 0
      ? 'takes no arguments'
      : `takes at most ${n} argument${n > 1 ? 's' : ''} (${s.names.join(', ')})`;
  if (count > args.length) return new ArgumentError(`${s.call}: ${takes}, got ${count}`);
  let last = args.length - 1;
  while (last > 0 && args[last] === undefined) last--;
  return new ArgumentError(
    `${s.call}: ${takes}, got ${last + 1}; argument ${last + 1} is ${describe(args[last])}`,
  );
}

function explain(spec: Spec, v: unknown, label: string): Failure {
  const Err = spec.Err ?? ArgumentError;
  const plain = (): Failure => ({
    message: `${label} must be ${spec.what}, got ${describe(v)}`,
    Err,
  });
  switch (spec.kind) {
    case 'options':
      return isPlainObject(v) ? explainOptions(spec, v, label) : plain();
    case 'arrayOf':
      return Array.isArray(v) ? explainItems(spec.parts![0]!, v, label) : plain();
    case 'recordOf':
      return isPlainObject(v) ? explainValues(spec.parts![0]!, v, label) : plain();
    case 'optional':
    case 'nullable': {
      // Structured values are explained by their part; plain ones keep "… or null".
      const inner = spec.parts![0]!;
      return STRUCTURED.has(inner.kind) ? explain(inner, v, label) : plain();
    }
    case 'required':
      return v === undefined
        ? { message: `${label} is required: ${spec.what}`, Err }
        : explain(spec.parts![0]!, v, label);
    case 'or': {
      // An object where one alternative is an options object: explain it as those options.
      const opts = spec.parts!.find((p) => p.kind === 'options');
      return opts && isPlainObject(v) ? explainOptions(opts, v, label) : plain();
    }
    default:
      return plain();
  }
}

function explainItems(item: Spec, v: readonly unknown[], label: string): Failure {
  const i = v.findIndex((x) => !item.test(x));
  return explain(item, v[i], `${label}[${i}]`);
}

function explainValues(value: Spec, v: Record<string, unknown>, label: string): Failure {
  const k = Object.keys(v).find((key) => !value.test(v[key]))!;
  return explain(value, v[k], `${label}.${k}`);
}

function explainOptions(spec: Spec, v: Record<string, unknown>, label: string): Failure {
  const fields = spec.fields!;
  const known = Object.keys(fields);
  for (const k in v) {
    if (!Object.hasOwn(fields, k)) {
      const guess = suggest(k, known);
      return {
        message:
          `unknown option ${quote(k)} in ${label} (valid: ${known.join(', ') || 'none'})` +
          (guess ? `; did you mean '${guess}'?` : ''),
        Err: ArgumentError,
      };
    }
    const f = fields[k]!;
    if (v[k] !== undefined && !f.test(v[k])) return explain(f, v[k], `${label}.${k}`);
  }
  for (const k of known)
    if (fields[k]!.kind === 'required' && v[k] === undefined)
      return { message: `${label}.${k} is required: ${fields[k]!.what}`, Err: ArgumentError };
  return { message: `${label} must be ${spec.what}, got ${describe(v)}`, Err: ArgumentError };
}

/** A known key the unknown one was probably meant to be: snake_case, case or a typo or two. */
function suggest(key: string, known: readonly string[]): string | undefined {
  if (key.length > 64) return undefined;
  const camel = key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  const lower = key.toLowerCase();
  const exact = known.find((k) => k === camel || k.toLowerCase() === lower);
  if (exact) return exact;
  // A typo or two, but not so many that a short key matches anything.
  let best: string | undefined;
  let bestD = key.length <= 3 ? 1 : 2;
  for (const k of known) {
    const d = editDistance(lower, k.toLowerCase());
    if (d <= bestD) {
      best = k;
      bestD = d - 1;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(
        prev[j]! + 1,
        cur[j - 1]! + 1,
        prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    prev = cur;
  }
  return prev[b.length]!;
}

/** The options spec among `spec`'s alternatives that carries PyTorch's positional order. */
function positionalOptions(spec: Spec): Spec | undefined {
  if (spec.positional) return spec;
  for (const p of spec.parts ?? []) {
    const found = positionalOptions(p);
    if (found) return found;
  }
  return undefined;
}

/**
 * `new nn.Conv2d(1, 8, 3, 2, 1)`: the values from the options position on are PyTorch's
 * positional arguments; show the options object that means the same.
 */
function positionalHint(s: Sig, i: number, args: ArrayLike<unknown>): string {
  const opts = positionalOptions(s.specs[i]!);
  const v = args[i];
  if (!opts || isPlainObject(v) || v === undefined) return '';
  const names = opts.positional!;
  const parts: string[] = [];
  for (let k = 0; k < names.length && i + k < args.length; k++) {
    const x = args[i + k];
    if (x === undefined || isPlainObject(x)) break;
    parts.push(`${names[k]}: ${describe(x)}`);
  }
  if (parts.length === 0) return '';
  return `; Flint takes PyTorch's positional arguments as options: { ${parts.join(', ')} }`;
}
