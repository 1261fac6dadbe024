/**
 * Recurrent layers and cells (fixtures/nn/nn-rnn.json) and attention (nn-attention.json) vs
 * PyTorch: forward outputs, then the gradients of Σ out_i · R_i with respect to the inputs and
 * every parameter.
 */
import * as fl from '@flint/core';
import type { Case, CaseContext } from '../types.js';
import {
  type Enc,
  checkKeys,
  disposeModule,
  dtypesOf,
  expectEnc,
  loadNnFixture,
  loadState,
  tensorsOf,
  weightedSum,
  nnFloatDType,
} from './common.js';

interface Base {
  id: string;
  options: Record<string, unknown>;
  inputs: Record<string, Enc>;
  outputs: Record<string, Enc>;
  weights: Enc[];
  grads: { inputs: Record<string, Enc>; params?: Record<string, Enc> };
}
interface ModuleCase extends Base {
  stateDict: Record<string, Enc>;
  keys: string[];
}
interface RnnCase extends ModuleCase {
  module: 'RNN' | 'LSTM' | 'GRU' | 'RNNCell' | 'LSTMCell' | 'GRUCell';
  inputSize: number;
  hiddenSize: number;
}
interface MhaCase extends ModuleCase {
  embedDim: number;
  numHeads: number;
  selfAttention: boolean;
  needWeights: boolean;
}
interface EncoderCase extends ModuleCase {
  dModel: number;
  nhead: number;
}

type AnyRecurrent = fl.nn.Module & { forward(input: fl.Tensor, hx?: unknown): unknown };

/** Compare outputs, backprop Σ out_i · R_i, compare input and parameter gradients. */
async function checkAll(
  ctx: CaseContext,
  c: Base,
  outs: fl.Tensor[],
  inputs: Record<string, fl.Tensor>,
  m?: fl.nn.Module,
): Promise<void> {
  for (const [i, [k, e]] of Object.entries(c.outputs).entries())
    await expectEnc(ctx, outs[i], e, k);
  weightedSum(outs, c.weights).backward();
  for (const [k, e] of Object.entries(c.grads.inputs))
    await expectEnc(ctx, inputs[k]!.grad, e, `d/d${k}`);
  if (m)
    for (const [k, p] of m.namedParameters()) {
      const want = c.grads.params?.[k];
      if (!want) throw new Error(`fixture has no gradient for parameter ${k}`);
      await expectEnc(ctx, p.grad, want, `d/d${k}`);
    }
}

async function withModule<M extends fl.nn.Module>(
  m: M,
  c: ModuleCase,
  fn: (m: M) => Promise<void>,
): Promise<void> {
  try {
    checkKeys(m, c.keys);
    loadState(m, c.stateDict);
    await fn(m);
  } finally {
    disposeModule(m);
  }
}

function disposeAll(ts: Record<string, fl.Tensor>): void {
  for (const t of Object.values(ts)) t.dispose();
}

async function runRnn(ctx: CaseContext, c: RnnCase): Promise<void> {
  const Cls = fl.nn[c.module] as unknown as new (i: number, h: number, o: object) => AnyRecurrent;
  const m0 = new Cls(c.inputSize, c.hiddenSize, { ...c.options, dtype: nnFloatDType() });
  await withModule(m0, c, async (m) => {
    const inputs = tensorsOf(c.inputs, true);
    const { input, h0, c0 } = inputs;
    const hx = c.module.startsWith('LSTM') ? (h0 ? [h0, c0] : undefined) : h0;
    const out = m.forward(input!, hx) as
      fl.Tensor | [fl.Tensor, fl.Tensor | [fl.Tensor, fl.Tensor]];
    const outs = out instanceof fl.Tensor ? [out] : (out.flat() as fl.Tensor[]);
    await checkAll(ctx, c, outs, inputs, m);
    disposeAll(inputs);
  });
}

const GRAD_INPUTS = new Set(['query', 'key', 'value', 'src']);
function attentionInputs(c: Base): Record<string, fl.Tensor> {
  const ts = tensorsOf(c.inputs);
  for (const [k, t] of Object.entries(ts)) if (GRAD_INPUTS.has(k)) t.requiresGrad_();
  return ts;
}

async function runSdpa(ctx: CaseContext, c: Base): Promise<void> {
  const ts = attentionInputs(c);
  const out = fl.nn.F.scaledDotProductAttention(ts.query!, ts.key!, ts.value!, {
    ...c.options,
    attnMask: ts.attnMask,
  });
  await checkAll(ctx, c, [out], ts);
  disposeAll(ts);
}

async function runMha(ctx: CaseContext, c: MhaCase): Promise<void> {
  const m = new fl.nn.MultiheadAttention(c.embedDim, c.numHeads, {
    ...c.options,
    dtype: nnFloatDType(),
  });
  await withModule(m, c, async () => {
    m.eval();
    const ts = attentionInputs(c);
    const q = ts.query!;
    const [k, v] = c.selfAttention ? [q, q] : [ts.key!, ts.value!];
    const [out, w] = m.forward(q, k, v, {
      keyPaddingMask: ts.keyPaddingMask,
      attnMask: ts.attnMask,
      needWeights: c.needWeights,
    });
    if ((w === null) !== !c.needWeights)
      throw new Error(
        `needWeights ${c.needWeights} but weights ${w === null ? 'absent' : 'given'}`,
      );
    await checkAll(ctx, c, w ? [out, w] : [out], ts, m);
    disposeAll(ts);
  });
}

async function runEncoder(ctx: CaseContext, c: EncoderCase): Promise<void> {
  const m = new fl.nn.TransformerEncoderLayer(c.dModel, c.nhead, {
    ...c.options,
    dtype: nnFloatDType(),
  });
  await withModule(m, c, async () => {
    m.eval();
    const ts = attentionInputs(c);
    const out = m.forward(ts.src!, {
      srcMask: ts.srcMask,
      srcKeyPaddingMask: ts.srcKeyPaddingMask,
    });
    await checkAll(ctx, c, [out], ts, m);
    disposeAll(ts);
  });
}

function nnCase(
  c: Base,
  op: string,
  run: (ctx: CaseContext) => Promise<void>,
  state?: object,
): Case {
  return {
    id: `nn/${c.id}`,
    layer: 'nn',
    op,
    dtype: 'float64',
    needs: { dtypes: dtypesOf(c.inputs, c.outputs, state as Record<string, Enc> | undefined) },
    run,
  };
}

export function recurrentCases(): Case[] {
  const fx = loadNnFixture<{ layers: RnnCase[]; cells: RnnCase[] }>('nn-rnn.json');
  return [...fx.layers, ...fx.cells].map((c) =>
    nnCase(c, c.module, (ctx) => runRnn(ctx, c), c.stateDict),
  );
}

export function attentionCases(): Case[] {
  const fx = loadNnFixture<{ sdpa: Base[]; mha: MhaCase[]; encoder: EncoderCase[] }>(
    'nn-attention.json',
  );
  return [
    ...fx.sdpa.map((c) => nnCase(c, 'scaledDotProductAttention', (ctx) => runSdpa(ctx, c))),
    ...fx.mha.map((c) => nnCase(c, 'MultiheadAttention', (ctx) => runMha(ctx, c), c.stateDict)),
    ...fx.encoder.map((c) =>
      nnCase(c, 'TransformerEncoderLayer', (ctx) => runEncoder(ctx, c), c.stateDict),
    ),
  ];
}
