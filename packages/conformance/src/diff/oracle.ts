/**
 * Cross-backend property cases `diff/oracle/<family>`: fast-check draws random programs of the
 * corpus's shape (first op from the family, then any ops), runs them on the oracle device
 * (RunOptions.oracle, the CPU backend) and on the backend under test, and compares results,
 * gradients and Hessian–vector products at the backend's tolerance with l1's per-op scaling.
 * Programs the oracle cannot answer stably — its float32 result disagrees with its own float64
 * twin beyond a quarter of the tolerance, or a sum could overflow part-way — are discarded, as
 * the corpus generator discards them; a failure is shrunk towards fewer steps and lower ranks.
 * Seeded; FLINT_FUZZ_RUNS (programs per family) and FLINT_FUZZ_SEED vary the run.
 */
import * as fl from '@flint/core';
import type { DType, Tolerance } from '@flint/core/backend';
import fc from 'fast-check';
import { CheckError, maxAbs } from '../harness/compare.js';
import { readNumbers } from '../harness/read.js';
import type { Expected, TensorSpec } from '../l1/fixtures.js';
import type { OpResult } from '../l1/invoke.js';
import type { Case, CaseContext } from '../types.js';
import {
  checkError,
  checkGrads,
  checkRun,
  explain,
  lastStepScale,
  overflowProne,
} from './check.js';
import type { DiffError } from './corpus.js';
import {
  floatOutputs,
  gradients,
  isFloat,
  runProgram,
  StepError,
  type Grads,
  type Run,
} from './program.js';
import { Builder, catalog, type Built } from './gen/build.js';
import type { Family } from './gen/ops.js';
import { Rand } from './gen/rand.js';
import { holdsSubnormal } from '../harness/subnormal.js';

type Tensor = fl.Tensor;
const env = typeof process !== 'undefined' ? process.env : {};
const RUNS = Number(env.FLINT_FUZZ_RUNS ?? 60);
const SEED = Number(env.FLINT_FUZZ_SEED ?? 15);
const FAMILIES: Family[] = ['elementwise', 'reduce', 'views', 'shape', 'linalg', 'losses', 'nn'];
const MARGIN = 0.25;

const draws = fc.record({
  seed: fc.integer(),
  steps: fc.integer({ min: 1, max: 3 }),
  maxRank: fc.integer({ min: 0, max: 4 }),
  special: fc.boolean(),
  second: fc.boolean(),
});
type Draw = typeof draws extends fc.Arbitrary<infer T> ? T : never;

const specOf = async (t: Tensor): Promise<TensorSpec> => ({
  shape: [...t.shape],
  dtype: t.dtype,
  data: await readNumbers(t),
});

async function expectedOf(r: OpResult): Promise<Exclude<Expected, { error: string }>> {
  if (r instanceof fl.Tensor) return specOf(r);
  if (Array.isArray(r)) {
    const list: TensorSpec[] = [];
    for (const t of r) list.push(await specOf(t));
    return { list };
  }
  return { values: await specOf(r.values), indices: await specOf(r.indices) };
}

const resultTensors = (r: OpResult): Tensor[] =>
  r instanceof fl.Tensor ? [r] : Array.isArray(r) ? r : [r.values, r.indices];

const F32_MAX = 3.4028234663852886e38;

/**
 * Where an infinity or NaN on one side only also disagrees: 'all' (gradients: an overflow inside
 * a backward formula), 'range' (a float64 program with special values, which overflow its float32
 * twin: only where the value is finite and within float32's range — there it is rounding).
 */
type Finiteness = 'all' | 'range' | null;

/** Does a result agree with its precision twin (module doc)? Discrete results must be equal. */
function agrees(
  tol: Tolerance,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  scale: number,
  float: boolean,
  finiteness: Finiteness = null,
) {
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i]!, b[i]!];
    const [fx, fy] = [Number.isFinite(x), Number.isFinite(Math.fround(y))];
    if (finiteness === 'all' && fx !== fy) return false;
    if (finiteness === 'range' && fx && Math.abs(x) <= F32_MAX && !fy) return false;
    if (!float) {
      if (x !== y && !(Number.isNaN(x) && Number.isNaN(y))) return false;
    } else if (Number.isFinite(x) && Number.isFinite(y)) {
      if (Math.abs(x - y) > MARGIN * (tol.atol + tol.rtol * Math.max(Math.abs(y), scale)))
        return false;
    }
  }
  return a.length === b.length;
}

