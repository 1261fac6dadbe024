/**
 * `@flint/core/backend`: everything a backend author needs — the contract, the primitive table
 * with its reference functions, dtype helpers and the shared Threefry generator.
 */
export type * from './types.js';
export {
  PRIMS,
  PRIM_NAMES,
  namesOfKind,
  acceptsDType,
  reduceDType,
  roundHalfEven,
  erf,
  floatPow,
  remainder,
  intPow,
  sortCompare,
} from '../prims.js';
export type { DTypeSet } from '../prims.js';
export { BYTES, DTYPES, typedArrayFor, isFloat, coerce } from '../dtype.js';
export type { DType, TypedArray } from '../dtype.js';
export { threefry2x32, randomWord } from '../random.js';
export { BackendError, ShapeError, DTypeError } from '../errors.js';
export { contiguousStrides, sizeOf } from '../shape.js';
export { kview } from './kview.js';
