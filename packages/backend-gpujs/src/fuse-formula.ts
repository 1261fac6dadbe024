/**
 * The formulas that fuse.ts inlines: the element-wise kernel sources of elementwise.ts (one
 * source of truth), parsed into "first true condition wins, else the last value" form.
 */
import { PRIM_NAMES, PRIMS } from '@flint/core/backend';
import type { BinaryPrim, ComparePrim, UnaryPrim } from '@flint/core/backend';
import { binarySrc, compareSrc, unarySrc } from './kernels/elementwise.js';

/** A formula as "first true condition wins, else the last value", over named operands. */
export interface Formula {
  vars: string[];
  conds: [cond: string, value: string][];
  last: string;
}

const BIN_HEAD =
  'function(x, xo, y, yo, nan, inf) { const a = x[xo + this.thread.x]; const b = y[yo + this.thread.x]; ';
const CMP_HEAD =
  'function(x, xo, y, yo) { const a = x[xo + this.thread.x]; const b = y[yo + this.thread.x]; ';
const UN_HEAD = 'function(x, xo, nan, inf) { const v = x[xo + this.thread.x]; ';

/**
 * Parses a kernel body made only of `if (c) { return x; }` clauses and a final `return y;`
 * (the form of most element-wise formulas); null for any other form (loops, locals), which
 * keeps that primitive on its own kernel. Formulas stay in elementwise.ts: one source of truth.
 */
export function parseFormula(src: string, head: string, vars: string[]): Formula | null {
  const s0 = src.replace(/\s+/g, ' ').trim();
  const h = head.replace(/\s+/g, ' ').trim();
  if (!s0.startsWith(h) || !s0.endsWith('}')) return null;
  let s = s0.slice(h.length, -1).trim();
  const conds: [string, string][] = [];
  const clause = /^if \(([^{};]+?)\) \{ return ([^{};]+); \}\s*/;
  for (let m = clause.exec(s); m; m = clause.exec(s)) {
    conds.push([m[1]!, m[2]!]);
    s = s.slice(m[0].length);
  }
  const last = /^return ([^{};]+);$/.exec(s);
  return last ? { vars, conds, last: last[1]! } : null;
}

function formulas(): Map<string, Formula> {
  const m = new Map<string, Formula>();
  const put = (k: string, f: Formula | null) => f && m.set(k, f);
  // Every primitive of these kinds is a candidate; those whose source is not of the plain
  // "if (c) return x; … return y" form (loops, locals) parse to null and keep their own kernels.
  const ofKind = <K extends string>(kind: string) =>
    PRIM_NAMES.filter((n) => PRIMS[n].kind === kind) as K[];
  const UNARY = ofKind<UnaryPrim>('unary');
  const BINARY = ofKind<BinaryPrim>('binary');
  const COMPARE = ofKind<ComparePrim>('compare');
  for (const p of UNARY) put(p, parseFormula(unarySrc(p), UN_HEAD, ['v']));
  for (const p of BINARY) put(p, parseFormula(binarySrc(p), BIN_HEAD, ['a', 'b']));
  for (const p of COMPARE) put(p, parseFormula(compareSrc(p), CMP_HEAD, ['a', 'b']));
  m.set('where', { vars: ['c', 'a', 'b'], conds: [['c !== 0', 'a']], last: 'b' });
  return m;
}

/** Primitive name → formula, for every element-wise primitive whose formula fuses. */
export const FORMULAS = formulas();
