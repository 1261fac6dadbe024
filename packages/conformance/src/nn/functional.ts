/**
 * Functional forms vs PyTorch (the `functional` sections of fixtures/nn/nn-pool-norm.json and
 * nn-resample.json: the 1-d pools, F.interpolate, the adaptive pools' indices): output, indices and the
 * input gradient of Σ output · gradOutput, in float64.
 */
import * as fl from '@flint/core';
import type { Case, CaseContext } from '../types.js';
import { EXACT, assertClose, check } from '../harness/compare.js';
import { readNumbers } from '../harness/read.js';
import { type Enc, dtypesOf, expectEnc, loadNnFixture, tensorOf } from './common.js';

export interface FunctionalCase {
  id: string;
  fn:
    | 'maxPool1d'
    | 'avgPool1d'
    | 'interpolate'
    | 'adaptiveAvgPool1d'
    | 'adaptiveMaxPool1d'
    | 'adaptiveMaxPool2d';
  args: unknown[];
  options: Record<string, unknown>;
  input: Enc;
  gradOutput: Enc;
  output: Enc;
  indices?: Enc;
  grads: { input: Enc };
}

type Fn = (x: fl.Tensor, ...rest: unknown[]) => fl.Tensor | [fl.Tensor, fl.Tensor];

async function run(ctx: CaseContext, c: FunctionalCase): Promise<void> {
  const fn = (fl.nn.F as unknown as Record<string, Fn>)[c.fn];
  check(typeof fn === 'function', `fl.nn.F.${c.fn} is not a function`);
  const x = tensorOf(c.input, true);
  try {
    // the case's scope frees the intermediates (no fl.tidy: the reads below are awaited)
    // Options only when the case has some: adaptiveAvgPool1d, like torch's, takes none.
    const opts = Object.keys(c.options).length > 0 ? [c.options] : [];
    const out = fn!(x, ...c.args, ...opts);
    const [y, idx] = Array.isArray(out) ? out : [out, null];
    await expectEnc(ctx, y, c.output, 'output');
    if (c.indices) {
      check(idx !== null, 'indices were asked for but not returned');
      check(idx!.dtype === 'int32', () => `indices dtype ${idx!.dtype}, expected int32`);
      assertClose(await readNumbers(idx!), c.indices.data, { tol: EXACT, what: 'indices' });
    }
    y.backward(tensorOf(c.gradOutput));
    await expectEnc(ctx, x.grad, c.grads.input, 'input grad');
  } finally {
    x.dispose();
  }
}

export function functionalCases(): Case[] {
  const files = ['nn-pool-norm.json', 'nn-resample.json'];
  const all = files.flatMap(
    (f) => loadNnFixture<{ functional?: FunctionalCase[] }>(f).functional ?? [],
  );
  return all.map((c): Case => ({
    id: `nn/F/${c.id}`,
    layer: 'nn',
    op: c.fn,
    dtype: 'float64',
    needs: { dtypes: dtypesOf(c.input, c.output) },
    run: (ctx) => run(ctx, c),
  }));
}
