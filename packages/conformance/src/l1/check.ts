/** Comparing a Flint result with a fixture's expected value, and expected errors with thrown ones. */
import * as fl from '@flint/core';
import type { DType, Tolerance } from '@flint/core/backend';
import {
  assertClose,
  assertDType,
  assertShape,
  check,
  CheckError,
  EXACT,
  maxAbs,
} from '../harness/compare.js';
import type { CaseContext } from '../types.js';
import { values, type Expected, type FixtureCase, type TensorSpec } from './fixtures.js';
import type { OpResult } from './invoke.js';

/** Ops whose float error grows with the number of terms combined (compared relative to input size). */
const ACCUMULATING = new Set([
  'sum',
  'mean',
  'prod',
  'var',
  'std',
  'norm',
  'logsumexp',
  'cumsum',
  'softmax',
  'logSoftmax',
  'matmul',
  'bmm',
  'dot',
  'outer',
  'scatterAdd',
  'linspace',
  'arange',
]);

export interface CheckOptions {
  signedZero?: boolean;
  /** Magnitude relative tolerance applies to (see CloseOptions.scale). */
  scale?: number;
  /** Tolerance override for float results (e.g. float32 run of a float64 fixture). */
  tol?: (dtype: DType) => Tolerance;
}

export function inputScale(c: FixtureCase): number {
  if (!ACCUMULATING.has(c.op)) return 0;
  let mag = 1;
  let n = 1;
  for (const s of c.inputs) {
    if (s.dtype === 'bool') continue;
    mag *= Math.max(1, maxAbs(values(s)));
    n = Math.max(n, s.data.length);
  }
  return mag * Math.sqrt(n);
}

export function checkTensor(
  ctx: CaseContext,
  t: fl.Tensor,
  e: TensorSpec,
  what: string,
  o: CheckOptions = {},
): void {
  check(t instanceof fl.Tensor, `${what}: expected a Tensor, got ${typeof t}`);
  assertShape([...t.shape], e.shape, `${what} shape`);
  assertDType(t.dtype, e.dtype, `${what} dtype`);
  const isFloat = e.dtype === 'float32' || e.dtype === 'float64';
  const tol = isFloat ? (o.tol ?? ((d: DType) => ctx.tol(d)))(e.dtype) : EXACT;
  assertClose(t.dataSync(), values(e), { tol, signedZero: o.signedZero, scale: o.scale, what });
}

export function checkResult(
  ctx: CaseContext,
  r: OpResult,
  e: Expected,
  o: CheckOptions = {},
): void {
  if ('error' in e) throw new CheckError(`expected ${e.error}, but the call returned`);
  if ('list' in e) {
    check(Array.isArray(r), 'expected a list of tensors');
    const list = r as fl.Tensor[];
    check(list.length === e.list.length, `got ${list.length} tensors, expected ${e.list.length}`);
    e.list.forEach((s, i) => checkTensor(ctx, list[i]!, s, `result[${i}]`, o));
    return;
  }
  if ('values' in e) {
    check(!(r instanceof fl.Tensor) && !Array.isArray(r), 'expected { values, indices }');
    const vi = r as { values: fl.Tensor; indices: fl.Tensor };
    checkTensor(ctx, vi.values, e.values, 'values', o);
    checkTensor(ctx, vi.indices, e.indices, 'indices', o);
    return;
  }
  checkTensor(ctx, r as fl.Tensor, e, 'result', o);
}

const squash = (s: string): string => s.replace(/\s+/g, '');

/** Run `fn`, require it to throw `errorName`, with a message naming `op` and each of `mentions`. */
export function expectError(
  fn: () => unknown,
  errorName: string,
  op: string,
  mentions: readonly string[] = [],
): void {
  const cls = (fl as unknown as Record<string, unknown>)[errorName] as
    (new (...a: unknown[]) => Error) | undefined;
  check(typeof cls === 'function', `@flint/core exports no error class ${errorName}`);
  let thrown: unknown = undefined;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  if (thrown === undefined)
    throw new CheckError(`expected ${errorName} from ${op}, but it returned`);
  const err = thrown as Error;
  check(
    err instanceof cls,
    () => `expected ${errorName}, got ${err?.name ?? typeof err}: ${err?.message}`,
  );
  const msg = squash(err.message);
  check(
    msg.toLowerCase().includes(op.toLowerCase()),
    `${errorName} message does not name the op '${op}': "${err.message}"`,
  );
  for (const m of mentions)
    check(msg.includes(squash(m)), `${errorName} message does not mention ${m}: "${err.message}"`);
}
