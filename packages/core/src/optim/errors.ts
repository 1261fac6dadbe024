/** The optimizer family's typed error and the option check every optimizer and scheduler uses. */
import { FlintError } from '../errors.js';

/** Bad optimizer or scheduler arguments: an option out of range, or a state dict that does not fit. */
export class OptimizerError extends FlintError {
  // Spelled out: minifiers rename classes, and the name is what users match on.
  /** Always `'OptimizerError'`, so the error type survives minification. */
  override name = 'OptimizerError';
}

/**
 * Throw an OptimizerError unless `ok`, naming where (optimizer and group), the option, the value
 * given and what would be valid.
 * @internal
 */
export function need(ok: boolean, where: string, key: string, value: unknown, valid: string): void {
  if (!ok)
    throw new OptimizerError(
      `${where}: invalid ${key} ${fmtValue(value)}; ${key} must be ${valid}`,
    );
}

function fmtValue(v: unknown): string {
  if (typeof v === 'number') return String(v); // JSON.stringify would print NaN and Infinity as null
  return JSON.stringify(v) ?? String(v);
}