interface Reference {
  expected: Exclude<Expected, { error: string }>;
  gradOutputs: TensorSpec[];
  dirs?: (TensorSpec | null)[];
  grads?: (TensorSpec | null)[];
  second?: (TensorSpec | null)[];
}

function shortSpec(
  r: Rand,
  t: { shape: readonly number[]; dtype: DType; numel(): number },
): TensorSpec {
  return {
    shape: [...t.shape],
    dtype: t.dtype,
    data: Array.from({ length: t.numel() }, () => r.short(-2, 2)),
  };
}

const asSpecs = (run: Run, gs: (Float64Array | null)[] | null) =>
  gs?.map((g, i) => {
    const l = run.leaves[i]!;
    return g ? { shape: [...l.shape], dtype: l.dtype, data: Array.from(g) } : null;
  });

/** Largest |value| (∞ for NaN): second derivatives are only compared where everything is moderate. */
const magnitude = (arrays: ArrayLike<number>[]): number =>
  Math.max(
    0,
    ...arrays.flatMap((a) => Array.from(a, (v) => (Number.isNaN(v) ? Infinity : Math.abs(v)))),
  );

/**
 * Second derivatives are compared only where every value and first derivative is at most this:
 * beyond it they are differences of huge terms (a chain through BCE at p = 0 has ∂ ≈ 1e12), and
 * any two correct implementations differ by their rounding. The corpus generator uses the same.
 */
const SECOND_ORDER_MAX = 1e4;

/** The oracle's answer: results, and gradients (empty when the oracle cannot take them). */
async function oracleRun(p: Built, r: Rand, d: Draw, device: string) {
  const run = runProgram(p, { device, grad: true });
  const gradOutputs = floatOutputs(run.result).map((o) => shortSpec(r, o));
  const vals: number[][] = [];
  for (const v of run.values) vals.push(await readNumbers(v));
  const moderate = magnitude(vals) <= SECOND_ORDER_MAX;
  let dirs =
    d.second && moderate
      ? run.leaves.map((l) => (l.requiresGrad ? shortSpec(r, l) : null))
      : undefined;
  let g: Grads;
  try {
    g = await gradients(run, gradOutputs, dirs);
    if (dirs && magnitude(g.first.filter((x) => x !== null)) > SECOND_ORDER_MAX)
      [g, dirs] = [{ first: g.first, second: null }, undefined];
  } catch {
    // the oracle cannot differentiate it (its own bug, which the corpus reports): values only
    [g, dirs] = [{ first: [], second: null }, undefined];
  }
  for (const t of resultTensors(run.result)) if (isFloat(t.dtype)) run.floats.add(t.dtype);
  return { run, g, gradOutputs, dirs };
}

type OracleRun = Awaited<ReturnType<typeof oracleRun>>;

/**
 * Does the oracle agree with its own precision twin (every float value held at the other
 * precision): [results, gradients]? `special`: a float64 program with special values (module doc).
 */
async function twinAgrees(
  ctx: CaseContext,
  p: Built,
  o: OracleRun,
  twin: DType,
  special: boolean,
): Promise<[boolean, boolean]> {
  const tw = runProgram(p, { device: ctx.oracle!.name, grad: true, floatAs: twin });
  const exact = twin === 'float64';
  const tol = ctx.tol('float32');
  const ranged: Finiteness = !exact && special ? 'range' : null;
  const scale = await lastStepScale(p, exact ? tw.last : o.run.last);
  const [ra, rb] = [resultTensors(o.run.result), resultTensors(tw.result)];
  let values = ra.length === rb.length;
  for (const [i, t] of ra.entries()) {
    if (!values) break;
    const [a, b] = [await readNumbers(t), await readNumbers(rb[i]!)];
    values = agrees(tol, a, b, scale, isFloat(t.dtype) || !exact, ranged);
  }
  if (!values || !o.g.first.length) return [values, true];
  const tg = await gradients(tw, o.gradOutputs, o.dirs);
  const same = (a: (Float64Array | null)[] | null, b: (Float64Array | null)[] | null) =>
    (a ?? []).every((x, i) => !x || agrees(tol, x, b![i]!, maxAbs(x), true, ranged ?? 'all'));
  return [values, same(o.g.first, tg.first) && same(o.g.second, tg.second)];
}

