/**
 * Generated loops. Each element-wise expression is compiled with `new Function` once per layout
 * (flat or strided) and per combination of typed-array classes, so the hot loop contains the
 * operation inline instead of calling a closure per element, and each compiled loop only ever
 * sees one element kind per operand (V8 keeps its accesses monomorphic). Expressions read the
 * inputs as `a`, `b`, `c`, may use the scratch variable `t`, and may call `erf`, `floatPow`,
 * `roundHalfEven` and `intPow` from core (the functions the PRIMS references use). Stores into
 * the output typed array do the final rounding (Float32Array) or wrapping (Int32Array).
 */
import { erf, floatPow, intPow, roundHalfEven, sizeOf } from '@flint/core/backend';
import type { TypedArray } from '@flint/core/backend';
import { collapse, isRowMajor } from '../strided.js';

/** A strided source: the parts of a view that a loop needs. */
export interface Src {
  readonly buf: TypedArray;
  readonly offset: number;
  readonly strides: readonly number[];
}

type Loop = (...args: unknown[]) => void;

const VARS = ['a', 'b', 'c'];
const LIB = { erf, floatPow, intPow, roundHalfEven };

function build(params: string[], body: string): Loop {
  const src = `const { erf, floatPow, intPow, roundHalfEven } = lib;
return function loop(${params.join(', ')}) {
  let t;
${body}
};`;
  return new Function('lib', src)(LIB) as Loop;
}

/** 0–3 for the four buffer classes; variant indices are base-4 numbers of these. */
function kindOf(b: TypedArray): number {
  return b instanceof Float32Array
    ? 0
    : b instanceof Float64Array
      ? 1
      : b instanceof Int32Array
        ? 2
        : 3;
}

/** o[oo + i] = expr(X0[x0 + i], …) for i < n. */
function contiguousLoop(expr: string, arity: number): Loop {
  const ins = VARS.slice(0, arity).map((_, k) => [`X${k}`, `x${k}`]);
  const reads = VARS.slice(0, arity).map((v, k) => `const ${v} = X${k}[x${k} + i];`);
  const body = `  for (let i = 0; i < n; i++) {
    ${reads.join(' ')}
    o[oo + i] = ${expr};
  }`;
  return build(['o', 'oo', 'n', ...ins.flat()], body);
}

/** The same over a collapsed strided space: an odometer over the outer dims, a tight inner row. */
function stridedLoop(expr: string, arity: number): Loop {
  const ks = VARS.slice(0, arity).map((_, k) => k);
  const each = (f: (k: number) => string): string => ks.map(f).join(' ');
  const body = `  const rank = shape.length, n = shape[rank - 1], osl = os[rank - 1];
  ${each((k) => `const s${k} = x${k}s[rank - 1];`)}
  const idx = new Int32Array(rank);
  let rows = 1;
  for (let d = 0; d < rank - 1; d++) rows *= shape[d];
  for (let row = 0; row < rows; row++) {
    let op = oo; ${each((k) => `let p${k} = x${k};`)}
    for (let j = 0; j < n; j++) {
      ${each((k) => `const ${VARS[k]} = X${k}[p${k}]; p${k} += s${k};`)}
      o[op] = ${expr}; op += osl;
    }
    for (let d = rank - 2; d >= 0; d--) {
      oo += os[d]; ${each((k) => `x${k} += x${k}s[d];`)}
      if (++idx[d] < shape[d]) break;
      idx[d] = 0; oo -= os[d] * shape[d]; ${each((k) => `x${k} -= x${k}s[d] * shape[d];`)}
    }
  }`;
  const ins = ks.map((k) => [`X${k}`, `x${k}`, `x${k}s`]);
  return build(['o', 'oo', 'os', 'shape', ...ins.flat()], body);
}

/**
 * Every compiled variant of one expression, looked up by a small integer (layout and operand
 * classes) rather than a string key: small tensors are dominated by per-call overhead.
 */
export class LoopSet {
  private readonly variants: (Loop | undefined)[] = [];

  constructor(
    readonly expr: string,
    readonly arity: number,
  ) {}

