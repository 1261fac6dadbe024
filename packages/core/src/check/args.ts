/**
 * Signatures and the one function that checks a call against one: `checkArgs(sig, arguments)`.
 * A signature (`sig`) names the call as users write it (`fl.randn`, `Tensor.narrow`, `nn.Linear`)
 * and lists its parameters with their specs (spec.ts). Public functions are wrapped once where
 * they are exported (`guard`), Tensor and class methods through their prototype (`guardMethods`),
 * and constructors call `checkArgs` on their first line. The test of a passing call is one
 * predicate per argument, so the cost on hot paths is a few nanoseconds; all message building
 * happens only on failure (explain.ts).
 */
/* eslint-disable prefer-rest-params -- the guards read `arguments` on purpose: a passing call
   must not pay for a rest array (see fixedArity), and the exact count catches extra arguments. */
import { type Spec } from './spec.js';
import { ArgumentError } from '../errors.js';
import { argumentFailure, restFailure, tooManyFailure } from './explain.js';

export interface Sig {
  /** The call as users write it: `fl.narrow`, `Tensor.narrow`, `nn.Linear`, `Model.fit`. */
  readonly call: string;
  readonly names: readonly string[];
  readonly specs: readonly Spec[];
  /**
   * The whole argument list is one packed value: `reshape(2, 3)` is `reshape([2, 3])`. `packed`
   * checks that value (the array, or the arguments as an array); `names`/`specs` are then empty.
   */
  readonly packed?: Spec;
  /** Spec of each argument after the named ones (`x.index(0, '1:3')`); none: no more allowed. */
  readonly rest?: Spec;
  /** `fl.randn(2, 3)`: a leading run of integers is the shape (then at most one options object). */
  readonly variadicShape?: boolean;
  /**
   * A condition on the arguments together, after each passed its spec: returns what is wrong,
   * or undefined (e.g. "at least one operand must be a tensor").
   */
  readonly refine?: (args: ArrayLike<unknown>) => string | undefined;
  /** The function returns a promise: a bad call gives a rejected promise, not a synchronous throw. */
  readonly async?: boolean;
}

export type SigConfig = Pick<Sig, 'packed' | 'rest' | 'variadicShape' | 'refine' | 'async'>;

const registry = new Map<string, Sig>();

/** Declare the signature of `call` (the parameters in order, each with its spec). */
export function sig(call: string, params: Record<string, Spec>, cfg: SigConfig = {}): Sig {
  const s: Sig = {
    call,
    names: Object.keys(params),
    specs: Object.values(params),
    ...cfg,
  };
  registry.set(call, s);
  return s;
}

/**
 * Signatures of `Class.method` for a table of methods: `methods('Tensor', { narrow: {…} })`,
 * with the extra configuration of some of them (`{ reshape: { packed: sizes } }`).
 */
export function methods<K extends string>(
  className: string,
  table: Record<K, Record<string, Spec>>,
  config: Partial<Record<string, SigConfig>> = {},
): Record<K, Sig> {
  const out = {} as Record<K, Sig>;
  for (const name of Object.keys(table) as K[])
    out[name] = sig(`${className}.${name}`, table[name], config[name]);
  return out;
}

/** Every declared signature by call name (the export-walking test reads it). */
export function signatures(): ReadonlyMap<string, Sig> {
  return registry;
}

/**
 * Throw the typed error for the first argument that does not match `s`; otherwise nothing.
 * Constructors pass their parameters and `arguments.length` (`count`), so that extra arguments
 * are refused too: `checkArgs(NN.Linear, [inFeatures, outFeatures, opts], arguments.length)`.
 */
export function checkArgs(s: Sig, args: ArrayLike<unknown>, count = args.length): void {
  if (count > args.length && s.rest === undefined) throw tooManyFailure(s, args, count);
  if (s.packed !== undefined) return checkPacked(s, args);
  const specs = s.specs;
  for (let i = 0; i < specs.length; i++)
    if (!specs[i]!.test(args[i])) throw argumentFailure(s, i, args);
  if (args.length > specs.length) checkRest(s, args);
  if (s.refine !== undefined) {
    const why = s.refine(args);
    if (why !== undefined) throw new ArgumentError(`${s.call}: ${why}`);
  }
  // A built-in layer's constructor checks its arguments just before super(): Module's
  // constructor picks them up (takeLayerArgs), so Model.save can write the architecture.
  if (s.call.startsWith('nn.')) pendingLayer = { call: s.call, args: Array.from(args) };
}

let pendingLayer: { call: string; args: unknown[] } | null = null;

/** @internal The checked arguments of `new nn.<name>(…)` now being constructed, once; else null. */
export function takeLayerArgs(name: string): unknown[] | null {
  const p = pendingLayer;
  pendingLayer = null;
  return p !== null && p.call === `nn.${name}` ? p.args : null;
}

function checkRest(s: Sig, args: ArrayLike<unknown>): void {
  for (let i = s.specs.length; i < args.length; i++) {
    if (s.rest !== undefined) {
      if (!s.rest.test(args[i])) throw restFailure(s, i, args[i]);
    } else if (args[i] !== undefined) {
      // A silently ignored argument is a wrong call (often a PyTorch positional one).
      throw tooManyFailure(s, args);
    }
  }
}

