/**
 * Optimizers vs PyTorch (fixtures/nn/optim-optimizers.json): the parameters after each step on
 * the fixture's least-squares problem, in float64, from the start and resumed from torch's
 * state dict after step 3. The `scalar` cases have a 0-d parameter, whose state torch's dict
 * (converted to plain values) holds as bare numbers.
 */
import * as fl from '@flint/core';
import { assertClose } from '../harness/compare.js';
import { readItem, readNumbers } from '../harness/read.js';
import type { Case, CaseContext } from '../types.js';
import { loadNnFixture, nnFloatDType } from './common.js';

type Nested = number | Nested[];
type Name = 'W' | 'b' | 'u';
type Options = Record<string, unknown>;
interface OptimCase {
  id: string;
  optimizer: 'SGD' | 'Adam' | 'AdamW' | 'NAdam' | 'RAdam' | 'RMSprop' | 'Adagrad';
  options: Options;
  /** Steps of this case's trajectory when it differs from the fixture's `steps`. */
  steps?: number;
  groups?: ({ params: Name[] } & Options)[];
  lrChanges?: Record<string, number[]>;
  trajectory: Record<Name, Nested>[];
  afterStep3: { params: Record<Name, Nested>; stateDict: unknown };
}
interface Fixture {
  problem: Record<Name | 'X' | 'Y', Nested>;
  steps: number;
  cases: OptimCase[];
  scalar: { problem: Record<'s' | 'v' | 'X' | 'Y', Nested>; cases: ScalarCase[] };
}
interface ScalarCase {
  id: string;
  optimizer: OptimCase['optimizer'];
  options: Options;
  trajectory: Record<'s' | 'v', Nested>[];
  afterStep3: { params: Record<'s' | 'v', Nested>; stateDict: unknown };
}

const NAMES: Name[] = ['W', 'b', 'u'];
type AnyOptimizer = fl.optim.Optimizer<object, object>;
type Ctor = new (params: fl.optim.Params<Options>, options: Options) => AnyOptimizer;

function flat(x: Nested): number[] {
  return Array.isArray(x) ? x.flatMap(flat) : [x];
}

async function runCase(ctx: CaseContext, F: Fixture, c: OptimCase, resume: boolean): Promise<void> {
  const opts = { dtype: nnFloatDType() } as const;
  const start = resume ? c.afterStep3.params : F.problem;
  const params = Object.fromEntries(
    NAMES.map((n) => [n, fl.keep(fl.tensor(start[n], { ...opts, requiresGrad: true }))]),
  ) as Record<Name, fl.Tensor>;
  const X = fl.tensor(F.problem.X, opts);
  const Y = fl.tensor(F.problem.Y, opts);
  const groups = c.groups?.map((g) => ({ ...g, params: g.params.map((n) => params[n]) }));
  const Cls = fl.optim[c.optimizer] as unknown as Ctor;
  const opt = new Cls(groups ?? NAMES.map((n) => params[n]), c.options);
  try {
    if (resume) opt.loadStateDict(c.afterStep3.stateDict as fl.optim.OptimizerStateDict);
    for (let step = resume ? 4 : 1; step <= (c.steps ?? F.steps); step++) {
      opt.zeroGrad();
      fl.tidy(() => X.matmul(params.W).add(params.b).sub(Y).square().mean().backward());
      opt.step();
      // As the generator does: lr edits take effect from the next step.
      c.lrChanges?.[step]?.forEach((lr, i) => (opt.paramGroups[i]!.lr = lr));
      for (const n of NAMES)
        assertClose(await readNumbers(params[n]), flat(c.trajectory[step - 1]![n]), {
          tol: ctx.tol(nnFloatDType()),
          what: `${n} after step ${step}`,
        });
    }
  } finally {
    opt.dispose();
    for (const t of Object.values(params)) t.dispose();
  }
}

/** pred = s·(X v) with a 0-d `s`: fresh from the start, or resumed from torch's plain-number state. */
async function runScalar(
  ctx: CaseContext,
  F: Fixture,
  c: ScalarCase,
  resume: boolean,
): Promise<void> {
  const P = F.scalar.problem;
  const opts = { dtype: 'float64' } as const;
  const start = resume ? c.afterStep3.params : { s: P.s, v: P.v };
  const s = fl.keep(fl.tensor(start.s, { ...opts, requiresGrad: true }));
  const v = fl.keep(fl.tensor(start.v, { ...opts, requiresGrad: true }));
  const X = fl.tensor(P.X, opts);
  const Y = fl.tensor(P.Y, opts);
  const Cls = fl.optim[c.optimizer] as unknown as Ctor;
  const opt = new Cls([s, v], c.options);
  try {
    if (resume) opt.loadStateDict(c.afterStep3.stateDict as fl.optim.OptimizerStateDict);
    for (let step = resume ? 4 : 1; step <= F.steps; step++) {
      opt.zeroGrad();
      fl.tidy(() => s.mul(X.matmul(v)).sub(Y).square().mean().backward());
      opt.step();
      const want = c.trajectory[step - 1]!;
      const got = [await readItem(s), ...(await readNumbers(v))];
      assertClose(got, [...flat(want.s), ...flat(want.v)], {
        tol: ctx.tol('float64'),
        what: `s, v after step ${step}`,
      });
    }
  } finally {
    opt.dispose();
    for (const t of [s, v, X, Y]) t.dispose();
  }
}

export function optimCases(): Case[] {
  const F = loadNnFixture<Fixture>('optim-optimizers.json');
  const main = F.cases.flatMap((c) =>
    [false, true].map((resume): Case => ({
      id: `optim/${c.id}${resume ? '/resume' : ''}`,
      layer: 'nn',
      op: c.optimizer,
      dtype: 'float64',
      run: (ctx) => runCase(ctx, F, c, resume),
    })),
  );
  const scalar = F.scalar.cases.flatMap((c) =>
    [false, true].map((resume): Case => ({
      id: `optim/scalar/${c.id}${resume ? '/resume' : ''}`,
      layer: 'nn',
      op: c.optimizer,
      dtype: 'float64',
      needs: { dtypes: ['float64'] },
      run: (ctx) => runScalar(ctx, F, c, resume),
    })),
  );
  return [...main, ...scalar];
}
