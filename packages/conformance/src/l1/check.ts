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
import { read } from '../harness/read.js';
import { thrownOrAtRead } from '../harness/expect.js';
import type { CaseContext } from '../types.js';
import { values, type Expected, type FixtureCase, type TensorSpec } from './fixtures.js';
import type { OpResult } from './invoke.js';

const maxOf = (s: TensorSpec | undefined): number => (s ? maxAbs(values(s)) : 0);
const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * How many input elements each output combines: the reduced dims' sizes (args.dim: a number, a
 * list, or all when absent); null when the caller gave no args (it only knows the inputs).
 */
function termsPerOutput(c: FixtureCase): number | null {
  const x = c.inputs[0];
  if (!x) return 1;
  if (c.args === undefined) return null;
  const dim = c.args.dim;
  if (dim === undefined || dim === null) return Math.max(1, sizeOf(x.shape));
  const rank = x.shape.length;
  const dims = (Array.isArray(dim) ? dim : [dim]) as number[];
  return Math.max(1, sizeOf(dims.map((d) => x.shape[((d % rank) + rank) % rank] ?? 1)));
}

/** The most terms any output could combine: every element of the first input. */
const allTerms = (c: FixtureCase): number => Math.max(1, sizeOf(c.inputs[0]?.shape ?? []));

/** Largest |x| over the float inputs (at least 1, so tiny inputs do not tighten the bound). */
function magnitude(c: FixtureCase): number {
  return Math.max(1, ...c.inputs.filter((s) => s.dtype !== 'bool').map(maxOf));
}

/**
 * The magnitude each op's float rounding error scales with (CloseOptions.scale: the tolerance is
 * rtol·max(|expected|, scale) + atol), from what the op really accumulates. Ops not listed are
 * compared relative to each expected value alone: element-wise ops, and softmax/logSoftmax, whose
 * outputs are each a few correctly rounded operations on (x − max) whatever the inputs' size.
 * - a sum of k terms: its rounding grows like √k·max|x|, and the result may cancel to ~0;
 * - a mean divides that by k; a running sum is a sum per prefix;
 * - logsumexp adds the max back to log Σ (a sum of terms in (0, 1]): error ~ log k + 1, absolute;
 * - products, norms and variances combine terms of one sign: relative to the result itself;
 * - a dot product of length k: √k·max|a|·max|b|;
 * - linspace/arange: start + i·step, relative to the larger endpoint.
 */
// Without args the reduced dims are unknown: each rule then takes the count that widens it most.
const SCALE: Record<string, (c: FixtureCase) => number> = {
  sum: (c) => Math.sqrt(termsPerOutput(c) ?? allTerms(c)) * magnitude(c),
  cumsum: (c) =>
    Math.sqrt(c.args ? (c.inputs[0]?.shape[dimOf(c)] ?? 1) : allTerms(c)) * magnitude(c),
  mean: (c) => magnitude(c) / Math.sqrt(termsPerOutput(c) ?? 1),
  logsumexp: (c) => Math.log(termsPerOutput(c) ?? allTerms(c)) + 1,
  matmul: (c) => dotScale(c),
  bmm: (c) => dotScale(c),
  dot: (c) => dotScale(c),
  scatterAdd: (c) =>
    Math.sqrt((c.args ? (c.inputs[1]?.shape[dimOf(c)] ?? 0) : allTerms(c)) + 1) *
    Math.max(maxOf(c.inputs[0]), maxOf(c.inputs[2]), 1),
  linspace: (c) =>
    Math.max(Math.abs(Number(c.args?.start ?? 0)), Math.abs(Number(c.args?.end ?? 0))),
  arange: (c) => Math.max(Math.abs(Number(c.args?.start ?? 0)), Math.abs(Number(c.args?.end ?? 0))),
};

