/**
 * `fl.io` (and `fl.save`/`fl.load`) as exported: io/index.ts with each function guarded. The
 * specs check kinds and option names only; what a state dict, a path or a file may hold is
 * checked by io itself (FormatError, IOError), which knows the format.
 */
import * as IO from '../../io/index.js';
import { guard, sig } from '../args.js';
import {
  device,
  instanceOf,
  named,
  nullable,
  object,
  optional,
  options,
  or,
  string,
  type Spec,
} from '../spec.js';

export * from '../../io/index.js';

const path = named(
  or(
    string,
    instanceOf(() => URL, 'a URL'),
  ),
  'a path (a string or a file: URL)',
);
const loadOptions = nullable(options({ device }));
/** A state dict ({ name: Tensor }) or a Module; io says which entries are wrong. */
const tensors = named(object, 'a state dict (an object of Tensors)');
const metadata = optional(named(object, 'an object of string metadata'));
const bytes = named(
  or(
    instanceOf(() => Uint8Array, 'a Uint8Array'),
    instanceOf(() => ArrayBuffer, 'an ArrayBuffer'),
  ),
  'a Uint8Array or an ArrayBuffer',
);
const fn = <F extends (...a: never[]) => unknown>(
  name: string,
  params: Record<string, Spec>,
  f: F,
  async = false,
): F => guard(sig(name, params, { async }), f);

export const save = fn('fl.save', { stateDict: tensors, path, metadata }, IO.save, true);
export const load = fn('fl.load', { path, options: loadOptions }, IO.load, true);
export const loadWithMetadata = fn(
  'io.loadWithMetadata',
  { path, options: loadOptions },
  IO.loadWithMetadata,
  true,
);
export const serialize = fn('io.serialize', { tensors, metadata }, IO.serialize);
export const saveToBuffer = fn('io.saveToBuffer', { tensors, metadata }, IO.saveToBuffer);
export const deserialize = fn('io.deserialize', { bytes, options: loadOptions }, IO.deserialize);
export const loadFromBuffer = fn(
  'io.loadFromBuffer',
  { bytes, options: loadOptions },
  IO.loadFromBuffer,
);
