/**
 * Losses vs PyTorch (fixtures/nn/nn-loss.json): the functional form and the module form, forward
 * and the gradient of the input (and of the target where torch gives one). For reduction 'none'
 * the fixture's scalar is Σ loss · linspace(0.5, 1.5).
 */
import * as fl from '@flint/core';
import type { Case, CaseContext } from '../types.js';
import {
  type Enc,
  disposeModule,
  dtypesOf,
  expectEnc,
  loadNnFixture,
  tensorsOf,
  nnFloatDType,
} from './common.js';

interface LossCase {
  id: string;
  inputs: Record<string, Enc>;
  options: Record<string, unknown>;
  output: Enc;
  grads: { input: Enc; target?: Enc };
}

type LossFn = (input: fl.Tensor, target: fl.Tensor, opts: object) => fl.Tensor;
type LossModule = fl.nn.Module & { forward(i: fl.Tensor, t: fl.Tensor): fl.Tensor };
const F = fl.nn.F;
const FORMS: Record<string, [LossFn, new (opts: object) => LossModule]> = {
  mseLoss: [F.mseLoss, fl.nn.MSELoss],
  l1Loss: [F.l1Loss, fl.nn.L1Loss],
  smoothL1Loss: [F.smoothL1Loss, fl.nn.SmoothL1Loss],
  huberLoss: [F.huberLoss, fl.nn.HuberLoss],
  crossEntropy: [F.crossEntropy as LossFn, fl.nn.CrossEntropyLoss],
  nllLoss: [F.nllLoss as LossFn, fl.nn.NLLLoss],
  binaryCrossEntropy: [F.binaryCrossEntropy as LossFn, fl.nn.BCELoss],
  binaryCrossEntropyWithLogits: [F.binaryCrossEntropyWithLogits as LossFn, fl.nn.BCEWithLogitsLoss],
  klDiv: [F.klDiv as LossFn, fl.nn.KLDivLoss],
};

function total(out: fl.Tensor): fl.Tensor {
  if (out.ndim === 0) return out;
  return out
    .mul(fl.linspace(0.5, 1.5, out.size, { dtype: nnFloatDType() }).reshape(out.shape))
    .sum();
}

async function runForm(
  ctx: CaseContext,
  c: LossCase,
  form: 'functional' | 'module',
): Promise<void> {
  const name = c.id.split('/')[0]!;
  const forms = FORMS[name];
  if (!forms) throw new Error(`no Flint loss for fixture '${name}'`);
  const [fn, Cls] = forms;
  const ts = tensorsOf(c.inputs);
  const { input, target, ...extra } = ts;
  input!.requiresGrad_();
  if (c.grads.target) target!.requiresGrad_();
  const opts = { ...c.options, ...extra };
  const m = form === 'module' ? new Cls(opts) : null;
  try {
    const out = m ? (m.forward(input!, target!) as fl.Tensor) : fn(input!, target!, opts);
    await expectEnc(ctx, out, c.output, `${form} output`);
    total(out).backward();
    await expectEnc(ctx, input!.grad, c.grads.input, `${form} d/dinput`);
    if (c.grads.target) await expectEnc(ctx, target!.grad, c.grads.target, `${form} d/dtarget`);
  } finally {
    if (m) disposeModule(m);
    for (const t of Object.values(ts)) t.dispose();
  }
}

export function lossCases(): Case[] {
  return loadNnFixture<{ cases: LossCase[] }>('nn-loss.json').cases.map((c): Case => ({
    id: `nn/loss/${c.id}`,
    layer: 'nn',
    op: c.id.split('/')[0]!,
    dtype: 'float64',
    needs: { dtypes: dtypesOf(c.inputs, c.output) },
    run: async (ctx) => {
      await runForm(ctx, c, 'functional');
      await runForm(ctx, c, 'module');
    },
  }));
}
