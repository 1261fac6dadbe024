/**
 * nn layers vs PyTorch (fixtures/nn/nn-layers.json, nn-pool-norm.json, nn-misc.json,
 * nn-resample.json, nn-activations.json): build the
 * layer through `fl.nn`, load torch's state with loadStateDict, run forward and backward with the
 * fixture's output gradient, and compare the output, the input gradient, every parameter's
 * gradient and the running statistics after the pass.
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
  tensorOf,
  nnFloatDType,
} from './common.js';

interface Spec {
  layer: string;
  args?: unknown[];
  options?: Record<string, unknown>;
  children?: Spec[];
}
interface LayerCase {
  id: string;
  flint?: Spec;
  train: boolean;
  keys: string[];
  state: Record<string, Enc>;
  input: Enc;
  gradOutput: Enc;
  output: Enc;
  grads: Record<string, Enc>;
  stateAfter?: Record<string, Enc>;
}

type AnyCtor = new (...args: unknown[]) => fl.nn.Module;
function layerClass(name: string): AnyCtor {
  const C = (fl.nn as unknown as Record<string, unknown>)[name];
  if (typeof C !== 'function') throw new Error(`fl.nn.${name} is not a layer`);
  return C as AnyCtor;
}

/** Layers with parameters take torch's factory options; they are built in the case's float. */
const FACTORY = new Set([
  'Linear',
  'Conv1d',
  'Conv2d',
  'ConvTranspose2d',
  'BatchNorm1d',
  'BatchNorm2d',
  'LayerNorm',
  'GroupNorm',
  'Embedding',
  'InstanceNorm1d',
  'InstanceNorm2d',
  'RMSNorm',
  'PReLU',
]);

function build(s: Spec): fl.nn.Module {
  if (s.layer === 'Sequential') return new fl.nn.Sequential(...s.children!.map(build));
  const opts = FACTORY.has(s.layer) ? { ...s.options, dtype: nnFloatDType() } : (s.options ?? {});
  const args = [...(s.args ?? []), ...(Object.keys(opts).length ? [opts] : [])];
  return new (layerClass(s.layer))(...args);
}

async function run(ctx: CaseContext, c: LayerCase): Promise<void> {
  const m = build(c.flint!);
  try {
    checkKeys(m, c.keys);
    loadState(m, c.state);
    m.train(c.train);
    const x = tensorOf(c.input, c.input.dtype !== 'int32');
    const y = m.forward(x) as fl.Tensor;
    await expectEnc(ctx, y, c.output, 'output');
    y.backward(tensorOf(c.gradOutput));
    if (c.grads.input) await expectEnc(ctx, x.grad, c.grads.input, 'input grad');
    for (const [k, p] of m.namedParameters()) {
      const want = c.grads[k];
      if (!want) throw new Error(`fixture has no gradient for parameter ${k}`);
      await expectEnc(ctx, p.grad, want, `${k} grad`);
    }
    const sd = m.stateDict();
    for (const [k, want] of Object.entries(c.stateAfter ?? {}))
      await expectEnc(ctx, sd[k], want, `${k} after the pass`);
    x.dispose();
  } finally {
    disposeModule(m);
  }
}

export function layerCases(): Case[] {
  const files = [
    'nn-layers.json',
    'nn-pool-norm.json',
    'nn-misc.json',
    'nn-resample.json',
    'nn-activations.json',
  ];
  return files.flatMap((f) =>
    loadNnFixture<{ cases: LayerCase[] }>(f)
      .cases.filter((c) => c.flint)
      .map((c): Case => ({
        id: `nn/${c.id}`,
        layer: 'nn',
        op: c.flint!.layer,
        dtype: 'float64',
        needs: { dtypes: dtypesOf(c.state, c.input, c.output) },
        run: (ctx) => run(ctx, c),
      })),
  );
}
