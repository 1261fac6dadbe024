/**
 * Multi-layer, optionally bidirectional recurrent layers over whole sequences (torch.nn.RNN,
 * LSTM, GRU). Each layer and direction projects the entire input sequence with one matmul, then
 * loops over time with one matmul per step for the hidden state (fused.ts: the backend's fused
 * sequence kernel where it has one, else the composite loop that autograd differentiates).
 * Parameter keys are torch's: weight_ih_l{k}{_reverse}, weight_hh_l{k}, …
 */
import { DTypeError, FlintError, ShapeError, fmtShape } from '../../errors.js';
import { isFloat } from '../../dtype.js';
import { shapesEqual } from '../../shape.js';
import { tidy } from '../../scope.js';
import { zeros } from '../../ops/creation.js';
import { cat, stack } from '../../ops/shape.js';
import type { Tensor } from '../../tensor.js';
import { Module } from '../module.js';
import { dropout } from '../functional/basic.js';
import type { FactoryOptions } from '../layers/common.js';
import { cellParams, checkFactory, checkSizes, registerCell, resetUniform } from './params.js';
import { type CellKind, type CellWeights, type State, GATES, inputProjection } from './steps.js';
import { recurrence } from './fused.js';
import { checkArgs } from '../../check/args.js';
import { NN } from '../../check/specs/nn.js';
import { guardMethods } from '../../check/args.js';
import { RECURRENT_FORWARD, forwardOf } from '../../check/specs/methods.js';

export interface RNNBaseOptions extends FactoryOptions {
  /** Stacked recurrent layers (default 1). */
  numLayers?: number;
  /** Learn b_ih and b_hh (default true). */
  bias?: boolean;
  /** Input and output are [batch, seq, feature] instead of [seq, batch, feature] (default false). */
  batchFirst?: boolean;
  /** Dropout probability on the outputs of every layer but the last, in training mode (default 0). */
  dropout?: number;
  /** Run a second pass backwards in time and concatenate both outputs (default false). */
  bidirectional?: boolean;
}
/** Options of `RNN`. */
export interface RNNOptions extends RNNBaseOptions {
  /** Activation of the recurrence: `'tanh'` (default) or `'relu'`. */
  nonlinearity?: 'tanh' | 'relu';
}

interface Net {
  name: string;
  kind: CellKind;
  /** weights[layer][direction] */
  weights: CellWeights[][];
}

abstract class RNNBase extends Module {
  /** Features of each input step. */
  readonly inputSize: number;
  /** Features of the hidden state (per direction). */
  readonly hiddenSize: number;
  /** Number of stacked recurrent layers. */
  readonly numLayers: number;
  /** Whether every layer has the biases b_ih and b_hh. */
  readonly bias: boolean;
  /** Whether input and output are [batch, seq, feature] rather than [seq, batch, feature]. */
  readonly batchFirst: boolean;
  /** Dropout probability between layers in training mode. */
  readonly dropout: number;
  /** Whether each layer also runs backwards in time (outputs concatenated). */
  readonly bidirectional: boolean;
  private readonly net: Net;

  constructor(
    name: string,
    kind: CellKind,
    inputSize: number,
    hiddenSize: number,
    opts: RNNBaseOptions,
  ) {
    super();
    this.numLayers = opts.numLayers ?? 1;
    checkSizes(name, { inputSize, hiddenSize, numLayers: this.numLayers });
    checkFactory(name, opts);
    this.dropout = opts.dropout ?? 0;
    if (!(this.dropout >= 0 && this.dropout <= 1))
      throw new FlintError(`${name}: dropout must be in [0, 1], got ${this.dropout}`);
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.bias = opts.bias ?? true;
    this.batchFirst = opts.batchFirst ?? false;
    this.bidirectional = opts.bidirectional ?? false;
    const dirs = this.bidirectional ? 2 : 1;
    const weights: CellWeights[][] = [];
    for (let l = 0; l < this.numLayers; l++) {
      const input = l === 0 ? inputSize : hiddenSize * dirs;
      const shape = { input, hidden: hiddenSize, gates: GATES[kind], bias: this.bias };
      weights.push(
        [0, 1]
          .slice(0, dirs)
          .map((d) => registerCell(this, `_l${l}${d ? '_reverse' : ''}`, shape, opts)),
      );
    }
    this.net = { name, kind, weights };
    this.resetParameters();
  }

