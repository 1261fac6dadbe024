/**
 * L2 second derivatives (createGraph) for smooth ops: the Hessian–vector product
 * ∇_x ⟨∇_x L, w⟩ from a double backward, against central differences of the first-order
 * gradient along w: (∇L(x + εw) − ∇L(x − εw)) / 2ε.
 */
import * as fl from '@flint/core';
import { assertClose, maxAbs } from '../harness/compare.js';
import { Rng } from '../harness/rng.js';
import type { Case, CaseContext } from '../types.js';
import { values, type FixtureCase } from '../l1/fixtures.js';
import { analyticGrads, gradInputs, gradOutputs, leaves, readGrads, runOp } from './fd.js';
import { gradFixtures, gradId } from './grad.js';

/** Ops with a non-trivial, smooth second derivative at the fixture points. */
export const SMOOTH = new Set([
  'exp',
  'expm1',
  'log',
  'log1p',
  'log2',
  'sqrt',
  'rsqrt',
  'square',
  'reciprocal',
  'sin',
  'cos',
  'tanh',
  'sigmoid',
  'silu',
  'erf',
  'gelu',
  'softplus',
  'elu',
  'mul',
  'div',
  'pow',
  'softmax',
  'logSoftmax',
  'logsumexp',
  'matmul',
  'bmm',
  'dot',
  'outer',
  'var',
  'std',
  'norm',
  'prod',
  // random-math family (issue 13): closed-form trig gradients, and cumprod's product scan
  'tan',
  'atan',
  'asin',
  'acos',
  'atan2',
  'cumprod',
]);

function directions(c: FixtureCase): Map<number, number[]> {
  const rng = new Rng(`hvp/${c.id}`);
  return new Map(gradInputs(c).map((i) => [i, values(c.inputs[i]!).map(() => rng.uniform(-1, 1))]));
}

/** ∇⟨∇L, w⟩ through fl.grad(…, { createGraph: true }). */
function hvp(c: FixtureCase, w: Map<number, number[]>): Promise<Float64Array[]> {
  const { g2, sizes } = fl.tidy(() => {
    const ins = leaves(c, 'float64');
    const idx = gradInputs(c);
    const req = idx.map((i) => ins[i]!);
    const g1 = fl.grad(runOp(c, ins), req, {
      gradOutputs: gradOutputs(c, 'float64'),
      createGraph: true,
      allowUnused: true,
    });
    const dots = g1.map((g, k) =>
      g
        .mul(
          fl.tensor(Float64Array.from(w.get(idx[k]!)!), { shape: [...g.shape], dtype: 'float64' }),
        )
        .sum(),
    );
    const s = dots.reduce((a, b) => a.add(b));
    const g2 = fl.grad([s], req, { allowUnused: true });
    return { g2, sizes: req.map((r) => r.numel()) };
  });
  return readGrads(g2, sizes);
}

async function numericHvp(
  c: FixtureCase,
  w: Map<number, number[]>,
  eps = 1e-5,
): Promise<Float64Array[]> {
  const shifted = (sign: number) =>
    new Map(
      gradInputs(c).map(
        (i) => [i, values(c.inputs[i]!).map((x, j) => x + sign * eps * w.get(i)![j]!)] as const,
      ),
    );
  const plus = await analyticGrads(c, 'float64', shifted(1));
  const minus = await analyticGrads(c, 'float64', shifted(-1));
  return plus.map((p, k) => p.map((v, j) => (v - minus[k]![j]!) / (2 * eps)));
}

function secondCase(c: FixtureCase): Case {
  return {
    id: gradId(c, 'grad2'),
    layer: 'L2',
    op: c.op,
    dtype: 'float64',
    needs: { dtypes: ['float64'] },
    run: async (ctx: CaseContext) => {
      const w = directions(c);
      const got = await hvp(c, w);
      const num = await numericHvp(c, w);
      const tol = {
        rtol: Math.max(ctx.tol('float64').rtol, 1e-5),
        atol: Math.max(ctx.tol('float64').atol, 1e-6),
      };
      num.forEach((n, k) =>
        assertClose(got[k]!, n, {
          tol,
          scale: maxAbs(n),
          what: `Hessian-vector product, input ${gradInputs(c)[k]}`,
        }),
      );
    },
  };
}

/** The Hessian-vector product vs PyTorch's, along the fixture's own directions. */
function torchSecondCase(c: FixtureCase): Case {
  return {
    id: `${gradId(c, 'grad2')}/torch`,
    layer: 'L2',
    op: c.op,
    dtype: 'float64',
    needs: { dtypes: ['float64'] },
    run: async (ctx: CaseContext) => {
      const { directions, expected } = c.hvp!;
      const w = new Map(gradInputs(c).map((i) => [i, values(directions[i]!)] as const));
      const got = await hvp(c, w);
      gradInputs(c).forEach((i, k) =>
        assertClose(got[k]!, values(expected[i]!), {
          tol: ctx.tol('float64', c.tol),
          what: `Hessian-vector product, input ${i}, vs PyTorch`,
        }),
      );
    },
  };
}

export function secondOrderCases(): Case[] {
  // x·k and x/k by a JS number are linear: their Hessian is zero and ⟨∇L, w⟩ has no graph
  const linear = (c: FixtureCase) => (c.op === 'mul' || c.op === 'div') && c.inputs.length === 1;
  const fixtures = gradFixtures();
  return [
    ...fixtures.filter((c) => SMOOTH.has(c.op) && !linear(c) && c.fd !== false).map(secondCase),
    ...fixtures.filter((c) => c.hvp).map(torchSecondCase),
  ];
}
