/**
 * The recurrence of one layer in one direction, over an already projected input sequence: the
 * backend's fused LSTM/GRU sequence kernels (DESIGN §2 tier 3) where it offers them and overrides
 * are on, the composite loop of steps otherwise. The fused path records one closed-form rule
 * whose backward is the backend's fused backward (or, when a graph of the gradient is being
 * recorded, the composite's own gradient, recomputed), so results and gradients never depend on
 * which path ran.
 */
import type { Tensor } from '../../tensor.js';
import type { GradCtx, GradRule } from '../../autograd/node.js';
import type { Backend } from '../../backend/types.js';
import { isGradEnabled } from '../../autograd/mode.js';
import { grad as gradOf } from '../../autograd/backward.js';
import { execFusedAs, execOverride } from '../../ops/dispatch.js';
import { decomposed, overridesEnabled } from '../../ops/reduce.js';
import { stack } from '../../ops/shape.js';
import { type CellKind, type CellWeights, type State, step, stepWeights } from './steps.js';
import { stackTree, unbindTree } from './sequence.js';

/** Outputs of one direction: h_t at every t ([T,B,H]) and the final state. */
export interface Recurrence {
  output: Tensor;
  state: State;
}

interface SeqParams {
  kind: 'lstm' | 'gru';
  reverse: boolean;
  hasBias: boolean;
}

/**
 * The composite: one matmul by W_hh and the cell's pointwise math per step. With `allStates`,
 * an LSTM's output also stacks every c_t ([2,T,B,H], the fused kernel's layout).
 */
function compositeRecurrence(
  kind: CellKind,
  gi: Tensor,
  w: CellWeights,
  init: State,
  reverse: boolean,
  allStates = false,
): Recurrence {
  const T = gi.shape[0]!;
  const steps = unbindTree(gi);
  const sw = stepWeights(kind, w);
  const hs = new Array<Tensor>(T);
  const cs = new Array<Tensor>(T);
  let state = init;
  for (let i = 0; i < T; i++) {
    const t = reverse ? T - 1 - i : i;
    state = step(kind, steps[t]!, state, sw);
    hs[t] = state[0];
    if (allStates) cs[t] = state[1]!;
  }
  const output = allStates ? stack([stackTree(hs), stackTree(cs)], 0) : stackTree(hs);
  return { output, state };
}

/** The backend's fused kernels for `kind`, when both directions of them exist and may run. */
function fusedPair(kind: CellKind, b: Backend): boolean {
  if (!overridesEnabled()) return false;
  const o = b.overrides;
  if (kind === 'lstm') return !!(o?.lstmSequence && o.lstmSequenceBackward);
  if (kind === 'gru') return !!(o?.gruSequence && o.gruSequenceBackward);
  return false;
}

/**
 * Gradients when a graph of them is being recorded (createGraph): the composite forward is
 * recomputed from the saved inputs and differentiated, so higher-order gradients are the
 * composite's.
 */
function recomputedGrads(g: Tensor, c: GradCtx<SeqParams>): (Tensor | null)[] {
  const { kind, reverse } = c.params;
  const ins = c.inputs as Tensor[];
  const [gi, whh] = [ins[0]!, ins[1]!];
  const w: CellWeights = {
    weightIh: whh,
    weightHh: whh,
    biasIh: null,
    biasHh: kind === 'gru' && c.params.hasBias ? ins[2]! : null,
  };
  const init = (kind === 'lstm' ? [ins[2]!, ins[3]!] : [ins.at(-1)!]) as State;
  const y = decomposed.run(
    () => compositeRecurrence(kind, gi, w, init, reverse, kind === 'lstm').output,
  );
  // A saved leaf is an alias: its gradient is filed under the leaf it stands for.
  const wanted = ins.filter((_, i) => c.needs[i]).map((t) => (t.gradFn ? t : (t._leaf ?? t)));
  const got = gradOf([y], wanted, { gradOutputs: [g], createGraph: true, allowUnused: true });
  let k = 0;
  return c.needs.map((n) => (n ? got[k++]! : null));
}

/** Every input, and y: the fused backward reads them all. */
const saveAll = (needs: readonly boolean[]) => [...needs.keys(), 'out' as const];

