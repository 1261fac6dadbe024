/**
 * Layers against PyTorch's answers (scripts/gen-nn-fixtures.py): each case loads torch's state
 * into a float64 Flint layer with loadStateDict, then compares the state-dict keys (in order),
 * the printout, the forward output, the gradients of the input and of every parameter, and the
 * running statistics after the pass. Conv and pool cases also run the functional form.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import { nn } from '@flint/core';

interface Enc {
  shape: number[];
  data: number[];
  dtype?: 'int32';
}
interface Spec {
  layer: string;
  args?: unknown[];
  options?: Record<string, unknown>;
  children?: Spec[];
}
interface Case {
  id: string;
  flint: Spec;
  train: boolean;
  repr: string;
  keys: string[];
  state: Record<string, Enc>;
  input: Enc;
  gradOutput: Enc;
  output: Enc;
  grads: Record<string, Enc>;
  stateAfter?: Record<string, Enc>;
}

const load = (name: string): Case[] =>
  (
    JSON.parse(
      readFileSync(new URL(`../../conformance/fixtures/nn/${name}.json`, import.meta.url), 'utf8'),
    ) as {
      cases: Case[];
    }
  ).cases;
const CASES = [...load('nn-layers'), ...load('nn-pool-norm'), ...load('nn-misc')].filter(
  (c) => c.flint,
);

const backend = cpuBackend({ name: 'cpu-nn-fixtures' });
beforeAll(() => fl.use(backend));
afterAll(() => fl.removeBackend(backend.name));

type Ctor = new (...args: never[]) => nn.Module;
const LAYERS: Record<string, Ctor> = {
  Linear: nn.Linear,
  Conv1d: nn.Conv1d,
  Conv2d: nn.Conv2d,
  ConvTranspose2d: nn.ConvTranspose2d,
  MaxPool2d: nn.MaxPool2d,
  AvgPool2d: nn.AvgPool2d,
  AdaptiveAvgPool2d: nn.AdaptiveAvgPool2d,
  BatchNorm1d: nn.BatchNorm1d,
  BatchNorm2d: nn.BatchNorm2d,
  LayerNorm: nn.LayerNorm,
  GroupNorm: nn.GroupNorm,
  Embedding: nn.Embedding,
  Flatten: nn.Flatten,
  Identity: nn.Identity,
  Dropout: nn.Dropout,
  ReLU: nn.ReLU,
  LeakyReLU: nn.LeakyReLU,
  GELU: nn.GELU,
  SiLU: nn.SiLU,
  Sigmoid: nn.Sigmoid,
  Tanh: nn.Tanh,
  Softmax: nn.Softmax,
  LogSoftmax: nn.LogSoftmax,
};
/** Layers with parameters take torch's factory options; they are built in float64 here. */
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
]);

function build(s: Spec): nn.Module {
  if (s.layer === 'Sequential') return new nn.Sequential(...s.children!.map(build));
  const opts = FACTORY.has(s.layer) ? { ...s.options, dtype: 'float64' } : (s.options ?? {});
  const args = [...(s.args ?? []), ...(Object.keys(opts).length ? [opts] : [])];
  return new (LAYERS[s.layer] as unknown as new (...a: unknown[]) => nn.Module)(...args);
}

function toTensor(e: Enc, requiresGrad = false): fl.Tensor {
  if (e.dtype === 'int32')
    return fl.tensor(Int32Array.from(e.data), { shape: e.shape, dtype: 'int32' });
  return fl.tensor(Float64Array.from(e.data), { shape: e.shape, dtype: 'float64', requiresGrad });
}

/** |a − b| ≤ atol + rtol·|b| elementwise, with the worst offender in the message. */
function expectClose(
  actual: fl.Tensor | null,
  want: Enc,
  what: string,
  rtol = 1e-10,
  atol = 1e-10,
): void {
  expect(actual, `${what} is missing`).not.toBeNull();
  expect(actual!.shape, `${what} shape`).toEqual(want.shape);
  const got = actual!.dataSync();
  let worst = -1;
  let excess = 0;
  want.data.forEach((w, i) => {
    const e = Math.abs(Number(got[i]) - w) - (atol + rtol * Math.abs(w));
    if (e > excess) [worst, excess] = [i, e];
  });
  expect(worst, `${what}: element ${worst} is ${got[worst]}, expected ${want.data[worst]}`).toBe(
    -1,
  );
}

function disposeModule(m: nn.Module): void {
  for (const t of Object.values(m.stateDict())) t.dispose();
}