function checkPacked(s: Sig, args: ArrayLike<unknown>): void {
  const value = args.length === 1 && Array.isArray(args[0]) ? args[0] : Array.from(args);
  if (!s.packed!.test(value)) throw argumentFailure(s, -1, [value]);
}

const guarded = new WeakMap<object, Sig>();

/** The signature a guarded function or method checks, if any (for the export-walking test). */
export function sigOf(f: unknown): Sig | undefined {
  return typeof f === 'function' ? guarded.get(f) : undefined;
}

/**
 * `f` with its arguments checked against `s` first. Exports are guarded; code inside core calls
 * the unguarded functions, so composites do not pay for checks their callers already passed.
 */
export function guard<F extends (...args: never[]) => unknown>(s: Sig, f: F): F {
  const g = fixedArity(s, f as unknown as Fn) ?? general(s, f as unknown as Fn);
  Object.defineProperty(g, 'name', { value: f.name });
  Object.defineProperty(g, 'length', { value: f.length });
  guarded.set(g, s);
  return g as unknown as F;
}

type Fn = (this: unknown, ...args: unknown[]) => unknown;

function general(s: Sig, f: Fn): Fn {
  if (s.async)
    return function (this: unknown): unknown {
      try {
        checkArgs(s, arguments);
      } catch (e) {
        return Promise.reject(e);
      }
      return Reflect.apply(f, this, arguments);
    };
  if (s.variadicShape)
    return function (this: unknown): unknown {
      const args = shapeForm(arguments);
      checkArgs(s, args);
      return Reflect.apply(f, this, args);
    };
  return function (this: unknown): unknown {
    checkArgs(s, arguments);
    return Reflect.apply(f, this, arguments);
  };
}

/**
 * The common case, specialised by arity so that a passing call costs one predicate per argument
 * and no `arguments` object (on hot paths such as `x.add(y)` the general wrapper cost ~10 % of a
 * tiny op). A failing test, or extra arguments, take the slow path: `checkArgs` throws the
 * precise error (or lets trailing undefined pass).
 */
function fixedArity(s: Sig, f: Fn): Fn | undefined {
  if (s.packed || s.rest || s.variadicShape || s.refine || s.async) return undefined;
  const [t0, t1, t2, t3] = s.specs.map((x) => x.test);
  switch (s.specs.length) {
    case 0:
      return function (this: unknown): unknown {
        if (arguments.length > 0) checkArgs(s, arguments);
        return f.call(this);
      };
    case 1:
      return function (this: unknown, a: unknown): unknown {
        if (!t0!(a) || arguments.length > 1) checkArgs(s, arguments);
        return f.call(this, a);
      };
    case 2:
      return function (this: unknown, a: unknown, b: unknown): unknown {
        if (!t0!(a) || !t1!(b) || arguments.length > 2) checkArgs(s, arguments);
        return f.call(this, a, b);
      };
    case 3:
      return function (this: unknown, a: unknown, b: unknown, c: unknown): unknown {
        if (!t0!(a) || !t1!(b) || !t2!(c) || arguments.length > 3) checkArgs(s, arguments);
        return f.call(this, a, b, c);
      };
    case 4:
      return function (this: unknown, a: unknown, b: unknown, c: unknown, d: unknown): unknown {
        if (!t0!(a) || !t1!(b) || !t2!(c) || !t3!(d) || arguments.length > 4)
          checkArgs(s, arguments);
        return f.call(this, a, b, c, d);
      };
    default:
      return undefined;
  }
}

/**
 * `fl.randn(2, 3)` and `fl.zeros(2, 3, { dtype })` as PyTorch writes them: two or more leading
 * integers are the shape. One number stays a 1-D shape, as before.
 */
function shapeForm(args: IArguments): ArrayLike<unknown> {
  if (args.length < 2 || typeof args[0] !== 'number' || typeof args[1] !== 'number') return args;
  let n = 0;
  while (n < args.length && typeof args[n] === 'number') n++;
  return [Array.prototype.slice.call(args, 0, n), ...Array.prototype.slice.call(args, n)];
}

/**
 * Replace each method named in `table` on `cls.prototype` by a guarded one. A subclass's own
 * override is not affected (it is a different function).
 */
export function guardMethods(cls: { prototype: object }, table: Record<string, Sig>): void {
  guardMembers(cls.prototype, table);
}

/** The same for static methods (`CharDataset.fromWords`). */
export function guardStatics(cls: object, table: Record<string, Sig>): void {
  guardMembers(cls, table);
}

function guardMembers(target: object, table: Record<string, Sig>): void {
  for (const [name, s] of Object.entries(table)) {
    const own = Object.getOwnPropertyDescriptor(target, name);
    if (!own || typeof own.value !== 'function') continue;
    const g = guard(s, own.value as (...a: never[]) => unknown);
    Object.defineProperty(target, name, { ...own, value: g });
  }
}
