/**
 * What the layers share: parameter creation with torch's factory options (dtype, device) and
 * torch-style `extraRepr` formatting, so `toString()` reads like PyTorch's printout (with JS's
 * `true`/`false`/`null`).
 */
import type { DType } from '../../dtype.js';
import { DTypeError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { full } from '../../ops/creation.js';
import { Parameter } from '../module.js';

/** Where a layer's parameters and buffers live (torch's factory kwargs). */
export interface FactoryOptions {
  /** Parameter dtype (default float32). */
  dtype?: DType;
  /** Device name (default: the default device). */
  device?: string;
}

/** A tensor filled with `value`, placed per the factory options. */
export function filled(shape: readonly number[], value: number, opts: FactoryOptions): Tensor {
  if (opts.dtype !== undefined && opts.dtype !== 'float32' && opts.dtype !== 'float64')
    throw new DTypeError(
      `nn: layer parameters must be float32 or float64, got dtype ${opts.dtype}`,
    );
  return full(shape, value, { dtype: opts.dtype ?? 'float32', device: opts.device });
}

/** A fresh parameter (zero-filled until the layer's resetParameters runs). */
export function param(shape: readonly number[], opts: FactoryOptions, value = 0): Tensor {
  return Parameter(filled(shape, value, opts));
}

/** Python's repr of a float: `1e-05`, `0.1`, `1.0`. */
export function pyFloat(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return `${v}.0`;
  const exp = Math.floor(Math.log10(Math.abs(v)));
  if (exp >= -4 && exp < 16) return String(v);
  const [mant, e] = v.toExponential().split('e') as [string, string];
  const sign = e.startsWith('-') ? '-' : '+';
  return `${mant}e${sign}${e.replace(/^[+-]/, '').padStart(2, '0')}`;
}

/** A hyperparameter as torch prints it: ints as is, tuples as `(3, 3)` or `(3,)`. */
export function pyValue(v: number | string | boolean | null | readonly (number | null)[]): string {
  if (Array.isArray(v))
    return v.length === 1 ? `(${String(v[0])},)` : `(${v.map(String).join(', ')})`;
  return String(v);
}
