/**
 * Structural kernels: contiguous (materialise a view), fill, constant pad, stridedWrite (a copy
 * with a view replaced), and gather / scatterAdd along one axis. Core validates indices before calling these; the kernels check
 * again where a bad index would write out of bounds, because a silent out-of-range write into a
 * shared typed array would corrupt an unrelated tensor.
 */
import { BackendError, coerce, contiguousStrides, sizeOf } from '@flint/core/backend';
import type { KernelSignatures, TypedArray } from '@flint/core/backend';
import { collapse, forEachRow } from '../strided.js';
import type { Alloc, Release, View } from '../types.js';
import { mapInto } from './codegen.js';
import { COPY, copyOf } from './elementwise.js';

type Sig = KernelSignatures<TypedArray>;

function badIndex(op: string, v: number, len: number, axis: number): BackendError {
  return new BackendError(
    `cpu: ${op} index ${v} is out of range for axis ${axis} of size ${len} (valid: 0 to ${len - 1})`,
  );
}

/** x's strides with `axis` zeroed: the index value supplies that coordinate instead. */
function dropAxis(strides: readonly number[], axis: number): number[] {
  return strides.map((s, i) => (i === axis ? 0 : s));
}

const padKernel =
  (alloc: Alloc): Sig['pad'] =>
  (x, widths, value) => {
    const outShape = x.shape.map((d, i) => widths[i]![0] + d + widths[i]![1]);
    const out = alloc(x.dtype, sizeOf(outShape));
    out.fill(coerce(value, x.dtype));
    const outStrides = contiguousStrides(outShape);
    const start = widths.reduce((acc, w, i) => acc + w[0] * outStrides[i]!, 0);
    // The interior is x copied into a strided window of the output.
    mapInto(COPY, out, start, outStrides, x.shape, [x]);
    return out;
  };

function gatherRows(x: View, index: View, axis: number, out: TypedArray): void {
  const X = x.buf,
    I = index.buf;
  const len = x.shape[axis] ?? 1,
    sa = x.strides[axis] ?? 0;
  const c = collapse(index.shape, [
    contiguousStrides(index.shape),
    index.strides,
    dropAxis(x.strides, axis),
  ]);
  const last = c.shape.length - 1;
  const [so, si, sx] = c.strides.map((s) => s[last]!) as [number, number, number];
  forEachRow(c, [0, index.offset, x.offset], (pos, n) => {
    let op = pos[0]!,
      ip = pos[1]!,
      xp = pos[2]!;
    for (let j = 0; j < n; j++, op += so, ip += si, xp += sx) {
      const v = I[ip]!;
      if (v < 0 || v >= len) throw badIndex('gather', v, len, axis);
      out[op] = X[xp + v * sa]!;
    }
  });
}

const gatherKernel =
  (alloc: Alloc, release: Release): Sig['gather'] =>
  (x, index, axis) => {
    const out = alloc(x.dtype, sizeOf(index.shape));
    if (out.length === 0) return out;
    return guarded(out, release, (o) => gatherRows(x, index, axis, o));
  };

/** How scatterAdd combines: float add (rounded on store), int32 wrapping add, bool or. */
const FLOAT = 0;
const INT = 1;
const BOOL = 2;

function scatterRows(x: View, index: View, src: View, axis: number, out: TypedArray): void {
  const I = index.buf,
    S = src.buf;
  const mode = x.dtype === 'int32' ? INT : x.dtype === 'bool' ? BOOL : FLOAT;
  const outStrides = contiguousStrides(x.shape);
  const len = x.shape[axis] ?? 1,
    sa = outStrides[axis] ?? 0;
  const c = collapse(index.shape, [index.strides, src.strides, dropAxis(outStrides, axis)]);
  const last = c.shape.length - 1;
  const [si, ss, so] = c.strides.map((s) => s[last]!) as [number, number, number];
  forEachRow(c, [index.offset, src.offset, 0], (pos, n) => {
    let ip = pos[0]!,
      sp = pos[1]!,
      op = pos[2]!;
    for (let j = 0; j < n; j++, ip += si, sp += ss, op += so) {
      const v = I[ip]!;
      if (v < 0 || v >= len) throw badIndex('scatterAdd', v, len, axis);
      const o = op + v * sa;
      if (mode === FLOAT) out[o] += S[sp]!;
      else if (mode === INT) out[o] = (out[o]! + S[sp]!) | 0;
      else out[o] = out[o]! | S[sp]!;
    }
  });
}

/** Runs `fill(out)`, releasing `out` if it throws, so a rejected call leaks no buffer. */
function guarded(out: TypedArray, release: Release, fill: (out: TypedArray) => void): TypedArray {
  try {
    fill(out);
  } catch (e) {
    release(out);
    throw e;
  }
  return out;
}

const scatterAddKernel =
  (alloc: Alloc, release: Release): Sig['scatterAdd'] =>
  (x, index, src, axis) =>
    guarded(copyOf(alloc, x), release, (out) => scatterRows(x, index, src, axis, out));

/**
 * A copy of base with the view (values' shape, `strides`, `offset`) replaced by values. Core
 * checks the geometry; it is checked again here because a write outside the copy would land in
 * whatever the pool hands out next.
 */
const stridedWriteKernel =
  (alloc: Alloc, release: Release): Sig['stridedWrite'] =>
  (base, values, strides, offset) => {
    const out = copyOf(alloc, base);
    let lo = offset,
      hi = offset;
    values.shape.forEach((d, i) => {
      const s = (d - 1) * strides[i]!;
      if (d === 0) lo = Infinity;
      else if (s < 0) lo += s;
      else hi += s;
    });
    if (lo === Infinity) return out;
    if (lo < 0 || hi >= out.length || strides.length !== values.shape.length) {
      release(out);
      throw new BackendError(
        `cpu: stridedWrite view (offset ${offset}, strides [${strides.join(',')}]) reaches ` +
          `outside a base of ${out.length} elements`,
      );
    }
    mapInto(COPY, out, offset, strides, values.shape, [values]);
    return out;
  };

export function indexingKernels(alloc: Alloc, release: Release) {
  const contiguous: Sig['contiguous'] = (x) => copyOf(alloc, x);
  const fill: Sig['fill'] = (shape, dtype, value) =>
    alloc(dtype, sizeOf(shape)).fill(coerce(value, dtype));
  return {
    contiguous,
    fill,
    pad: padKernel(alloc),
    stridedWrite: stridedWriteKernel(alloc, release),
    gather: gatherKernel(alloc, release),
    scatterAdd: scatterAddKernel(alloc, release),
  };
}