/** The functional form of a layer case, run with the loaded parameters. */
function functional(c: Case, m: nn.Module, x: fl.Tensor): fl.Tensor | null {
  // The layer's options less the ones only the layer takes (F.conv2d gets the bias as an argument).
  const { bias: _bias, ...o } = (c.flint.options ?? {}) as Record<string, never>;
  const a = (c.flint.args ?? []) as never[];
  const sd = m.stateDict();
  const [w, b] = [sd.weight!, sd.bias ?? null];
  switch (c.flint.layer) {
    case 'Linear':
      return nn.F.linear(x, w, b);
    case 'Conv2d':
      return o.paddingMode ? null : nn.F.conv2d(x, w, b, o);
    case 'Conv1d':
      return o.paddingMode ? null : nn.F.conv1d(x, w, b, o);
    case 'ConvTranspose2d':
      return nn.F.convTranspose2d(x, w, b, o);
    case 'MaxPool2d':
      return nn.F.maxPool2d(x, a[0]!, o);
    case 'AvgPool2d':
      return nn.F.avgPool2d(x, a[0]!, o);
    case 'AdaptiveAvgPool2d':
      return nn.F.adaptiveAvgPool2d(x, a[0]!);
    case 'LayerNorm':
      return nn.F.layerNorm(x, a[0]!, sd.weight ?? null, sd.bias ?? null, o.eps);
    case 'GroupNorm':
      return nn.F.groupNorm(x, a[0]!, sd.weight ?? null, sd.bias ?? null, o.eps);
    default:
      return null;
  }
}

describe('nn layers match PyTorch (float64)', () => {
  it.each(CASES.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const m = build(c.flint);
    expect(Object.keys(m.stateDict())).toEqual(c.keys);
    expect(m.toString()).toBe(c.repr);
    const sd = Object.fromEntries(Object.entries(c.state).map(([k, e]) => [k, toTensor(e)]));
    m.loadStateDict(sd);
    Object.values(sd).forEach((t) => t.dispose());
    m.train(c.train);
    const x = toTensor(c.input, c.input.dtype !== 'int32');
    fl.tidy(() => {
      const y = m.forward(x) as fl.Tensor;
      expectClose(y, c.output, 'output');
      y.backward(toTensor(c.gradOutput));
      if (c.grads.input) expectClose(x.grad, c.grads.input, 'input grad');
      for (const [k, p] of m.namedParameters()) expectClose(p.grad, c.grads[k]!, `${k} grad`);
      for (const [k, want] of Object.entries(c.stateAfter ?? {}))
        expectClose(m.stateDict()[k]!, want, `${k} after`);
      if (!c.stateAfter) {
        const f = fl.noGrad(() => functional(c, m, x));
        if (f) expectClose(f, c.output, 'functional output');
      }
    });
    x.dispose();
    disposeModule(m);
  });

  it('prints and keys nested containers like torch', () => {
    const c = load('nn-misc').find((k) => k.id === 'containers/nested')!;
    const tree = new nn.ModuleDict({
      enc: new nn.Sequential(new nn.Linear(2, 3), new nn.BatchNorm1d(3)),
      heads: new nn.ModuleList([new nn.Linear(3, 1), new nn.Linear(3, 2, { bias: false })]),
    });
    expect(Object.keys(tree.stateDict())).toEqual(c.keys);
    expect(tree.toString()).toBe(c.repr);
    disposeModule(tree);
  });

  it('float32 layers agree with the float64 answers to float32 tolerance', () => {
    for (const id of [
      'Conv2d/groups2',
      'ConvTranspose2d/output-padding-groups',
      'BatchNorm2d/train',
      'MaxPool2d/stride2-pad1',
    ]) {
      const c = CASES.find((k) => k.id === id)!;
      const spec = { ...c.flint, options: { ...c.flint.options } };
      const m = build(spec);
      const sd = Object.fromEntries(Object.entries(c.state).map(([k, e]) => [k, toTensor(e)]));
      m.loadStateDict(sd); // copy_ casts into the layer's float64 parameters
      Object.values(sd).forEach((t) => t.dispose());
      const m32 = FACTORY.has(c.flint.layer)
        ? new (LAYERS[c.flint.layer] as unknown as new (...a: unknown[]) => nn.Module)(
            ...(c.flint.args ?? []),
            { ...c.flint.options, dtype: 'float32' },
          )
        : build(spec);
      m32.loadStateDict(m.stateDict());
      m32.train(c.train);
      fl.tidy(() => {
        const x = toTensor(c.input).float().requiresGrad_();
        const y = m32.forward(x) as fl.Tensor;
        expect(y.dtype).toBe('float32');
        expectClose(y, c.output, `${id} float32 output`, 1e-5, 1e-6);
        y.backward(toTensor(c.gradOutput).float());
        expectClose(x.grad, c.grads.input!, `${id} float32 input grad`, 1e-5, 1e-5);
      });
      disposeModule(m);
      disposeModule(m32);
    }
  });
});
