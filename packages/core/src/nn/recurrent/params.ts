/** Parameter registration and initialisation shared by the recurrent cells and layers. */
import { isFloat } from '../../dtype.js';
import { DTypeError, ShapeError } from '../../errors.js';
import { noGrad } from '../../autograd/mode.js';
import { zeros } from '../../ops/creation.js';
import type { Tensor } from '../../tensor.js';
import type { Module } from '../module.js';
import type { FactoryOptions } from '../layers/common.js';
import type { CellWeights } from './steps.js';

export function checkFactory(op: string, f: FactoryOptions): void {
  if (f.dtype !== undefined && !isFloat(f.dtype))
    throw new DTypeError(`${op}: parameters must be float32 or float64, got dtype ${f.dtype}`);
}

export function checkSizes(op: string, sizes: Record<string, number>): void {
  for (const [k, v] of Object.entries(sizes))
    if (!Number.isInteger(v) || v <= 0)
      throw new ShapeError(`${op}: ${k} must be a positive integer, got ${v}`);
}

/**
 * Register weight_ih{suffix}, weight_hh{suffix}, bias_ih{suffix}, bias_hh{suffix} in torch's
 * order (the order of the state dict) and return them.
 */
export function registerCell(
  m: Module,
  suffix: string,
  shape: { input: number; hidden: number; gates: number; bias: boolean },
  f: FactoryOptions,
): CellWeights {
  const make = (name: string, dims: number[]) =>
    m.registerParameter(
      `${name}${suffix}`,
      zeros(dims, { dtype: f.dtype ?? 'float32', device: f.device }),
    )!;
  const rows = shape.gates * shape.hidden;
  return {
    weightIh: make('weight_ih', [rows, shape.input]),
    weightHh: make('weight_hh', [rows, shape.hidden]),
    biasIh: shape.bias ? make('bias_ih', [rows]) : null,
    biasHh: shape.bias ? make('bias_hh', [rows]) : null,
  };
}

/** torch's default for every recurrent parameter: U(−1/√hidden, 1/√hidden). */
export function resetUniform(params: readonly Tensor[], hidden: number): void {
  const k = 1 / Math.sqrt(hidden);
  noGrad(() => params.forEach((p) => p.uniform_(-k, k)));
}

export function cellParams(w: CellWeights): Tensor[] {
  return [w.weightIh, w.weightHh, w.biasIh, w.biasHh].filter((t): t is Tensor => t !== null);
}