/** args.dim as a non-negative axis of the first input (0 when absent). */
function dimOf(c: FixtureCase): number {
  const rank = c.inputs[0]?.shape.length ?? 1;
  const d = Number(c.args?.dim ?? 0);
  return rank === 0 ? 0 : ((d % rank) + rank) % rank;
}

/** The inner dimension of a (batched) matrix or vector product, times both operands' magnitudes. */
function dotScale(c: FixtureCase): number {
  const [a, b] = c.inputs;
  if (!a || !b) return 0;
  const k = a.shape[a.shape.length - 1] ?? 1;
  return Math.sqrt(k) * Math.max(1, maxOf(a)) * Math.max(1, maxOf(b));
}

export interface CheckOptions {
  signedZero?: boolean;
  /** Magnitude relative tolerance applies to (see CloseOptions.scale). */
  scale?: number;
  /** Tolerance override for float results (e.g. float32 run of a float64 fixture). */
  tol?: (dtype: DType) => Tolerance;
}

/** The tolerance scale of a case's results: see SCALE (0, each value alone, for other ops). */
export function inputScale(c: FixtureCase): number {
  const rule = SCALE[c.op];
  return rule ? rule(c) : 0;
}

export async function checkTensor(
  ctx: CaseContext,
  t: fl.Tensor,
  e: TensorSpec,
  what: string,
  o: CheckOptions = {},
): Promise<void> {
  check(t instanceof fl.Tensor, `${what}: expected a Tensor, got ${typeof t}`);
  assertShape([...t.shape], e.shape, `${what} shape`);
  assertDType(t.dtype, e.dtype, `${what} dtype`);
  const isFloat = e.dtype === 'float32' || e.dtype === 'float64';
  const tol = isFloat ? (o.tol ?? ((d: DType) => ctx.tol(d)))(e.dtype) : EXACT;
  assertClose(await read(t), values(e), { tol, signedZero: o.signedZero, scale: o.scale, what });
}

export async function checkResult(
  ctx: CaseContext,
  r: OpResult,
  e: Expected,
  o: CheckOptions = {},
): Promise<void> {
  if ('error' in e) throw new CheckError(`expected ${e.error}, but the call returned`);
  if ('list' in e) {
    check(Array.isArray(r), 'expected a list of tensors');
    const list = r as fl.Tensor[];
    check(list.length === e.list.length, `got ${list.length} tensors, expected ${e.list.length}`);
    for (const [i, s] of e.list.entries()) await checkTensor(ctx, list[i]!, s, `result[${i}]`, o);
    return;
  }
  if ('values' in e) {
    check(!(r instanceof fl.Tensor) && !Array.isArray(r), 'expected { values, indices }');
    const vi = r as { values: fl.Tensor; indices: fl.Tensor };
    await checkTensor(ctx, vi.values, e.values, 'values', o);
    await checkTensor(ctx, vi.indices, e.indices, 'indices', o);
    return;
  }
  await checkTensor(ctx, r as fl.Tensor, e, 'result', o);
}

const squash = (s: string): string => s.replace(/\s+/g, '');

/**
 * Run `fn`, require it to throw `errorName`, with a message naming `op` and each of `mentions`.
 * On a device without synchronous read-back a data-dependent error may instead reject the next
 * read of the result (harness/expect.ts): then this returns a promise, which the case awaits.
 */
export function expectError(
  fn: () => unknown,
  errorName: string,
  op: string,
  mentions: readonly string[] = [],
): void | Promise<void> {
  const cls = (fl as unknown as Record<string, unknown>)[errorName] as
    (new (...a: unknown[]) => Error) | undefined;
  check(typeof cls === 'function', `@flint/core exports no error class ${errorName}`);
  const judge = (thrown: unknown): void => {
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
      check(
        msg.includes(squash(m)),
        `${errorName} message does not mention ${m}: "${err.message}"`,
      );
  };
  return thrownOrAtRead(fn, judge, () => {
    throw new CheckError(`expected ${errorName} from ${op}, but it returned`);
  });
}