const lstmRule: GradRule<SeqParams> = {
  savesFor: saveAll,
  grad(g, c) {
    if (isGradEnabled()) return recomputedGrads(g, c);
    const [gi, whh, h0, c0] = c.inputs as Tensor[];
    const y = c.out!;
    const kernel = gi!.storage.backend.overrides!.lstmSequenceBackward!;
    const outs = [gi!, whh!, h0!, c0!].map((t) => ({ shape: t.shape, dtype: y.dtype }));
    const got = execFusedAs('lstmSequenceBackward', [c.aux[0]!, y, whh!, h0!, c0!, g], outs, (v) =>
      kernel(v[0]!, v[1]!, v[2]!, v[3]!, v[4]!, v[5]!, c.params.reverse),
    );
    return got.map((t, i) => (c.needs[i] ? t : (t?.dispose(), null)));
  },
};

const gruRule: GradRule<SeqParams> = {
  savesFor: saveAll,
  grad(g, c) {
    if (isGradEnabled()) return recomputedGrads(g, c);
    const ins = c.inputs as Tensor[];
    const [gi, whh] = [ins[0]!, ins[1]!];
    const h0 = ins.at(-1)!;
    const { reverse, hasBias } = c.params;
    const kernel = gi.storage.backend.overrides!.gruSequenceBackward!;
    const outs = [gi, whh, ...(hasBias ? [ins[2]!] : []), h0].map((t) => ({
      shape: t.shape,
      dtype: h0.dtype,
    }));
    const got = execFusedAs('gruSequenceBackward', [c.aux[0]!, c.out!, whh, h0, g], outs, (v) => {
      const [dgi, dw, db, dh] = kernel(v[0]!, v[1]!, v[2]!, v[3]!, v[4]!, reverse, hasBias);
      return hasBias ? [dgi, dw, db, dh] : [dgi, dw, dh];
    });
    return got.map((t, i) => (c.needs[i] ? t : (t?.dispose(), null)));
  },
};

function fusedLstm(gi: Tensor, w: CellWeights, init: State, reverse: boolean): Recurrence {
  const [T, B, G] = gi.shape as [number, number, number];
  const H = G / 4;
  const o = gi.storage.backend.overrides!;
  const params: SeqParams = { kind: 'lstm', reverse, hasBias: false };
  const [y] = execOverride(
    'lstmSequence',
    (v) => o.lstmSequence!(v[0]!, v[1]!, v[2]!, v[3]!, reverse),
    lstmRule as GradRule<never>,
    [gi, w.weightHh, init[0], init[1]!],
    [
      { shape: [2, T, B, H], dtype: gi.dtype },
      { shape: [T, B, G], dtype: gi.dtype },
    ],
    params,
  );
  const last = reverse ? 0 : T - 1;
  const hs = y!.index(0);
  return { output: hs, state: [hs.index(last), y!.index(1).index(last)] };
}

function fusedGru(gi: Tensor, w: CellWeights, init: State, reverse: boolean): Recurrence {
  const [T, B, G] = gi.shape as [number, number, number];
  const H = G / 3;
  const o = gi.storage.backend.overrides!;
  const bias = w.biasHh;
  const params: SeqParams = { kind: 'gru', reverse, hasBias: bias !== null };
  const [hs] = execOverride(
    'gruSequence',
    (v) => o.gruSequence!(v[0]!, v[1]!, bias ? v[2]! : null, v.at(-1)!, reverse),
    gruRule as GradRule<never>,
    [gi, w.weightHh, ...(bias ? [bias] : []), init[0]],
    [
      { shape: [T, B, H], dtype: gi.dtype },
      { shape: [T, B, 4 * H], dtype: gi.dtype },
    ],
    params,
  );
  return { output: hs!, state: [hs!.index(reverse ? 0 : T - 1)] };
}

/**
 * One layer in one direction over gi ([T,B,G·H], the projected input; for an LSTM b_hh folded
 * in), from the initial state; the caller's tidy scope frees the intermediates.
 */
export function recurrence(
  kind: CellKind,
  gi: Tensor,
  w: CellWeights,
  init: State,
  reverse: boolean,
): Recurrence {
  const ok = fusedPair(kind, gi.storage.backend) && init.every((s) => s.dtype === gi.dtype);
  if (ok && kind === 'lstm') return fusedLstm(gi, w, init, reverse);
  if (ok && kind === 'gru') return fusedGru(gi, w, init, reverse);
  return compositeRecurrence(kind, gi, w, init, reverse);
}
