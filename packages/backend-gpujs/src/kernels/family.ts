/**
 * Shared element-wise kernels: the cheap binary ops, the comparisons, `where`, the cheap unary
 * ops and the copies run as one compiled kernel (two: contiguous operands, and broadcast ones
 * read in place), with a uniform `op` selecting the formula. Compiling a kernel costs tens of
 * milliseconds on WebGL (measured on SwiftShader: ~130 ms for one binary op on a loaded machine,
 * ~210 ms for twelve in one kernel), almost all of it fixed, so a training step that uses add,
 * mul, a comparison and `where` compiles one kernel instead of four. The formulas are the
 * per-op sources of elementwise.ts, cut out of them (one source of truth); an op whose source
 * does not have the expected form keeps its own kernel.
 */
import type { BinaryPrim, ComparePrim, UnaryPrim } from '@flint/core/backend';
import {
  binarySrc,
  compareSrc,
  COPY_SRC,
  TO_BOOL_SRC,
  unarySrc,
  WHERE_SRC,
} from './elementwise.js';

// Heavy formulas (remainder and pow loop; exp/log/trig/erf carry long polynomials) keep their
// own kernels: inside a shared one they would make every member's compile pay for them.
const BINARY: readonly BinaryPrim[] = [
  'add',
  'sub',
  'mul',
  'div',
  'maximum',
  'minimum',
  'logicalAnd',
  'logicalOr',
];
const COMPARE: readonly ComparePrim[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'];
const UNARY: readonly UnaryPrim[] = ['neg', 'abs', 'sign', 'floor', 'ceil', 'trunc'];

const A = 'x[xo + this.thread.x]';
const B = 'y[yo + this.thread.x]';
const BIN_HEAD = `function(x, xo, y, yo, nan, inf) { const a = ${A}; const b = ${B}; `;
const CMP_HEAD = `function(x, xo, y, yo) { const a = ${A}; const b = ${B}; `;
const UN_HEAD = `function(x, xo, nan, inf) { const v = ${A}; `;

/** The body of `src` after `head`, without the closing brace; null if the form differs. */
function body(src: string, head: string): string | null {
  const s = src.trim();
  if (!s.startsWith(head) || !s.endsWith('}')) return null;
  return s.slice(head.length, -1).trim();
}

/** Member kernel key → [op number, formula, reads b]. One-operand members number from 100. */
function members(): Map<string, [number, string, boolean]> {
  const two: [string, string | null][] = [
    ...BINARY.map((p): [string, string | null] => [p, body(binarySrc(p), BIN_HEAD)]),
    ...COMPARE.map((p): [string, string | null] => [p, body(compareSrc(p), CMP_HEAD)]),
    [
      'where',
      WHERE_SRC.replace(/\s+/g, ' ') ===
      `function(c, co, x, xo, y, yo) { if (c[co + this.thread.x] !== 0) { return ${A}; } return ${B}; }`
        ? 'if (z[zo + this.thread.x] !== 0) { return a; } return b;'
        : null,
    ],
  ];
  const one: [string, string | null][] = [
    ...UNARY.map((p): [string, string | null] => [p, body(unarySrc(p), UN_HEAD)]),
    ['copy', COPY_SRC === `function(x, xo) { return ${A}; }` ? 'return a;' : null],
    [
      'toBool',
      TO_BOOL_SRC === `function(x, xo) { if (${A} !== 0) { return 1; } return 0; }`
        ? 'if (a !== 0) { return 1; } return 0;'
        : null,
    ],
  ];
  const m = new Map<string, [number, string, boolean]>();
  two.forEach(([key, f], i) => f !== null && m.set(key, [i, f, true]));
  one.forEach(([key, f], i) => f !== null && m.set(key, [100 + i, f, false]));
  return m;
}

/**
 * Default largest output of the shared kernel (`gpujsBackend({ sharedKernelMax })`): above it the
 * per-element branch on `op` costs more than one more compile (measured 1.6–1.8× slower than
 * the op's own kernel on 1M elements; small outputs are dominated by the launch).
 */
export const DEFAULT_SHARED_KERNEL_MAX = 65536;

const MEMBERS = members();
/** Binary and comparison members also have broadcast variants (broadcast.ts). */
const BROADCAST = new Set<string>([...BINARY, ...COMPARE].filter((k) => MEMBERS.has(k)));

/**
 * One-operand members first, before `b` is read, and `where`'s condition read only in its own
 * branch: no member pays for a texture fetch it does not use.
 */
function familySrc(broadcast: boolean): string {
  const at = (t: string) =>
    broadcast
      ? `${t}[${t}o + Math.floor(this.thread.x / ${t}q) % ${t}p]`
      : `${t}[${t}o + this.thread.x]`;
  const args = broadcast
    ? 'x, xo, xq, xp, y, yo, yq, yp, op, nan, inf'
    : 'x, xo, y, yo, z, zo, op, nan, inf';
  const chain = (reads: boolean) =>
    [...MEMBERS]
      .filter(([k, [, , r]]) => r === reads && (!broadcast || BROADCAST.has(k)))
      .map(([, [op, f]]) => `if (op === ${op}) { ${f} }`)
      .join(' ');
  const ones = broadcast ? '' : `if (op >= 100) { ${chain(false)} return 0; }`;
  return `function(${args}) { const a = ${at('x')}; const v = a; ${ones} const b = ${at('y')}; ${chain(true)} return 0; }`;
}

const PLAIN_SRC = familySrc(false);
const BROADCAST_SRC = familySrc(true);

/**
 * The shared kernel for a member kernel call (key, source, arguments as table.ts and
 * broadcast.ts build them), or the call unchanged for any other kernel.
 */
export function shared(
  key: string,
  src: string,
  args: unknown[],
): [key: string, src: string, args: unknown[]] {
  const bc = key.endsWith(':broadcast');
  const name = bc ? key.slice(0, -':broadcast'.length) : key;
  const m = MEMBERS.get(name);
  if (m === undefined || (bc && !BROADCAST.has(name))) return [key, src, args];
  const op = m[0];
  if (bc) {
    // [x, xo, xq, xp, y, yo, yq, yp] (+ nan, inf for the binary ops)
    return ['ew:broadcast', BROADCAST_SRC, [...args.slice(0, 8), op, NaN, Infinity]];
  }
  if (name === 'where') {
    const [cd, co, ad, ao, bd, bo] = args;
    return ['ew', PLAIN_SRC, [ad, ao, bd, bo, cd, co, op, NaN, Infinity]];
  }
  const [xd, xo] = args;
  // unary members and the copies read one operand: it stands in for the unused ones
  const [yd, yo] = args.length >= 4 && typeof args[2] !== 'number' ? [args[2], args[3]] : [xd, xo];
  return ['ew', PLAIN_SRC, [xd, xo, yd, yo, xd, xo, op, NaN, Infinity]];
}
