/**
 * Corpus cases `diff/<index>/<op>.<op>…`: each program runs without autograd (where fused
 * overrides apply), then, when torch's gradients are recorded, again with gradient leaves, its
 * result and gradients (and Hessian–vector product) compared with PyTorch's. A program torch
 * rejects must throw the mapped Flint error at the same step.
 */
import * as fl from '@flint/core';
import type { Case, CaseContext } from '../types.js';
import { isError, loadCorpus, programDTypes, programRank, type DiffProgram } from './corpus.js';
import { checkError, checkGrads, checkRun, explain } from './check.js';
import { gradients, runProgram } from './program.js';
import { subnormalNeeds } from '../harness/subnormal.js';

async function runCorpusProgram(ctx: CaseContext, p: DiffProgram): Promise<void> {
  const e = p.expected;
  if (isError(e)) {
    await explain(p, 'error', () => checkError(p, e, () => runProgram(p)));
    return;
  }
  await explain(p, 'forward (no autograd)', () =>
    checkRun(
      ctx,
      p,
      fl.noGrad(() => runProgram(p)),
      e,
    ),
  );
  if (!p.grads || !p.gradOutputs) return;
  await explain(p, 'forward and gradients', async () => {
    const run = runProgram(p, { grad: true });
    await checkRun(ctx, p, run, e);
    const grads = await gradients(run, p.gradOutputs!, p.hvp?.dirs);
    checkGrads(ctx, run, grads, p.grads!, p.hvp?.grads);
  });
}

export function corpusCases(): Case[] {
  return loadCorpus().map((p) => ({
    id: p.id,
    layer: 'diff' as const,
    op: p.steps[p.steps.length - 1]!.op,
    dtype: p.inputs[0]!.dtype,
    needs: {
      dtypes: programDTypes(p),
      rank: programRank(p),
      syncRead: infersShape(p),
      ...subnormalNeeds(p.inputs),
    },
    run: (ctx: CaseContext) => runCorpusProgram(ctx, p),
  }));
}

/**
 * Whether a step's result shape depends on a value (oneHot inferring numClasses): core refuses
 * that on devices without synchronous read-back, so the program needs one.
 */
function infersShape(p: DiffProgram): boolean {
  return p.steps.some((s) => s.op === 'oneHot' && (s.args.numClasses ?? -1) === -1);
}
