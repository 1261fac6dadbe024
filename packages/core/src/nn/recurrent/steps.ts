/**
 * The math of one recurrent step, shared by the cells and the sequence layers, with torch's gate
 * order (LSTM: i, f, g, o; GRU: r, z, n). The input projection x·W_ihᵀ + b_ih is computed by the
 * caller — for a whole sequence at once — so a step only multiplies by W_hh.
 */
import type { Tensor } from '../../tensor.js';

/** Which recurrence: Elman RNN with tanh or ReLU, LSTM, GRU. */
export type CellKind = 'tanh' | 'relu' | 'lstm' | 'gru';

/** Rows of W_ih / W_hh per hidden unit. */
export const GATES: Record<CellKind, number> = { tanh: 1, relu: 1, lstm: 4, gru: 3 };

/** h (and c for an LSTM). */
export type State = [Tensor] | [Tensor, Tensor];

export interface CellWeights {
  weightIh: Tensor;
  weightHh: Tensor;
  biasIh: Tensor | null;
  biasHh: Tensor | null;
}

/** Per-forward form of the weights: W_hhᵀ as a view (the matmul kernel packs strided operands anyway), b_hh kept apart only for the GRU. */
export interface StepWeights {
  whhT: Tensor;
  bhh: Tensor | null;
}

export function stepWeights(kind: CellKind, w: CellWeights): StepWeights {
  return { whhT: w.weightHh.T, bhh: kind === 'gru' ? w.biasHh : null };
}

/**
 * x·W_ihᵀ + b_ih for rows of x ([n, inputSize] → [n, G·hidden]). Outside the GRU, b_hh is added
 * here too: it sits outside every nonlinearity there, so folding it saves one add per step.
 */
export function inputProjection(kind: CellKind, x: Tensor, w: CellWeights): Tensor {
  let gi = x.matmul(w.weightIh.T);
  if (w.biasIh) gi = gi.add(w.biasIh);
  if (kind !== 'gru' && w.biasHh) gi = gi.add(w.biasHh);
  return gi;
}

/** One step from the projected input `gi` ([B, G·H]) and the previous state. */
export function step(kind: CellKind, gi: Tensor, state: State, w: StepWeights): State {
  const h = state[0];
  const gh = h.matmul(w.whhT);
  if (kind === 'tanh') return [gi.add(gh).tanh()];
  if (kind === 'relu') return [gi.add(gh).relu()];
  const hidden = h.shape[h.ndim - 1]!;
  if (kind === 'lstm') {
    const [i, f, g, o] = gi.add(gh).split(hidden, -1) as [Tensor, Tensor, Tensor, Tensor];
    const c = f.sigmoid().mul(state[1]!).add(i.sigmoid().mul(g.tanh()));
    return [o.sigmoid().mul(c.tanh()), c];
  }
  // GRU: b_hn stays inside the reset gate's product, as torch defines it.
  const [ir, iz, inn] = gi.split(hidden, -1) as [Tensor, Tensor, Tensor];
  const [hr, hz, hn] = (w.bhh ? gh.add(w.bhh) : gh).split(hidden, -1) as [Tensor, Tensor, Tensor];
  const r = ir.add(hr).sigmoid();
  const z = iz.add(hz).sigmoid();
  const n = inn.add(r.mul(hn)).tanh();
  return [n.add(z.mul(h.sub(n)))];
}
