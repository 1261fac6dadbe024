/** Shape arithmetic shared by core and backends: strides, broadcasting, dim normalisation. */
import { ShapeError, fmtShape } from './errors.js';
import { describe } from './check/describe.js';

/** Number of elements of a shape (1 for `[]`). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major element strides of `shape` (the last dim has stride 1). */
export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

export function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== acc) return false;
    acc *= shape[i]!;
  }
  return true;
}

/** NumPy/PyTorch broadcasting of two or more shapes. */
export function broadcastShapes(op: string, ...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = rank - s.length + i;
      const d = s[i]!;
      if (d === out[j] || d === 1) continue;
      if (out[j] === 1) out[j] = d;
      else
        throw new ShapeError(
          `${op}: shapes ${shapes.map(fmtShape).join(' and ')} cannot be broadcast: ` +
            `dimension ${j - rank} has sizes ${out[j]} and ${d} (each must be equal or 1)`,
        );
    }
  }
  return out;
}

/** Map a possibly negative dim into [0, rank). */
export function normDim(op: string, dim: number, rank: number): number {
  // A 0-d tensor takes dims −1 and 0, as in torch.
  const r = Math.max(rank, 1);
  if (!Number.isInteger(dim) || dim < -r || dim >= r)
    throw new ShapeError(
      `${op}: dim ${describe(dim)} is out of range for a tensor of rank ${rank} (valid: ${-r} to ${r - 1})`,
    );
  return dim < 0 ? dim + r : dim;
}

/** Normalise, sort and de-duplicate a list of dims (undefined → all dims). */
export function normDims(
  op: string,
  dims: number | readonly number[] | undefined | null,
  rank: number,
): number[] {
  if (dims === undefined || dims === null) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof dims === 'number' ? [dims] : dims;
  const out = list.map((d) => (rank === 0 ? (normDim(op, d, 0), 0) : normDim(op, d, rank)));
  const uniq = [...new Set(out)].sort((a, b) => a - b);
  if (uniq.length !== out.length)
    throw new ShapeError(`${op}: dim ${describe(list)} repeats a dimension`);
  return rank === 0 ? [] : uniq;
}

export function checkShape(op: string, shape: readonly number[]): number[] {
  for (const d of shape)
    if (!Number.isInteger(d) || d < 0)
      throw new ShapeError(
        `${op}: invalid shape ${describe(shape)}: sizes must be non-negative integers`,
      );
  return shape.slice();
}

export function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Whether two elements of the view may share a memory position (a zero stride of a dim longer
 * than 1, as in expanded tensors, or strides that interleave). Dims sorted by |stride|: each must
 * step past everything the inner ones reach, which every view Flint's view ops make does.
 */
export function mayOverlap(shape: readonly number[], strides: readonly number[]): boolean {
  const dims = shape
    .map((n, i) => [n, Math.abs(strides[i]!)] as const)
    .filter(([n]) => n > 1)
    .sort((a, b) => a[1] - b[1]);
  let reach = 0;
  for (const [n, s] of dims) {
    if (s <= reach || s === 0) return true;
    reach += s * (n - 1);
  }
  return false;
}
