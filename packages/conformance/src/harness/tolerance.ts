/** Tolerances: the backend declares them per dtype in caps; a case may only tighten them. */
import type { Caps, DType, Tolerance } from '@flint/core/backend';

/** Used when a backend's caps say nothing for a dtype. */
export const DEFAULT_TOLERANCE: Readonly<Record<DType, Tolerance>> = {
  float32: { rtol: 1e-5, atol: 1e-6 },
  float64: { rtol: 1e-10, atol: 1e-12 },
  int32: { rtol: 0, atol: 0 },
  bool: { rtol: 0, atol: 0 },
};

export function toleranceFor(caps: Caps, dtype: DType, tighter?: Partial<Tolerance>): Tolerance {
  const base = caps.tolerance[dtype] ?? DEFAULT_TOLERANCE[dtype];
  return {
    rtol: Math.min(base.rtol, tighter?.rtol ?? Infinity),
    atol: Math.min(base.atol, tighter?.atol ?? Infinity),
  };
}
