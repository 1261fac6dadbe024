/**
 * The vocabulary of argument specs. A spec says what one parameter accepts: a fast `test` (the
 * only thing the hot path runs), a phrase `what` for messages ("an integer"), the error class for
 * a wrong value (ArgumentError unless a ShapeError or DTypeError fits better) and its structure
 * (`kind` and the parts below), which the failure explainer and the export-walking test read.
 *
 *   int, nonNegInt, posInt, number, finite, nonNegative, positive, probability, bool, string,
 *   func, any, oneOf('constant', 'reflect'), dtype, device, tensor, operand, scalar, shape,
 *   shapeArg, sizes, dim, dims, intList, arrayOf(spec), optional(spec), nullable(spec),
 *   or(a, b, …), options({ lr: nonNegative, momentum: number }, { positional: ['lr'] }),
 *   required(spec) (inside options), instanceOf(() => Module, 'a Module'), recordOf(spec),
 *   named(spec, 'what it is')
 *
 * Fields of `options` are optional unless wrapped in `required()`; the options object itself may
 * be left out unless one of its fields is required (or the options spec is wrapped in `required()`). Everything else is required
 * unless wrapped in `optional()` (undefined allowed) or `nullable()` (null and undefined allowed).
 */
import { DTYPES } from '../dtype.js';
import { DTypeError, type FlintError, ShapeError } from '../errors.js';
import { quote } from './describe.js';

export type ErrorClass = new (message: string) => FlintError;

export interface Spec {
  /** What it accepts, as a noun phrase: 'an integer', "one of 'none', 'tanh'". */
  readonly what: string;
  readonly test: (v: unknown) => boolean;
  /** The error class for a wrong value; ArgumentError when absent. */
  readonly Err?: ErrorClass;
  /** Which constructor made it (the walking test derives sample values from it). */
  readonly kind: string;
  /** undefined is accepted (the parameter may be left out). */
  readonly optional?: boolean;
  /** or: the alternatives; optional/nullable/required: the wrapped spec; arrayOf: the item. */
  readonly parts?: readonly Spec[];
  /** oneOf: the allowed values. */
  readonly values?: readonly unknown[];
  /** options: the fields, and PyTorch's positional order for the hint. */
  readonly fields?: Readonly<Record<string, Spec>>;
  readonly positional?: readonly string[];
}

function spec(kind: string, what: string, test: (v: unknown) => boolean, extra?: Partial<Spec>) {
  return { kind, what, test, ...extra } as Spec;
}

// ---- the Tensor class, bound by tensor.ts (this module must not import it: import cycles) ----
let TensorClass: (abstract new (...a: never[]) => object) | null = null;
/** @internal Called once by tensor.ts, so that `tensor` specs can use instanceof. */
export function bindTensorClass(c: abstract new (...a: never[]) => object): void {
  TensorClass = c;
}
export function isTensorValue(v: unknown): boolean {
  return TensorClass !== null && v instanceof TensorClass;
}

// ---- numbers and plain values ----
const isNumber = (v: unknown): v is number => typeof v === 'number';
export const any = spec('any', 'any value', () => true, { optional: true });
export const number = spec('number', 'a number', isNumber);
export const finite = spec('finite', 'a finite number', Number.isFinite);
export const nonNegative = spec(
  'nonNegative',
  'a non-negative number',
  (v) => isNumber(v) && v >= 0,
);
export const positive = spec('positive', 'a positive number', (v) => isNumber(v) && v > 0);
export const probability = spec(
  'probability',
  'a probability (a number from 0 to 1)',
  (v) => isNumber(v) && v >= 0 && v <= 1,
);
export const int = spec('int', 'an integer', Number.isSafeInteger);
export const nonNegInt = spec(
  'nonNegInt',
  'a non-negative integer',
  (v) => Number.isSafeInteger(v) && (v as number) >= 0,
);
export const posInt = spec(
  'posInt',
  'a positive integer',
  (v) => Number.isSafeInteger(v) && (v as number) > 0,
);
export const bool = spec('bool', 'a boolean', (v) => typeof v === 'boolean');
export const string = spec('string', 'a string', (v) => typeof v === 'string');
export const func = spec('func', 'a function', (v) => typeof v === 'function');
export const object = spec(
  'object',
  'an object',
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
);

/** One of a fixed set of values (strings, as a rule). */
export function oneOf(...values: readonly unknown[]): Spec {
  const shown = values.map((v) => (typeof v === 'string' ? quote(v) : String(v)));
  return spec('oneOf', `one of ${shown.join(', ')}`, (v) => values.includes(v), { values });
}

export const dtype = spec(
  'dtype',
  `a dtype (${DTYPES.map((d) => `'${d}'`).join(', ')})`,
  (v) => (DTYPES as readonly unknown[]).includes(v),
  { Err: DTypeError, values: DTYPES },
);
export const device = spec(
  'device',
  "a device name (a string such as 'cpu')",
  (v) => typeof v === 'string' && v.length > 0,
);

// ---- tensors ----
export const tensor = spec('tensor', 'a Tensor', isTensorValue);
/** The other operand of an element-wise op: a tensor or a JS number/boolean. */
export const operand = spec(
  'operand',
  'a Tensor, a number or a boolean',
  (v) => typeof v === 'number' || typeof v === 'boolean' || isTensorValue(v),
);
export const typedArray = spec(
  'typedArray',
  'a typed array',
  (v) => ArrayBuffer.isView(v) && !(v instanceof DataView),
);
export const scalar = spec(
  'scalar',
  'a number or a boolean',
  (v) => typeof v === 'number' || typeof v === 'boolean',
);

