/**
 * Single-step recurrent cells (torch.nn.RNNCell, LSTMCell, GRUCell): one input batch and state
 * in, the next state out. Parameters and their keys (`weight_ih`, `weight_hh`, `bias_ih`,
 * `bias_hh`) are torch's.
 */
import { DTypeError, FlintError, ShapeError, fmtShape } from '../../errors.js';
import { shapesEqual } from '../../shape.js';
import { tidy } from '../../scope.js';
import { zeros } from '../../ops/creation.js';
import type { Tensor } from '../../tensor.js';
import { Module } from '../module.js';
import type { FactoryOptions } from '../layers/common.js';
import { cellParams, checkFactory, checkSizes, registerCell, resetUniform } from './params.js';
import {
  type CellKind,
  type CellWeights,
  type State,
  GATES,
  inputProjection,
  step,
  stepWeights,
} from './steps.js';
import { checkArgs } from '../../check/args.js';
import { NN } from '../../check/specs/nn.js';
import { guardMethods } from '../../check/args.js';
import { RECURRENT_FORWARD, forwardOf } from '../../check/specs/methods.js';

export interface CellOptions extends FactoryOptions {
  /** Learn the biases b_ih and b_hh (default true). */
  bias?: boolean;
}
/** Options of `RNNCell`. */
export interface RNNCellOptions extends CellOptions {
  /** Activation of the recurrence: `'tanh'` (default) or `'relu'`. */
  nonlinearity?: 'tanh' | 'relu';
}

abstract class CellBase extends Module {
  /** Features of each input vector. */
  readonly inputSize: number;
  /** Features of the hidden state. */
  readonly hiddenSize: number;
  /** Whether the cell has the biases b_ih and b_hh. */
  readonly bias: boolean;
  private readonly cell: { name: string; kind: CellKind; w: CellWeights };

  constructor(
    name: string,
    kind: CellKind,
    inputSize: number,
    hiddenSize: number,
    opts: CellOptions,
  ) {
    super();
    checkSizes(name, { inputSize, hiddenSize });
    checkFactory(name, opts);
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.bias = opts.bias ?? true;
    const shape = { input: inputSize, hidden: hiddenSize, gates: GATES[kind], bias: this.bias };
    this.cell = { name, kind, w: registerCell(this, '', shape, opts) };
    this.resetParameters();
  }

  /** Redraw every parameter from U(−1/√hiddenSize, 1/√hiddenSize), torch's default. */
  resetParameters(): void {
    resetUniform(cellParams(this.cell.w), this.hiddenSize);
  }

  private checkInput(input: Tensor): void {
    const { name, w } = this.cell;
    if ((input.ndim !== 1 && input.ndim !== 2) || input.shape[input.ndim - 1] !== this.inputSize)
      throw new ShapeError(
        `${name}: expected input of shape [batch, ${this.inputSize}] or [${this.inputSize}], got ${fmtShape(input.shape)}`,
      );
    if (input.dtype !== w.weightIh.dtype)
      throw new DTypeError(
        `${name}: input dtype ${input.dtype} does not match the parameters' dtype ${w.weightIh.dtype}`,
      );
  }

  /**
   * One step: checks `input` ([batch, inputSize] or [inputSize]) and the state (zeros when absent),
   * and returns the next state.
   */
  protected run(input: Tensor, state: readonly Tensor[] | null | undefined): State {
    this.checkInput(input);
    const { name, kind, w } = this.cell;
    const batched = input.ndim === 2;
    const hShape = batched ? [input.shape[0]!, this.hiddenSize] : [this.hiddenSize];
    const labels = kind === 'lstm' ? ['h', 'c'] : ['hx'];
    state?.forEach((s, i) => {
      if (!shapesEqual(s.shape, hShape))
        throw new ShapeError(
          `${name}: expected ${labels[i]} of shape ${fmtShape(hShape)} for input ${fmtShape(input.shape)}, got ${fmtShape(s.shape)}`,
        );
    });
    return tidy(() => {
      const x = batched ? input : input.unsqueeze(0);
      const zero = () =>
        zeros([x.shape[0]!, this.hiddenSize], { dtype: input.dtype, device: input.device });
      const st = labels.map((_, i) =>
        state ? (batched ? state[i]! : state[i]!.unsqueeze(0)) : zero(),
      ) as State;
      const out = step(kind, inputProjection(kind, x, w), st, stepWeights(kind, w));
      return (batched ? out : out.map((s) => s.squeeze(0))) as State;
    });
  }

  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.bias ? '' : ', bias=false'}`;
  }
}

/**
 * An Elman RNN cell: h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh) (or ReLU).
 * @example
 * const cell = new nn.RNNCell(10, 20);
 * const xs = fl.randn([6, 3, 10]); // [seq, batch, input]
 * let h = fl.zeros([3, 20]);
 * for (let t = 0; t < 6; t++) h = cell.forward(xs.index(t), h);
 */
export class RNNCell extends CellBase {
  /** Activation of the recurrence. */
  readonly nonlinearity: 'tanh' | 'relu';
  constructor(inputSize: number, hiddenSize: number, opts: RNNCellOptions = {}) {
    checkArgs(NN.RNNCell, [inputSize, hiddenSize, opts], arguments.length);
    const nl = opts.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu')
      throw new FlintError(`RNNCell: unknown nonlinearity '${String(nl)}' (valid: 'tanh', 'relu')`);
    super('RNNCell', nl, inputSize, hiddenSize, opts);
    this.nonlinearity = nl;
  }
  /** Next hidden state; `hx` defaults to zeros. */
  forward(input: Tensor, hx?: Tensor | null): Tensor {
    return this.run(input, hx ? [hx] : null)[0];
  }
}

/**
 * An LSTM cell with torch's gate order (input, forget, cell, output).
 * @example
 * const cell = new nn.LSTMCell(10, 20);
 * const [h, c] = cell.forward(fl.randn([3, 10])); // state defaults to zeros
 */
export class LSTMCell extends CellBase {
  constructor(inputSize: number, hiddenSize: number, opts: CellOptions = {}) {
    checkArgs(NN.LSTMCell, [inputSize, hiddenSize, opts], arguments.length);
    super('LSTMCell', 'lstm', inputSize, hiddenSize, opts);
  }
  /** Next [h, c]; the state defaults to zeros. */
  forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, Tensor] {
    return this.run(input, hx) as [Tensor, Tensor];
  }
}

/**
 * A GRU cell with torch's gate order (reset, update, new).
 * @example
 * const cell = new nn.GRUCell(10, 20);
 * const h = cell.forward(fl.randn([3, 10]), fl.zeros([3, 20]));
 */
export class GRUCell extends CellBase {
  constructor(inputSize: number, hiddenSize: number, opts: CellOptions = {}) {
    checkArgs(NN.GRUCell, [inputSize, hiddenSize, opts], arguments.length);
    super('GRUCell', 'gru', inputSize, hiddenSize, opts);
  }
  /** Next hidden state; `hx` defaults to zeros. */
  forward(input: Tensor, hx?: Tensor | null): Tensor {
    return this.run(input, hx ? [hx] : null)[0];
  }
}

// Public methods check their arguments against their specs (check/specs/methods.ts) first.
guardMethods(RNNCell, forwardOf('RNNCell', RECURRENT_FORWARD.RNNCell));
guardMethods(LSTMCell, forwardOf('LSTMCell', RECURRENT_FORWARD.LSTMCell));
guardMethods(GRUCell, forwardOf('GRUCell', RECURRENT_FORWARD.GRUCell));