/** The oracle's reference; null when its results are not stable enough to judge another device. */
async function reference(
  ctx: CaseContext,
  p: Built,
  r: Rand,
  d: Draw,
  device: string,
): Promise<Reference | null> {
  const o = await oracleRun(p, r, d, device);
  for (const [k, s] of p.steps.entries())
    if (await overflowProne(s, o.run.stepInputs[k]!)) return null;
  const f = o.run.floats;
  if ([...f].some((dt) => !ctx.backend.caps.dtypes.includes(dt))) return null;
  const twin = f.has('float32') ? 'float64' : f.has('float64') ? 'float32' : null;
  const [values, grads] = twin ? await twinAgrees(ctx, p, o, twin, d.special) : [true, true];
  if (!values) return null;
  const ref: Reference = { expected: await expectedOf(o.run.result), gradOutputs: o.gradOutputs };
  if (!grads) return ref; // keep the values; the oracle's own gradients are not stable here
  ref.dirs = o.dirs;
  ref.grads = asSpecs(o.run, o.g.first);
  ref.second = asSpecs(o.run, o.g.second) ?? undefined;
  return ref;
}

async function compare(ctx: CaseContext, p: Built, ref: Reference): Promise<void> {
  await explain(p, 'forward (no autograd) vs the oracle', () =>
    checkRun(
      ctx,
      p,
      fl.noGrad(() => runProgram(p)),
      ref.expected,
    ),
  );
  await explain(p, 'forward and gradients vs the oracle', async () => {
    const run = runProgram(p, { grad: true });
    await checkRun(ctx, p, run, ref.expected);
    if (ref.grads)
      checkGrads(ctx, run, await gradients(run, ref.gradOutputs, ref.dirs), ref.grads, ref.second);
  });
}

function oracleError(e: StepError): DiffError {
  const name = e.error instanceof fl.FlintError ? e.error.name : 'FlintError';
  return { error: name, step: e.step, torch: `the oracle threw ${name}` };
}

/** The oracle's result has real shapes (an oracle bug can leave NaN sizes: not ours to judge). */
function validShapes(e: Reference['expected']): boolean {
  const specs = 'list' in e ? e.list : 'values' in e ? [e.values, e.indices] : [e];
  return specs.every((s) => s.shape.every((d) => Number.isSafeInteger(d) && d >= 0));
}

/** One random program: draw it on the oracle, then hold the backend under test to its answers. */
function property(ctx: CaseContext, family: Family, d: Draw): Promise<void> {
  return fl.tidyAsync(async () => {
    const oracle = ctx.oracle!.name;
    const r = new Rand(d.seed);
    const b = new Builder(r, catalog(), { device: oracle, family, ...d });
    fc.pre(b.build());
    // a program on a dtype the backend does not store (float64 on gpujs) is a capability gap
    fc.pre(b.inputs.every((i) => ctx.backend.caps.dtypes.includes(i.dtype)));
    // so is one with subnormal inputs on a device that flushes them (needs.subnormals)
    fc.pre(!(ctx.backend.caps.flushesSubnormals && holdsSubnormal(b.inputs)));
    let ref: Reference | null;
    try {
      ref = await reference(ctx, b, r, d, oracle);
    } catch (e) {
      // the oracle failing outside a step is its own bug (the corpus holds cpu to torch): skip
      fc.pre(e instanceof StepError && e.step >= 0);
      const expected = oracleError(e as StepError);
      await explain(b, 'error vs the oracle', () => checkError(b, expected, () => runProgram(b)));
      return;
    }
    fc.pre(ref !== null && validShapes(ref.expected));
    await compare(ctx, b, ref!);
  });
}

function oracleCase(family: Family): Case {
  return {
    id: `diff/oracle/${family}`,
    layer: 'diff',
    op: family,
    needs: { oracle: true },
    run: async (ctx: CaseContext) => {
      const r = await fc.check(
        fc.asyncProperty(draws, (d) => property(ctx, family, d)),
        { seed: SEED + FAMILIES.indexOf(family), numRuns: RUNS },
      );
      if (!r.failed) return;
      const inner =
        r.errorInstance instanceof Error ? r.errorInstance.message : String(r.errorInstance);
      throw new CheckError(
        `program ${JSON.stringify(r.counterexample)} (fast-check seed ${r.seed}, path "${r.counterexamplePath}", ` +
          `after ${r.numRuns} runs, shrunk ${r.numShrinks}×):\n${inner}`,
      );
    },
  };
}

export function oracleCases(): Case[] {
  return FAMILIES.map(oracleCase);
}