  get(flat: boolean, out: TypedArray, inputs: readonly Src[]): Loop {
    let key = kindOf(out);
    for (let k = 0; k < inputs.length; k++) key = key * 4 + kindOf(inputs[k]!.buf);
    key = key * 2 + (flat ? 1 : 0);
    let fn = this.variants[key];
    if (fn === undefined) {
      fn = flat ? contiguousLoop(this.expr, this.arity) : stridedLoop(this.expr, this.arity);
      this.variants[key] = fn;
    }
    return fn;
  }
}

const sets = new Map<string, LoopSet>();

/** The shared LoopSet of `expr` over `arity` inputs (call once per kernel, not per call). */
export function loops(expr: string, arity: number): LoopSet {
  const key = `${arity}:${expr}`;
  let set = sets.get(key);
  if (set === undefined) sets.set(key, (set = new LoopSet(expr, arity)));
  return set;
}

/**
 * out[outOffset + Σ i·outStrides] = expr(inputs at i) for every index i of `shape`.
 * Row-major output and inputs take the flat loop; anything else (broadcast, transposed,
 * flipped) takes the collapsed strided loop.
 */
export function mapInto(
  set: LoopSet,
  out: TypedArray,
  outOffset: number,
  outStrides: readonly number[],
  shape: readonly number[],
  inputs: readonly Src[],
): void {
  const n = sizeOf(shape);
  if (n === 0) return;
  let flat = isRowMajor(shape, outStrides);
  for (let k = 0; k < inputs.length && flat; k++) flat = isRowMajor(shape, inputs[k]!.strides);
  const loop = set.get(flat, out, inputs);
  const [x, y, z] = inputs as [Src, Src | undefined, Src | undefined];
  if (flat) {
    if (z) loop(out, outOffset, n, x.buf, x.offset, y!.buf, y!.offset, z.buf, z.offset);
    else if (y) loop(out, outOffset, n, x.buf, x.offset, y.buf, y.offset);
    else loop(out, outOffset, n, x.buf, x.offset);
    return;
  }
  const c = collapse(shape, [outStrides, ...inputs.map((v) => v.strides)]);
  const [os, xs, ys, zs] = c.strides;
  const head = [out, outOffset, os, c.shape] as const;
  if (z) loop(...head, x.buf, x.offset, xs, y!.buf, y!.offset, ys, z.buf, z.offset, zs);
  else if (y) loop(...head, x.buf, x.offset, xs, y.buf, y.offset, ys);
  else loop(...head, x.buf, x.offset, xs);
}

const reduceSets = new Map<string, (Loop | undefined)[]>();

/**
 * A reduction loop: acc[Σ i·os] = step(acc[…], X[x + Σ i·xs]) over a collapsed space, where
 * `os` is 0 on reduced dims. When the inner dim is reduced the accumulator stays in a local
 * (`s`), so summing a contiguous row is one register loop. `step` reads `s` and `v`.
 */
export function reduceLoop(step: string, acc: TypedArray, x: TypedArray): Loop {
  let variants = reduceSets.get(step);
  if (variants === undefined) reduceSets.set(step, (variants = []));
  const key = kindOf(acc) * 4 + kindOf(x);
  let fn = variants[key];
  if (fn !== undefined) return fn;
  const body = `  const rank = shape.length, n = shape[rank - 1], osl = os[rank - 1], sx = xs[rank - 1];
  const idx = new Int32Array(rank);
  let rows = 1, oo = 0;
  for (let d = 0; d < rank - 1; d++) rows *= shape[d];
  for (let row = 0; row < rows; row++) {
    let p = x;
    if (osl === 0) {
      let s = acc[oo];
      for (let j = 0; j < n; j++) { const v = X[p]; p += sx; s = ${step}; }
      acc[oo] = s;
    } else {
      for (let j = 0, op = oo; j < n; j++, op += osl) {
        const v = X[p]; p += sx; const s = acc[op]; acc[op] = ${step};
      }
    }
    for (let d = rank - 2; d >= 0; d--) {
      oo += os[d]; x += xs[d];
      if (++idx[d] < shape[d]) break;
      idx[d] = 0; oo -= os[d] * shape[d]; x -= xs[d] * shape[d];
    }
  }`;
  fn = build(['acc', 'os', 'shape', 'X', 'x', 'xs'], body);
  variants[key] = fn;
  return fn;
}
