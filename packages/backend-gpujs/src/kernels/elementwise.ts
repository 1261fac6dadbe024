/**
 * Element-wise kernels on the device (float32, and bool as 0/1). Inputs arrive contiguous
 * (caps.strided is false) at an element offset, so thread i reads element `offset + i`. Each
 * formula transcribes the PRIMS reference, including its NaN, ±∞ and −0 rules, in float32.
 */
import type { BinaryPrim, ComparePrim, UnaryPrim } from '@flint/core/backend';
import { TRIG } from './trig.js';

/**
 * GLSL leaves much undefined that JavaScript defines, and gpu.js writes `Infinity` as the largest
 * finite float (measured on WebGL2/SwiftShader: exp(NaN) = ∞, log(−1) = 0, log(0) = −88,
 * pow(−2, 3) = ∞, `Math.abs(∞) === Infinity` false), and shader compilers fold `x * 0` to +0
 * (measured on SwiftShader, WebGL2 and WebGPU). So every formula guards its special inputs
 * itself: an infinity is "beyond FLT_MAX", NaN and ∞ come in as arguments (`nan`, `inf`)
 * because no shader expression is guaranteed to produce them, and −0 is made as −1/∞.
 */
const FLT_MAX = '3.4028234663852886e38';

/**
 * erf in float32: the Maclaurin series near 0 (relative accuracy where erf is small), else
 * Abramowitz–Stegun 7.1.26 (absolute error 1.5e-7, relative ≤ 3e-7 where |erf| ≥ 0.5).
 */
const ERF = `
  const z = Math.abs(v);
  let r = 0;
  if (z < 0.5) {
    const z2 = z * z;
    r = 1.1283791670955126 * z * (1 - z2 * (0.3333333333333333 - z2 * (0.1 - z2 * (0.023809523809523808 - z2 * (0.004629629629629629 - z2 * 0.0007575757575757576)))));
  } else {
    if (z > 6) { r = 1; } else {
      const t = 1 / (1 + 0.3275911 * z);
      r = 1 - (((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t) * Math.exp(-z * z);
    }
  }
  if (v < 0) { return -r; }
  if (v === 0) { return v; }
  return r;`;

/** Round half to even: v − floor(v) is exact in float32 below 2^23, where v is not yet integral. */
const ROUND = `
  if (!(Math.abs(v) < 8388608)) { return v; }
  const f = Math.floor(v);
  const d = v - f;
  let r = f;
  if (d > 0.5) { r = f + 1; }
  if (d === 0.5) { r = f + Math.abs(f % 2); }
  if (r === 0) {
    if (v < 0 || 1 / v < 0) { return -1 / inf; }
    return 0;
  }
  return r;`;

/** log1p(u) by its series for |u| < 0.05 (shader log is only absolutely accurate near 1). */
const LOG1P_SERIES = (u: string) =>
  `${u} * (1 - ${u} * (0.5 - ${u} * (0.3333333333333333 - ${u} * (0.25 - ${u} * (0.2 - ${u} * (0.16666666666666666 - ${u} * 0.14285714285714285))))))`;

const LOG = `
  if (v < 0) { return nan; }
  if (v === 0) { return -inf; }
  if (v > ${FLT_MAX}) { return v; }
  const u = v - 1;
  if (Math.abs(u) < 0.05) { return ${LOG1P_SERIES('u')}; }
  return Math.log(v);`;

const LOG1P = `
  if (v < -1) { return nan; }
  if (v === -1) { return -inf; }
  if (v > ${FLT_MAX}) { return v; }
  if (Math.abs(v) < 0.05) { return ${LOG1P_SERIES('v')}; }
  return Math.log(1 + v);`;

/** expm1 by its series near 0, where exp(v) − 1 cancels. */
const EXPM1 = `
  if (v > 88.8) { return inf; }
  if (v < -88) { return -1; }
  if (Math.abs(v) < 0.05) {
    return v * (1 + v * (0.5 + v * (0.16666666666666666 + v * (0.041666666666666664 + v * (0.008333333333333333 + v * 0.001388888888888889)))));
  }
  return Math.exp(v) - 1;`;

const EXP = `
  if (v > 88.8) { return inf; }
  if (v < -104) { return 0; }
  return Math.exp(v);`;

/** tanh through its series near 0 (shader tanh cancels there) and ±1 beyond 9 (it overflows). */
const TANH = `
  if (Math.abs(v) < 0.01) { return v - v * v * v / 3 + 2 * v * v * v * v * v / 15; }
  if (v > 9) { return 1; }
  if (v < -9) { return -1; }
  return Math.tanh(v);`;

const SIGMOID = `
  if (v >= 0) { return 1 / (1 + Math.exp(-v)); }
  const e = Math.exp(v);
  return e / (1 + e);`;

// Every unary formula but sign's starts with `if (v !== v) return v` (NaN in, NaN out).
const UNARY: Record<UnaryPrim, string> = {
  neg: 'return -v;',
  abs: 'return Math.abs(v);',
  sign: 'if (v > 0) { return 1; } if (v < 0) { return -1; } return 0;',
  exp: EXP,
  expm1: EXPM1,
  log: LOG,
  log1p: LOG1P,
  sqrt: 'if (v < 0) { return nan; } if (v > ' + FLT_MAX + ') { return v; } return Math.sqrt(v);',
  sin: TRIG(false, FLT_MAX),
  cos: TRIG(true, FLT_MAX),
  tanh: TANH,
  sigmoid: SIGMOID,
  erf: ERF,
  floor: 'return Math.floor(v);',
  ceil: 'return Math.ceil(v);',
  round: ROUND,
  trunc: 'return Math.trunc(v);',
};

