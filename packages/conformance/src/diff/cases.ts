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

function runCorpusProgram(ctx: CaseContext, p: DiffProgram): void {
  const e = p.expected;
  if (isError(e)) {
    explain(p, 'error', () => checkError(p, e, () => runProgram(p)));
    return;
  }
  explain(p, 'forward (no autograd)', () => {
    fl.noGrad(() => checkRun(ctx, p, runProgram(p), e));
  });
  if (!p.grads || !p.gradOutputs) return;
  explain(p, 'forward and gradients', () => {
    const run = runProgram(p, { grad: true });
    checkRun(ctx, p, run, e);
    checkGrads(ctx, run, gradients(run, p.gradOutputs!, p.hvp?.dirs), p.grads!, p.hvp?.grads);
  });
}

export function corpusCases(): Case[] {
  return loadCorpus().map((p) => ({
    id: p.id,
    layer: 'diff' as const,
    op: p.steps[p.steps.length - 1]!.op,
    dtype: p.inputs[0]!.dtype,
    needs: { dtypes: programDTypes(p), rank: programRank(p) },
    run: (ctx: CaseContext) => runCorpusProgram(ctx, p),
  }));
}
