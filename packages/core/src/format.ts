/** PyTorch-like printing: values (summarised when large), then shape, dtype and device. */
import type { Tensor } from './tensor.js';

const THRESHOLD = 1000;
const EDGE = 3;

function fmtNumber(v: number, dtype: string, fixed: number | null): string {
  if (dtype === 'bool') return v ? 'True' : 'False';
  if (dtype === 'int32') return String(v);
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (fixed === null) return v.toExponential(4);
  const s = v.toFixed(fixed);
  return fixed === 0 ? `${s}.` : s;
}

/** Decimal places for the whole tensor: 0 for integral values, up to 4, or scientific (null). */
function pickFormat(values: ArrayLike<number>): number | null {
  let maxAbs = 0;
  let minAbs = Infinity;
  let integral = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    const a = Math.abs(v);
    if (a > maxAbs) maxAbs = a;
    if (a > 0 && a < minAbs) minAbs = a;
    if (v !== Math.trunc(v)) integral = false;
  }
  if (integral && maxAbs < 1e8) return 0;
  if (maxAbs >= 1e8 || (minAbs < 1e-4 && minAbs !== Infinity)) return null;
  return 4;
}

export function formatTensor(t: Tensor): string {
  if (t.disposed) return 'tensor(<disposed>)';
  const data = t.dataSync();
  const summarise = t.size > THRESHOLD;
  const fixed = t.dtype === 'float32' || t.dtype === 'float64' ? pickFormat(data) : 0;
  const strs = Array.from(data, (v) => fmtNumber(v, t.dtype, fixed));
  const width = Math.max(0, ...strs.map((s) => s.length));
  const strides = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const indent = 'tensor('.length;
  const rec = (dim: number, base: number): string => {
    if (dim === t.ndim) return strs[base]!.padStart(width);
    const n = t.shape[dim]!;
    const idx =
      summarise && n > 2 * EDGE ? [...range(0, EDGE), -1, ...range(n - EDGE, n)] : range(0, n);
    const parts = idx.map((i) => (i < 0 ? '...' : rec(dim + 1, base + i * strides[dim]!)));
    const sep =
      dim === t.ndim - 1
        ? ', '
        : ',' + '\n'.repeat(t.ndim - dim - 1) + ' '.repeat(indent + dim + 1);
    return `[${parts.join(sep)}]`;
  };
  const body = t.ndim === 0 ? strs[0]! : rec(0, 0);
  return `tensor(${body}, shape=[${t.shape.join(', ')}], dtype=${t.dtype}, device=${t.device})`;
}

function range(a: number, b: number): number[] {
  return Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);
}
