/**
 * Checking a Flint run of a differential program against a reference: results through l1's
 * checkResult with l1's per-op tolerance scale (inputScale of the last step, on the values it
 * received), gradients and second derivatives at the leaf's dtype tolerance relative to the
 * reference's magnitude (as L2 does), and errors by class and step.
 */
import * as fl from '@flint/core';
import type { DType, Tolerance } from '@flint/core/backend';
import { assertClose, check, CheckError, maxAbs } from '../harness/compare.js';
import { readNumbers } from '../harness/read.js';
import { thrownOrAtRead } from '../harness/expect.js';
import type { CaseContext } from '../types.js';
import { checkResult, inputScale } from '../l1/check.js';
import { values, type Expected, type FixtureCase, type TensorSpec } from '../l1/fixtures.js';
import type { DiffError } from './corpus.js';
import { describeProgram, isFloat, StepError, type Grads, type Run } from './program.js';
import type { DiffInput, DiffStep } from './corpus.js';

type Program = { inputs: DiffInput[]; steps: DiffStep[] };
type Tensor = fl.Tensor;

/** l1's tolerance scale for one step (0 unless it accumulates), from the tensors it received. */
export async function stepScale(step: DiffStep, ins: Tensor[]): Promise<number> {
  const inputs: { shape: number[]; dtype: DType; data: number[] }[] = [];
  for (const t of ins)
    inputs.push({ shape: [...t.shape], dtype: t.dtype, data: await readNumbers(t) });
  return inputScale({ op: step.op, args: step.args, inputs } as unknown as FixtureCase);
}

/** l1's tolerance scale for the last step, from the tensors it actually received. */
export function lastStepScale(p: Program, last: Tensor[]): Promise<number> {
  return stepScale(p.steps[p.steps.length - 1]!, last);
}

const MAX_FINITE: Record<string, number> = {
  float32: 3.4028234663852886e38,
  float64: Number.MAX_VALUE,
};

/**
 * Could a partial sum of this accumulating op overflow while its result does not? Then whether
 * it does depends on the summation order, which no two implementations share (the corpus
 * generator drops such programs; the cross-backend cases skip them).
 */
export async function overflowProne(step: DiffStep, ins: Tensor[]): Promise<boolean> {
  const floats = ins.filter((t) => isFloat(t.dtype));
  if (!floats.length) return false;
  const n = Math.max(1, ...floats.map((t) => t.numel()));
  const max = Math.min(...floats.map((t) => MAX_FINITE[t.dtype]!));
  if (SQUARING.has(step.op) && floats.some((t) => t.dtype === 'float64')) {
    let big = 0;
    for (const t of floats) big = Math.max(big, maxAbs(await readNumbers(t)));
    if (big > 0 && 2 * Math.log(big) + Math.log(n) >= Math.log(max)) return true;
  }
  return (await stepScale(step, ins)) * Math.sqrt(n) >= max;
}

/** Ops that sum squares: at float64 whether they overflow depends on the formula (as the corpus). */
const SQUARING = new Set(['var', 'std', 'norm', 'layerNorm', 'mseLoss']);

/** Prefix a failure with what was being checked and the program, keeping CheckError's type. */
export async function explain(
  p: Program,
  what: string,
  fn: () => void | Promise<void>,
): Promise<void> {
  try {
    await fn();
  } catch (e) {
    const msg =
      e instanceof Error
        ? `${e.name === 'CheckError' ? '' : `${e.name}: `}${e.message}`
        : String(e);
    const step = e instanceof StepError ? describeStepError(e) : msg;
    throw new CheckError(`${what}: ${step}\n${describeProgram(p)}`);
  }
}

export function describeStepError(e: StepError): string {
  const inner = e.error instanceof Error ? `${e.error.name}: ${e.error.message}` : String(e.error);
  return `step ${e.step} (${e.op}) threw ${inner.length > 300 ? `${inner.slice(0, 299)}…` : inner}`;
}

/**
 * The tolerance for a float result: its dtype's, except that a program which computed anything
 * in float32 is only float32-accurate, even where a float64 operand promoted the result.
 */
export function tolFor(ctx: CaseContext, run: Run): (d: DType) => Tolerance {
  return (d) => ctx.tol(run.floats.has('float32') && isFloat(d) ? 'float32' : d);
}

export async function checkRun(
  ctx: CaseContext,
  p: Program,
  run: Run,
  expected: Exclude<Expected, { error: string }>,
): Promise<void> {
  // The sign of a zero result is not compared: sums start from +0 or −0 by convention, and
  // composites differ in where a −0 survives; L1 fixtures pin the ops where the sign is defined.
  await checkResult(ctx, run.result, expected, {
    scale: await lastStepScale(p, run.last),
    tol: tolFor(ctx, run),
  });
}

/** First (and, when given, second) derivatives per input against the reference's. */
export function checkGrads(
  ctx: CaseContext,
  run: Run,
  got: Grads,
  want: (TensorSpec | null)[],
  wantSecond?: (TensorSpec | null)[],
): void {
  const tol = tolFor(ctx, run);
  const cmp = (g: (Float64Array | null)[], w: (TensorSpec | null)[], what: string) =>
    w.forEach((spec, i) => {
      if (!spec) return;
      check(g[i], `${what} of input ${i}: Flint made no gradient leaf`);
      const ref = values(spec);
      assertClose(g[i]!, ref, {
        tol: tol(spec.dtype),
        scale: maxAbs(ref),
        what: `${what} of input ${i}`,
      });
    });
  cmp(got.first, want, '∂L/∂input');
  if (wantSecond) {
    check(got.second, 'no second derivative computed');
    cmp(got.second!, wantSecond, 'Hessian-vector product');
  }
}

/**
 * The program must throw `e.error` (any Flint error for FlintError) at step `e.step`. On a device
 * without synchronous read-back a data-dependent error instead rejects the read of the result
 * (harness/expect.ts); then its message must name the step's op.
 */
export function checkError(p: Program, e: DiffError, run: () => Run): void | Promise<void> {
  const op = p.steps[e.step]?.op ?? '?';
  const cls = (fl as unknown as Record<string, unknown>)[e.error] as
    (new (...a: unknown[]) => Error) | undefined;
  check(typeof cls === 'function', `@flint/core exports no error class ${e.error}`);
  const torch = `torch: "${e.torch}"`;
  const judge = (thrown: unknown): void => {
    if (!(thrown instanceof StepError)) {
      // deferred: rejected by the read, not thrown by a step
      if (!(thrown instanceof cls!) || !(thrown as Error).message.startsWith(`${op}:`))
        throw thrown;
      return;
    }
    check(
      thrown.step === e.step,
      () =>
        `expected ${e.error} at step ${e.step} (${op}), but ${describeStepError(thrown)} (${torch})`,
    );
    check(
      thrown.error instanceof cls!,
      () => `expected ${e.error} at step ${e.step}, but ${describeStepError(thrown)} (${torch})`,
    );
  };
  return thrownOrAtRead(
    () => run().result,
    judge,
    () => {
      throw new CheckError(`expected ${e.error} at step ${e.step} (${op}), but it ran (${torch})`);
    },
  );
}
