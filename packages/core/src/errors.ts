/**
 * Typed errors. Every message names the op, the shapes/dtypes/devices involved and what would be
 * valid, so a user can fix the call without reading Flint's source.
 */
export class FlintError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
/** Shapes that cannot be combined, out-of-range dims or indices, bad sizes. */
export class ShapeError extends FlintError {}
/** A dtype the op does not accept, or an impossible conversion. */
export class DTypeError extends FlintError {}
/** Tensors on different devices, or an unknown device. */
export class DeviceError extends FlintError {}
/** Use of a tensor after `dispose()`. */
export class DisposedTensorError extends FlintError {}
/** A backend failed, is missing a capability, or was used after disposal. */
export class BackendError extends FlintError {}
/** A malformed file or buffer (safetensors, IDX). */
export class FormatError extends FlintError {}
/** Autograd misuse: backward twice through a freed graph, grad of a non-scalar without a gradient. */
export class GradError extends FlintError {}
/**
 * A public function or constructor called with the wrong kind of argument (a number where an
 * options object belongs, an unknown option, NaN or a fraction where an integer belongs, a string
 * outside its allowed set): Flint's TypeError. Thrown by the run-time checks in `check/`.
 */
export class ArgumentError extends FlintError {}
/**
 * A file-system failure of `fl.save`/`fl.load`: a missing path, a directory, FIFO or device where
 * a regular file belongs, a permission or disk error. `path` is the file, `code` the OS error code
 * (`ENOENT`, `EACCES`, …) when there is one.
 */
export class IOError extends FlintError {
  constructor(
    message: string,
    readonly path?: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export function fmtShape(s: readonly number[]): string {
  return `[${s.join(',')}]`;
}
