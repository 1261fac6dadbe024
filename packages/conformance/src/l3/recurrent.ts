/**
 * L3 LSTM and GRU: the public layers with the backend's fused sequence kernels (lstmSequence,
 * gruSequence and their backwards) against the composite (overrides switched off) — every
 * output, both final states and the gradient of every input, initial state and parameter, for
 * several layouts, and second-order gradients (which go through the composite's recomputation).
 */
import * as fl from '@flint/core';
import type { DType } from '@flint/core/backend';
import { flatTensor } from '../l1/fixtures.js';
import type { Case, CaseContext } from '../types.js';
import { FLOATS, close, maybeDecomposed, normals, valuesAll } from './common.js';

type Kind = 'lstm' | 'gru';

interface Variant {
  seq: number;
  /** Absent: unbatched input. */
  batch?: number;
  input: number;
  hidden: number;
  opts: fl.nn.RNNBaseOptions;
  /** Pass h0 (and c0) instead of the default zeros. */
  state?: boolean;
}

const VARIANTS: Record<string, Variant> = {
  plain: { seq: 5, batch: 3, input: 4, hidden: 6, opts: {} },
  'batch-first-state': {
    seq: 4,
    batch: 2,
    input: 3,
    hidden: 5,
    opts: { batchFirst: true },
    state: true,
  },
  'bidirectional-2-layers': {
    seq: 4,
    batch: 2,
    input: 3,
    hidden: 4,
    opts: { numLayers: 2, bidirectional: true },
    state: true,
  },
  'no-bias-unbatched': { seq: 3, input: 2, hidden: 3, opts: { bias: false } },
  'one-step': { seq: 1, batch: 4, input: 3, hidden: 2, opts: {}, state: true },
};

const make = (kind: Kind, v: Variant, dtype: DType) =>
  kind === 'lstm'
    ? new fl.nn.LSTM(v.input, v.hidden, { ...v.opts, dtype })
    : new fl.nn.GRU(v.input, v.hidden, { ...v.opts, dtype });

function inputShapes(v: Variant): { x: number[]; state: number[] } {
  const layers = (v.opts.numLayers ?? 1) * (v.opts.bidirectional ? 2 : 1);
  if (v.batch === undefined) return { x: [v.seq, v.input], state: [layers, v.hidden] };
  const x = v.opts.batchFirst ? [v.batch, v.seq, v.input] : [v.seq, v.batch, v.input];
  return { x, state: [layers, v.batch, v.hidden] };
}

/**
 * Outputs (output, hN, cN) and the gradients of x, the initial states and every parameter, with
 * overrides on or off. Parameters and inputs come from seeded draws, identical in both runs.
 */
function evaluate(kind: Kind, name: string, dtype: DType, off: boolean, second: boolean) {
  const v = VARIANTS[name]!;
  const { x: xs, state: ss } = inputShapes(v);
  const m = make(kind, v, dtype);
  const params = m.parameters();
  fl.noGrad(() =>
    params.forEach((p, i) =>
      p.copy_(flatTensor(normals(`l3/rnn/${name}/p${i}`, p.size, 0.5), p.shape, dtype)),
    ),
  );
  const seed = `l3/rnn/${kind}/${name}`;
  const leaf = (tag: string, shape: number[]) =>
    flatTensor(
      normals(
        `${seed}/${tag}`,
        shape.reduce((a, b) => a * b, 1),
      ),
      shape,
      dtype,
      true,
    );
  try {
    return maybeDecomposed(off, () =>
      fl.tidy(() => {
        const x = leaf('x', xs);
        const states = v.state
          ? (kind === 'lstm' ? ['h0', 'c0'] : ['h0']).map((t) => leaf(t, ss))
          : [];
        const [out, st] =
          kind === 'lstm'
            ? (m as fl.nn.LSTM).forward(x, states.length ? [states[0]!, states[1]!] : null)
            : (m as fl.nn.GRU).forward(x, states[0] ?? null);
        const finals = Array.isArray(st) ? st : [st];
        const ys = [out, ...finals];
        const wrt = [x, ...states, ...params];
        const gs = ys.map((y, i) => flatTensor(normals(`${seed}/g${i}`, y.size), y.shape, dtype));
        const first = fl.grad(ys, wrt, { gradOutputs: gs, createGraph: second });
        if (!second) return [...ys, ...first];
        const s = first.map((t) => t.square().sum()).reduce((a, b) => a.add(b));
        return fl.grad([s], wrt, { allowUnused: true });
      }),
    );
  } finally {
    for (const p of params) p.dispose();
  }
}

function recurrentCase(kind: Kind, name: string, dtype: DType, second: boolean): Case {
  const override = kind === 'lstm' ? 'lstmSequence' : 'gruSequence';
  return {
    id: `l3/${kind}/${second ? 'grad2' : dtype}/${name}`,
    layer: 'L3',
    op: kind === 'lstm' ? 'LSTM' : 'GRU',
    dtype,
    needs: { override, dtypes: [dtype] },
    run: async (ctx: CaseContext) => {
      const fused = await valuesAll(evaluate(kind, name, dtype, false, second));
      const composite = await valuesAll(evaluate(kind, name, dtype, true, second));
      const outs = kind === 'lstm' ? 3 : 2;
      fused.forEach((got, i) => {
        const what =
          second || i >= outs
            ? `${kind} ${name}: ${second ? 'second-order ' : ''}gradient ${i - (second ? 0 : outs)}`
            : `${kind} ${name}: ${['output', 'hN', 'cN'][i]}`;
        close(ctx, dtype, got, composite[i]!, `${what} vs the composite`, i >= outs || second);
      });
    },
  };
}

export function recurrentCases(): Case[] {
  const cases: Case[] = [];
  for (const kind of ['lstm', 'gru'] as const) {
    for (const name of Object.keys(VARIANTS))
      for (const dtype of FLOATS) cases.push(recurrentCase(kind, name, dtype, false));
    for (const name of ['plain', 'bidirectional-2-layers'])
      cases.push(recurrentCase(kind, name, 'float64', true));
  }
  return cases;
}