  /** Redraw every parameter from U(−1/√hiddenSize, 1/√hiddenSize), torch's default. */
  resetParameters(): void {
    resetUniform(this.net.weights.flat().flatMap(cellParams), this.hiddenSize);
  }

  private get dirs(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** Validate input and initial states; returns whether the input has a batch dim. */
  private check(input: Tensor, hx: readonly Tensor[] | null, labels: readonly string[]): boolean {
    const { name, weights } = this.net;
    const layout = this.batchFirst ? '[batch, seq, ' : '[seq, batch, ';
    if (
      (input.ndim !== 2 && input.ndim !== 3) ||
      input.shape[input.ndim - 1] !== this.inputSize ||
      input.size === 0
    )
      throw new ShapeError(
        `${name}: expected input of shape ${layout}${this.inputSize}] or unbatched [seq, ${this.inputSize}] with no empty dims, got ${fmtShape(input.shape)}`,
      );
    const dtype = weights[0]![0]!.weightIh.dtype;
    if (!isFloat(input.dtype) || input.dtype !== dtype)
      throw new DTypeError(
        `${name}: input dtype ${input.dtype} does not match the parameters' dtype ${dtype}`,
      );
    const batched = input.ndim === 3;
    const batch = input.shape[this.batchFirst ? 0 : 1]!;
    const expected = batched
      ? [this.numLayers * this.dirs, batch, this.hiddenSize]
      : [this.numLayers * this.dirs, this.hiddenSize];
    hx?.forEach((h, i) => {
      if (!shapesEqual(h.shape, expected))
        throw new ShapeError(
          `${name}: expected ${labels[i]} of shape ${fmtShape(expected)} for input ${fmtShape(input.shape)}, got ${fmtShape(h.shape)}`,
        );
      if (h.dtype !== dtype)
        throw new DTypeError(
          `${name}: ${labels[i]} dtype ${h.dtype} does not match the parameters' dtype ${dtype}`,
        );
    });
    return batched;
  }

  /** One layer in one direction over a [T, B, in] sequence. */
  private direction(
    seq: Tensor,
    w: CellWeights,
    init: State,
    reverse: boolean,
  ): { output: Tensor; state: State } {
    const { kind } = this.net;
    const [T, B, inSize] = seq.shape as [number, number, number];
    const gi = inputProjection(kind, seq.reshape([T * B, inSize]), w).reshape([T, B, -1]);
    return recurrence(kind, gi, w, init, reverse);
  }

  /** The whole stack; returns the last layer's outputs and the final states, torch's layouts. */
  protected run(
    input: Tensor,
    hx: readonly Tensor[] | null,
    labels: readonly string[],
  ): {
    /** The last layer's outputs at every step: [L, N, D·H] (batch-first: [N, L, D·H]). */
    output: Tensor;
    /** The final states ([h] or [h, c]), each [numLayers·D, N, H]. */
    state: Tensor[];
  } {
    const batched = this.check(input, hx, labels);
    return tidy(() => {
      let seq = batched ? (this.batchFirst ? input.transpose(0, 1) : input) : input.unsqueeze(1);
      const init = hx?.map((h) => (batched ? h : h.unsqueeze(1)));
      const zero = () =>
        zeros([seq.shape[1]!, this.hiddenSize], { dtype: input.dtype, device: input.device });
      const finals: Tensor[][] = labels.map(() => []);
      this.net.weights.forEach((layer, l) => {
        const outs = layer.map((w, d) => {
          const k = l * this.dirs + d;
          const st = labels.map((_, i) => (init ? init[i]!.index(k) : zero())) as State;
          const { output, state } = this.direction(seq, w, st, d === 1);
          state.forEach((s, i) => finals[i]!.push(s));
          return output;
        });
        seq = outs.length === 2 ? cat(outs, 2) : outs[0]!;
        if (l < this.numLayers - 1) seq = dropout(seq, this.dropout, this.training);
      });
      const output = batched ? (this.batchFirst ? seq.transpose(0, 1) : seq) : seq.squeeze(1);
      const state = finals.map((f) => (batched ? stack(f, 0) : stack(f, 0).squeeze(1)));
      return { output, state };
    });
  }

  override extraRepr(): string {
    const opts = [
      this.numLayers !== 1 && `numLayers=${this.numLayers}`,
      !this.bias && 'bias=false',
      this.batchFirst && 'batchFirst=true',
      this.dropout !== 0 && `dropout=${this.dropout}`,
      this.bidirectional && 'bidirectional=true',
    ].filter(Boolean);
    return [`${this.inputSize}, ${this.hiddenSize}`, ...opts].join(', ');
  }
}

/**
 * A multi-layer Elman RNN: h_t = tanh(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh) (or ReLU).
 * @example
 * const rnn = new nn.RNN(10, 20, { numLayers: 2 });
 * const [output, hN] = rnn.forward(fl.randn([5, 3, 10])); // [5, 3, 20], [2, 3, 20]
 */
export class RNN extends RNNBase {
  /** Activation of the recurrence. */
  readonly nonlinearity: 'tanh' | 'relu';
  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions = {}) {
    checkArgs(NN.RNN, [inputSize, hiddenSize, opts], arguments.length);
    const nl = opts.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu')
      throw new FlintError(`RNN: unknown nonlinearity '${String(nl)}' (valid: 'tanh', 'relu')`);
    super('RNN', nl, inputSize, hiddenSize, opts);
    this.nonlinearity = nl;
  }
  /** [output, hN]; `h0` ([numLayers·dirs, batch, hidden]) defaults to zeros. */
  forward(input: Tensor, h0?: Tensor | null): [Tensor, Tensor] {
    const { output, state } = this.run(input, h0 ? [h0] : null, ['h0']);
    return [output, state[0]!];
  }
}

