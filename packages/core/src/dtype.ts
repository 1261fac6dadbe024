/**
 * Data types and PyTorch's type-promotion rules.
 *
 * Categories are ordered bool < int < float; a higher category wins, and within a category the
 * wider type wins. JS numbers never widen a tensor inside its category (`int32 + 1` stays int32)
 * but can lift it to a higher one (`int32 + 1.5` is float32, the default float type).
 */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

/** Every dtype Flint supports. */
export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

/**
 * The typed arrays holding tensor data: Float32Array, Float64Array, Int32Array, and Uint8Array for
 * bool.
 */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

export type TypedArrayFor<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'int32'
      ? Int32Array
      : Uint8Array;

/** Bytes per element, as stored by every backend. */
export const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

const CTORS = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  bool: Uint8Array,
} as const;

/** A zero-filled typed array of `size` elements for `dtype` (Uint8Array for bool). */
export function typedArrayFor(dtype: DType, size: number): TypedArray {
  return new CTORS[dtype](size);
}

/** Whether `d` is float32 or float64. */
export function isFloat(d: DType): boolean {
  return d === 'float32' || d === 'float64';
}

export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && (DTYPES as readonly string[]).includes(x);
}

type Category = 0 | 1 | 2; // bool, int, float
export function category(d: DType): Category {
  return d === 'bool' ? 0 : d === 'int32' ? 1 : 2;
}

const DEFAULT_OF: Record<Category, DType> = { 0: 'bool', 1: 'int32', 2: 'float32' };

function wider(a: DType, b: DType): DType {
  if (category(a) !== category(b)) return category(a) > category(b) ? a : b;
  return BYTES[a] >= BYTES[b] ? a : b;
}

/** Category a JS value falls in when it appears as an operand. */
export function scalarCategory(v: number | boolean): Category {
  if (typeof v === 'boolean') return 0;
  return Number.isInteger(v) ? 1 : 2;
}

/**
 * Result dtype of an operation, following torch.result_type: dimensioned tensors take precedence
 * over zero-dim tensors, which take precedence over JS scalars, except when a lower-priority
 * operand belongs to a higher category.
 */
export function resultType(
  dims: readonly DType[],
  zeroDims: readonly DType[] = [],
  scalars: readonly (number | boolean)[] = [],
): DType {
  // Allocation-free: this runs once per element-wise op, on the per-op overhead's critical path.
  let cat: Category = 0;
  for (const d of dims) if (category(d) > cat) cat = category(d);
  for (const d of zeroDims) if (category(d) > cat) cat = category(d);
  for (const s of scalars) if (scalarCategory(s) > cat) cat = scalarCategory(s);
  // The first group (dims, then zero-dims) with an operand in the winning category decides;
  // scalars only ever contribute their category's default type.
  return widestIn(dims, cat) ?? widestIn(zeroDims, cat) ?? DEFAULT_OF[cat];
}

/** The widest of `ds` in category `cat`, or undefined when none is in it. */
function widestIn(ds: readonly DType[], cat: Category): DType | undefined {
  let w: DType | undefined;
  for (const d of ds) if (category(d) === cat) w = w === undefined ? d : wider(w, d);
  return w;
}

/** Promote for arithmetic: bool operands compute as int32. */
export function arithmeticType(d: DType): DType {
  return d === 'bool' ? 'int32' : d;
}

/** Float type used when an int/bool tensor goes through a float-only op. */
export function floatType(d: DType): DType {
  return isFloat(d) ? d : 'float32';
}

/** Round a JS number the way storing it in `dtype` does. */
export function coerce(v: number, dtype: DType): number {
  switch (dtype) {
    case 'float32':
      return Math.fround(v);
    case 'float64':
      return v;
    case 'int32':
      return Number.isFinite(v) ? Math.trunc(v) | 0 : 0;
    case 'bool':
      return v !== 0 ? 1 : 0; // NaN is truthy in torch too
  }
}
