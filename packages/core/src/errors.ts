/**
 * Typed errors. Every message names the op, the shapes/dtypes/devices involved and what would be
 * valid, so a user can fix the call without reading Flint's source.
 */
export class FlintError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target === FlintError ? 'FlintError' : new.target.name;
  }
}
// Each class below spells its name: minifiers rename classes in browser bundles, and `e.name`
// (and the first line of a stack trace) must still say which error it is.
/** Shapes that cannot be combined, out-of-range dims or indices, bad sizes. */
export class ShapeError extends FlintError {
  /** Always `'ShapeError'`, so the error type survives minification. */
  override name = 'ShapeError';
}
/** A dtype the op does not accept, or an impossible conversion. */
export class DTypeError extends FlintError {
  /** Always `'DTypeError'`, so the error type survives minification. */
  override name = 'DTypeError';
}
/** Tensors on different devices, or an unknown device. */
export class DeviceError extends FlintError {
  /** Always `'DeviceError'`, so the error type survives minification. */
  override name = 'DeviceError';
}
/** Use of a tensor after `dispose()`. */
export class DisposedTensorError extends FlintError {
  /** Always `'DisposedTensorError'`, so the error type survives minification. */
  override name = 'DisposedTensorError';
}
/** A backend failed, is missing a capability, or was used after disposal. */
export class BackendError extends FlintError {
  /** Always `'BackendError'`, so the error type survives minification. */
  override name = 'BackendError';
}
/** A malformed file or buffer (safetensors, IDX). */
export class FormatError extends FlintError {
  /** Always `'FormatError'`, so the error type survives minification. */
  override name = 'FormatError';
}
/** Autograd misuse: backward twice through a freed graph, grad of a non-scalar without a gradient. */
export class GradError extends FlintError {
  /** Always `'GradError'`, so the error type survives minification. */
  override name = 'GradError';
}
/**
 * A public function or constructor called with the wrong kind of argument (a number where an
 * options object belongs, an unknown option, NaN or a fraction where an integer belongs, a string
 * outside its allowed set): Flint's TypeError. Thrown by the run-time checks in `check/`.
 */
export class ArgumentError extends FlintError {
  /** Always `'ArgumentError'`, so the error type survives minification. */
  override name = 'ArgumentError';
}
/**
 * A file-system failure of `fl.save`/`fl.load`: a missing path, a directory, FIFO or device where
 * a regular file belongs, a permission or disk error. `path` is the file, `code` the OS error code
 * (`ENOENT`, `EACCES`, …) when there is one.
 */
export class IOError extends FlintError {
  /** Always `'IOError'`, so the error type survives minification. */
  override name = 'IOError';
  constructor(
    message: string,
    /** The file the failed operation was on, if known. */
    readonly path?: string,
    /** The OS error code, e.g. `'ENOENT'`, if known. */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** A shape as error messages print it: `[2,3]`. */
export function fmtShape(s: readonly number[]): string {
  return `[${s.join(',')}]`;
}