/**
 * A multi-layer LSTM with torch's gate order (input, forget, cell, output).
 * @example
 * const lstm = new nn.LSTM(10, 20, { batchFirst: true, bidirectional: true });
 * const [output, [hN, cN]] = lstm.forward(fl.randn([3, 5, 10])); // [3, 5, 40], [2, 3, 20] each
 */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, opts: RNNBaseOptions = {}) {
    checkArgs(NN.LSTM, [inputSize, hiddenSize, opts], arguments.length);
    super('LSTM', 'lstm', inputSize, hiddenSize, opts);
  }
  /** [output, [hN, cN]]; the initial [h0, c0] defaults to zeros. */
  forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    const { output, state } = this.run(input, hx ?? null, ['h0', 'c0']);
    return [output, [state[0]!, state[1]!]];
  }
}

/**
 * A multi-layer GRU with torch's gate order (reset, update, new).
 * @example
 * const gru = new nn.GRU(10, 20);
 * const [output, hN] = gru.forward(fl.randn([5, 3, 10]), fl.zeros([1, 3, 20]));
 */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, opts: RNNBaseOptions = {}) {
    checkArgs(NN.GRU, [inputSize, hiddenSize, opts], arguments.length);
    super('GRU', 'gru', inputSize, hiddenSize, opts);
  }
  /** [output, hN]; `h0` ([numLayers·dirs, batch, hidden]) defaults to zeros. */
  forward(input: Tensor, h0?: Tensor | null): [Tensor, Tensor] {
    const { output, state } = this.run(input, h0 ? [h0] : null, ['h0']);
    return [output, state[0]!];
  }
}

// Public methods check their arguments against their specs (check/specs/methods.ts) first.
guardMethods(RNN, forwardOf('RNN', RECURRENT_FORWARD.RNN));
guardMethods(LSTM, forwardOf('LSTM', RECURRENT_FORWARD.LSTM));
guardMethods(GRU, forwardOf('GRU', RECURRENT_FORWARD.GRU));
