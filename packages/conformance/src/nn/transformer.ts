/**
 * The Transformer stack (fixtures/nn/nn-transformer.json) vs PyTorch 1.13: TransformerDecoderLayer,
 * TransformerEncoder, TransformerDecoder and Transformer built with torch's options, loaded with
 * torch's state dict (so the key names are checked), forward outputs, then the gradients of
 * Σ out · R with respect to the inputs and every parameter.
 */
import * as fl from '@flint/core';
import type { Case, CaseContext } from '../types.js';
import { check } from '../harness/compare.js';
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

interface TransformerCase {
  id: string;
  kind: 'decoderLayer' | 'encoder' | 'decoder' | 'transformer';
  dModel: number;
  nhead: number;
  options: Record<string, unknown>;
  layers: number | null;
  norm: boolean;
  numEncoderLayers: number | null;
  numDecoderLayers: number | null;
  tgtIsCausal: boolean;
  stateDict: Record<string, Enc>;
  keys: string[];
  inputs: Record<string, Enc>;
  generatedMasks: Record<string, number>;
  outputs: { output: Enc };
  weights: Enc[];
  grads: { inputs: Record<string, Enc>; params: Record<string, Enc> };
}

const { nn } = fl;
const SEQUENCES = new Set(['src', 'tgt', 'memory']);

function build(c: TransformerCase): fl.nn.Module {
  const opts = { ...c.options, dropout: 0, dtype: nnFloatDType() };
  const norm = () => (c.norm ? new nn.LayerNorm([c.dModel], { dtype: nnFloatDType() }) : null);
  if (c.kind === 'decoderLayer') return new nn.TransformerDecoderLayer(c.dModel, c.nhead, opts);
  if (c.kind === 'encoder') {
    const layer = new nn.TransformerEncoderLayer(c.dModel, c.nhead, opts);
    const m = new nn.TransformerEncoder(layer, c.layers!, { norm: norm() });
    disposeModule(layer); // the stack holds copies
    return m;
  }
  if (c.kind === 'decoder') {
    const layer = new nn.TransformerDecoderLayer(c.dModel, c.nhead, opts);
    const m = new nn.TransformerDecoder(layer, c.layers!, { norm: norm() });
    disposeModule(layer);
    return m;
  }
  return new nn.Transformer({
    ...opts,
    dModel: c.dModel,
    nhead: c.nhead,
    numEncoderLayers: c.numEncoderLayers!,
    numDecoderLayers: c.numDecoderLayers!,
  });
}

type Masks = Record<string, fl.Tensor | undefined>;

function call(c: TransformerCase, m: fl.nn.Module, t: Masks): fl.Tensor {
  const causal = c.tgtIsCausal ? { tgtIsCausal: true } : {};
  const dec = {
    tgtMask: t.tgtMask,
    memoryMask: t.memoryMask,
    tgtKeyPaddingMask: t.tgtKeyPaddingMask,
    memoryKeyPaddingMask: t.memoryKeyPaddingMask,
  };
  if (m instanceof nn.TransformerDecoderLayer) return m.forward(t.tgt!, t.memory!, dec);
  if (m instanceof nn.TransformerEncoder)
    return m.forward(t.src!, { mask: t.mask, srcKeyPaddingMask: t.srcKeyPaddingMask });
  if (m instanceof nn.TransformerDecoder)
    return m.forward(t.tgt!, t.memory!, { ...dec, ...causal });
  check(m instanceof nn.Transformer, `unknown kind ${c.kind}`);
  return m.forward(t.src!, t.tgt!, {
    ...dec,
    ...causal,
    srcMask: t.srcMask,
    srcKeyPaddingMask: t.srcKeyPaddingMask,
  });
}

async function run(ctx: CaseContext, c: TransformerCase): Promise<void> {
  const m = build(c);
  const ts = tensorsOf(c.inputs);
  try {
    checkKeys(m, c.keys);
    loadState(m, c.stateDict);
    m.eval();
    for (const [k, t] of Object.entries(ts)) if (SEQUENCES.has(k)) t.requiresGrad_();
    for (const [k, n] of Object.entries(c.generatedMasks))
      ts[k] = nn.Transformer.generateSquareSubsequentMask(n, { dtype: nnFloatDType() });
    const out = call(c, m, ts);
    await expectEnc(ctx, out, c.outputs.output, 'output');
    weightedSum([out], c.weights).backward();
    for (const [k, e] of Object.entries(c.grads.inputs))
      await expectEnc(ctx, ts[k]!.grad, e, `d/d${k}`);
    for (const [k, p] of m.namedParameters())
      await expectEnc(ctx, p.grad, c.grads.params[k]!, `d/d${k}`);
  } finally {
    for (const t of Object.values(ts)) t.dispose();
    disposeModule(m);
  }
}

const OP = {
  decoderLayer: 'TransformerDecoderLayer',
  encoder: 'TransformerEncoder',
  decoder: 'TransformerDecoder',
  transformer: 'Transformer',
};

export function transformerCases(): Case[] {
  const fx = loadNnFixture<{ cases: TransformerCase[] }>('nn-transformer.json');
  return fx.cases.map((c) => ({
    id: `nn/transformer/${c.id}`,
    layer: 'nn',
    op: OP[c.kind],
    dtype: 'float64',
    needs: { dtypes: dtypesOf(c.inputs, c.outputs, c.stateDict) },
    run: (ctx: CaseContext) => run(ctx, c),
  }));
}