// ---- shapes and dims (range checks against a tensor's rank stay in the op: normDim) ----
function everyItem(v: unknown, ok: (x: unknown) => boolean): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (!ok(v[i])) return false;
  return true;
}
const isSize = (x: unknown) => Number.isSafeInteger(x) && (x as number) >= 0;
export const shape = spec(
  'shape',
  'an array of non-negative integers (a shape)',
  (v) => everyItem(v, isSize),
  { Err: ShapeError },
);
/** A shape, or one size for a 1-D shape: `zeros(3)`, `zeros([2, 3])`. */
export const shapeArg = spec(
  'shapeArg',
  'a non-negative integer or an array of them (a shape)',
  (v) => isSize(v) || everyItem(v, isSize),
  { Err: ShapeError },
);
/** Target sizes of reshape/view/expand: integers, where −1 means "infer" or "keep". */
export const sizes = spec(
  'sizes',
  'an array of integers (sizes, −1 to infer)',
  (v) => everyItem(v, Number.isSafeInteger),
  { Err: ShapeError },
);
export const intList = spec('intList', 'an array of integers', (v) =>
  everyItem(v, Number.isSafeInteger),
);
export const dim = spec('dim', 'a dimension (an integer)', Number.isSafeInteger);
/** Reduction dims: one, a list, or null/undefined for all. */
export const dims = spec(
  'dims',
  'a dimension, an array of dimensions or null',
  (v) =>
    v === undefined || v === null || Number.isSafeInteger(v) || everyItem(v, Number.isSafeInteger),
  { optional: true },
);

// ---- combinators ----
export function arrayOf(item: Spec, what = `an array of ${plural(item.what)}`): Spec {
  return spec('arrayOf', what, (v) => everyItem(v, item.test), { parts: [item] });
}
export function optional(s: Spec): Spec {
  return spec('optional', s.what, (v) => v === undefined || s.test(v), {
    optional: true,
    parts: [s],
    Err: s.Err,
  });
}
export function nullable(s: Spec): Spec {
  return spec('nullable', `${s.what} or null`, (v) => v === undefined || v === null || s.test(v), {
    optional: true,
    parts: [s],
    Err: s.Err,
  });
}
/** Inside options: this field must be given. Around options: the object must be given. */
export function required(s: Spec): Spec {
  return spec('required', s.what, (v) => v !== undefined && s.test(v), {
    optional: false,
    parts: [s],
    Err: s.Err,
  });
}
export function or(...alts: readonly Spec[]): Spec {
  const whats = alts.map((a) => a.what);
  const what = whats.length > 1 ? `${whats.slice(0, -1).join(', ')} or ${whats.at(-1)}` : whats[0]!;
  const Err = alts.every((a) => a.Err === alts[0]!.Err) ? alts[0]!.Err : undefined;
  return spec(
    'or',
    what,
    (v) => {
      for (const a of alts) if (a.test(v)) return true;
      return false;
    },
    { parts: alts, optional: alts.some((a) => a.optional), Err },
  );
}
/** `s` with another phrase for messages. */
export function named(s: Spec, what: string): Spec {
  return { ...s, what };
}
/** An instance of a class, given lazily (`() => Module`) so that specs never touch a class
 * before its module has run (import cycles). */
export function instanceOf(c: () => object, what: string): Spec {
  return spec('instanceOf', what, (v) => v instanceof (c() as new () => object));
}
/** A plain object whose values all match `value` (a dict of modules, of tensors). */
export function recordOf(value: Spec, what = `an object of ${plural(value.what)}`): Spec {
  return spec(
    'recordOf',
    what,
    (v) => {
      if (!isPlainObject(v)) return false;
      for (const k in v) if (!value.test(v[k])) return false;
      return true;
    },
    { parts: [value] },
  );
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const p: unknown = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

export interface OptionsConfig {
  /** PyTorch's positional order of these options, for the hint on `new nn.Conv2d(1, 8, 3, 2)`. */
  positional?: readonly string[];
}

/** A plain object whose keys are all known and whose values match their specs. */
export function options(fields: Record<string, Spec>, cfg: OptionsConfig = {}): Spec {
  const table = new Map(Object.entries(fields));
  const mustHave = [...table].filter(([, f]) => f.kind === 'required').map(([k]) => k);
  const shown = [...table.keys()].map((k) => (mustHave.includes(k) ? k : `${k}?`));
  const test = (v: unknown): boolean => {
    // Left out entirely: fine unless some option must be given.
    if (v === undefined) return mustHave.length === 0;
    if (!isPlainObject(v)) return false;
    for (const k in v) {
      const f = table.get(k);
      const x = v[k];
      // An option set to undefined is the same as one left out (objects built with spreads).
      if (f === undefined || (x !== undefined && !f.test(x))) return false;
    }
    for (const k of mustHave) if (v[k] === undefined) return false;
    return true;
  };
  return spec('options', `an options object { ${shown.join(', ')} }`, test, {
    optional: mustHave.length === 0,
    fields: Object.freeze({ ...fields }),
    positional: cfg.positional,
  });
}

function plural(what: string): string {
  return what.replace(/^an? /, '').replace(/^(\w+)/, '$1s');
}
