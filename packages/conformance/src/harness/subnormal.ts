/**
 * Which cases need subnormal float32 arithmetic (`needs.subnormals`): GLSL ES 3.0 and WGSL let a
 * GPU flush subnormals to zero, so a device declaring `caps.flushesSubnormals` cannot give a
 * case's answer when its inputs hold float32 subnormals, or when it expects subnormal results
 * exactly. Told from the case's data alone; a case whose subnormals only appear in intermediates
 * stays visible as a failure.
 */
const SMALLEST_NORMAL_F32 = 2 ** -126;

/** Whether `v` is a nonzero value that float32 holds only as a subnormal. */
export function isSubnormal32(v: unknown): boolean {
  return (
    typeof v === 'number' && v !== 0 && Math.abs(v) < SMALLEST_NORMAL_F32 && Math.fround(v) !== 0
  );
}

/** Whether any float tensor spec (`{ dtype, data }`) inside `x` holds a float32 subnormal. */
export function holdsSubnormal(x: unknown, depth = 0): boolean {
  if (depth > 8 || typeof x !== 'object' || x === null) return false;
  if (Array.isArray(x)) return x.some((e) => holdsSubnormal(e, depth + 1));
  const o = x as { dtype?: unknown; data?: unknown };
  if ((o.dtype === 'float32' || o.dtype === 'float64') && Array.isArray(o.data))
    return o.data.some(isSubnormal32);
  return Object.values(o).some((e) => holdsSubnormal(e, depth + 1));
}

/**
 * `{ subnormals: true }` where a case needs subnormal arithmetic, else nothing (spread into
 * `needs`): its inputs hold float32 subnormals (a flushing device sees zeros), or it expects
 * subnormal results with an absolute tolerance too small to take a zero for them.
 */
export function subnormalNeeds(
  inputs: unknown,
  tol?: { atol?: number },
  expected?: unknown,
): { subnormals?: true } {
  const strict = (tol?.atol ?? Infinity) < SMALLEST_NORMAL_F32;
  return holdsSubnormal(inputs) || (strict && holdsSubnormal(expected)) ? { subnormals: true } : {};
}
