/** Value comparison with per-dtype tolerance, NaN/±Inf/−0 aware, with readable failure messages. */
import type { DType, Tolerance } from '@flint/core/backend';

/** Thrown when a case's check fails (as opposed to the backend throwing). */
export class CheckError extends Error {
  override name = 'CheckError';
}

export function check(cond: unknown, message: string | (() => string)): asserts cond {
  if (!cond) throw new CheckError(typeof message === 'string' ? message : message());
}

export interface CloseOptions {
  tol: Tolerance;
  /** Also require the sign of zero to match. */
  signedZero?: boolean;
  /**
   * Magnitude the relative tolerance applies to besides |expected|: for sums and products of
   * many terms the rounding error scales with the terms, not with a result that may cancel to ~0.
   */
  scale?: number;
  /** Prefix for messages. */
  what?: string;
}

function fmtNum(v: number): string {
  return Object.is(v, -0) ? '-0' : String(v);
}

/** Index of the first mismatch, or -1. */
function firstMismatch(a: ArrayLike<number>, e: ArrayLike<number>, o: CloseOptions): number {
  const scale = o.scale ?? 0;
  for (let i = 0; i < e.length; i++) {
    const x = a[i]!;
    const y = e[i]!;
    if (Number.isNaN(y) || Number.isNaN(x)) {
      if (Number.isNaN(x) && Number.isNaN(y)) continue;
      return i;
    }
    if (x === y) {
      if (o.signedZero && x === 0 && Object.is(x, -0) !== Object.is(y, -0)) return i;
      continue;
    }
    if (!Number.isFinite(x) || !Number.isFinite(y)) return i;
    if (Math.abs(x - y) > o.tol.atol + o.tol.rtol * Math.max(Math.abs(y), scale)) return i;
  }
  return -1;
}

export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  o: CloseOptions,
): void {
  const what = o.what ? `${o.what}: ` : '';
  check(
    actual.length === expected.length,
    `${what}length ${actual.length}, expected ${expected.length}`,
  );
  const i = firstMismatch(actual, expected, o);
  if (i < 0) return;
  let bad = 0;
  for (let j = i; j < expected.length; j++)
    if (firstMismatch([actual[j]!], [expected[j]!], o) === 0) bad++;
  const show = (arr: ArrayLike<number>): string =>
    Array.from({ length: Math.min(arr.length, 12) }, (_, k) => fmtNum(arr[k]!)).join(', ') +
    (arr.length > 12 ? ', …' : '');
  throw new CheckError(
    `${what}${bad} of ${expected.length} values differ; first at flat index ${i}: got ${fmtNum(actual[i]!)}, ` +
      `expected ${fmtNum(expected[i]!)} (rtol ${o.tol.rtol}, atol ${o.tol.atol}${o.signedZero ? ', signed zeros' : ''})\n` +
      `  got      [${show(actual)}]\n  expected [${show(expected)}]`,
  );
}

export function assertShape(
  actual: readonly number[],
  expected: readonly number[],
  what = 'shape',
): void {
  check(
    actual.length === expected.length && actual.every((d, i) => d === expected[i]),
    `${what} [${actual.join(',')}], expected [${expected.join(',')}]`,
  );
}

export function assertDType(actual: DType, expected: DType, what = 'dtype'): void {
  check(actual === expected, `${what} ${actual}, expected ${expected}`);
}

export const EXACT: Tolerance = { rtol: 0, atol: 0 };

/** Largest |x| in a list (finite entries only), for `scale`. */
export function maxAbs(xs: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < xs.length; i++) {
    const v = Math.abs(xs[i]!);
    if (Number.isFinite(v) && v > m) m = v;
  }
  return m;
}