/**
 * Python's remainder from an exact fmod. gpu.js's `%` computes a − b·trunc(a/b) in float32,
 * which is wrong when |a/b| is large (1e30 % 7 gave 0). Subtracting the largest b·2^k not above
 * the running remainder is exact (Sterbenz) and at least halves it, so ≤ 280 steps finish.
 */
const REMAINDER = `
  if (a !== a || b !== b || !(Math.abs(a) <= ${FLT_MAX}) || b === 0) { return nan; }
  const bb = Math.abs(b);
  let r = Math.abs(a);
  if (bb <= ${FLT_MAX}) {
    for (let it = 0; it < 300; it++) {
      if (r < bb) { break; }
      const e = Math.floor(Math.log2(r)) - Math.floor(Math.log2(bb));
      // b·2^e in steps of at most 2^100: 2^e alone overflows float32 beyond e = 127
      let s = bb;
      let left = e;
      for (let q = 0; q < 3; q++) {
        const st = Math.min(left, 100);
        s = s * Math.pow(2, st);
        left = left - st;
      }
      if (s > r) { s = s * 0.5; }
      if (s * 2 <= r) { s = s * 2; }
      r = r - s;
    }
  }
  if (a < 0) { r = -r; }
  if (r === 0) {
    if (a < 0 || 1 / a < 0) { return -1 / inf; }
    return 0;
  }
  if ((r < 0) !== (b < 0)) { return r + b; }
  return r;`;

/**
 * C's pow (PRIMS floatPow) without relying on GLSL pow outside x > 0: zeros, infinities and
 * negative bases (integral exponents only, the sign from the exponent's parity) by hand.
 */
const POW = `
  if (a === 1 || b === 0) { return 1; }
  if (a !== a || b !== b) { return nan; }
  const ab = Math.abs(a);
  if (!(Math.abs(b) <= ${FLT_MAX})) {
    if (ab === 1) { return 1; }
    if ((ab < 1) === (b > 0)) { return 0; }
    return inf;
  }
  let bint = 0;
  if (Math.floor(b) === b) { bint = 1; }
  let r = 0;
  if (ab === 0) {
    if (b < 0) { r = inf; }
  } else {
    if (ab <= ${FLT_MAX}) {
      if (a < 0 && bint === 0) { return nan; }
      r = Math.pow(ab, b);
    } else { if (b > 0) { r = inf; } }
  }
  let odd = 0;
  if (bint === 1 && Math.abs(b) < 16777216 && Math.abs(b - 2 * Math.floor(b / 2)) === 1) { odd = 1; }
  if (odd === 1 && (a < 0 || (a === 0 && 1 / a < 0))) { return -r; }
  return r;`;

// maximum/minimum: NaN wins; between zeros +0 wins for max (−0 + +0 = +0) and −0 for min.
const BINARY: Record<BinaryPrim, string> = {
  add: 'return a + b;',
  sub: 'return a - b;',
  mul: 'return a * b;',
  div: 'return a / b;',
  remainder: REMAINDER,
  pow: POW,
  maximum: `
  if (a !== a || b !== b) { return nan; }
  if (a === 0 && b === 0) { return a + b; }
  if (a > b) { return a; }
  return b;`,
  minimum: `
  if (a !== a || b !== b) { return nan; }
  if (a === 0 && b === 0) { return -((-a) + (-b)); }
  if (a < b) { return a; }
  return b;`,
  logicalAnd: 'if (a !== 0 && b !== 0) { return 1; } return 0;',
  logicalOr: 'if (a !== 0 || b !== 0) { return 1; } return 0;',
};

const COMPARE: Record<ComparePrim, string> = {
  eq: '===',
  ne: '!==',
  lt: '<',
  le: '<=',
  gt: '>',
  ge: '>=',
};

/** Unary kernels: (x, xo, nan, inf); NaN propagates except through sign. */
export const unarySrc = (p: UnaryPrim): string =>
  `function(x, xo, nan, inf) { const v = x[xo + this.thread.x]; ${p === 'sign' ? '' : 'if (v !== v) { return v; }'} ${UNARY[p]} }`;

/** Binary kernels: (x, xo, y, yo, nan, inf). */
export const binarySrc = (p: BinaryPrim): string =>
  `function(x, xo, y, yo, nan, inf) { const a = x[xo + this.thread.x]; const b = y[yo + this.thread.x]; ${BINARY[p]} }`;

export const compareSrc = (p: ComparePrim): string =>
  `function(x, xo, y, yo) { const a = x[xo + this.thread.x]; const b = y[yo + this.thread.x]; if (a ${COMPARE[p]} b) { return 1; } return 0; }`;

export const WHERE_SRC = `function(c, co, x, xo, y, yo) {
  if (c[co + this.thread.x] !== 0) { return x[xo + this.thread.x]; }
  return y[yo + this.thread.x];
}`;

/** float32 → bool (NaN is true, as in torch). */
export const TO_BOOL_SRC = `function(x, xo) { if (x[xo + this.thread.x] !== 0) { return 1; } return 0; }`;

export const COPY_SRC = `function(x, xo) { return x[xo + this.thread.x]; }`;

export const FILL_SRC = `function(v) { return v; }`;
