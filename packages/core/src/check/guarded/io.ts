/**
 * `fl.io` (and `fl.save`/`fl.load`) as exported: io/index.ts with each function guarded. The
 * specs check kinds and option names only; what a state dict, a path or a file may hold is
 * checked by io itself (FormatError, IOError), which knows the format.
 */
import { platform } from '#platform';
import * as IO from '../../io/index.js';
import { sourceWhat } from '../../io/sources.js';
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

/** Stands in for a class this runtime lacks: nothing is an instance of it. */
class Absent {}
/** A class of the web platform (Blob, Response, …), looked up when checked. */
const web = (name: string, what: string) =>
  instanceOf(() => ((globalThis as Record<string, unknown>)[name] as object) ?? Absent, what);

const url = instanceOf(() => URL, 'a URL');
const path = named(or(string, url), platform.pathWhat);
const source = named(
  or(
    string,
    url,
    web('Request', 'a Request'),
    web('Response', 'a Response'),
    web('Blob', 'a Blob'),
    web('ReadableStream', 'a ReadableStream'),
    instanceOf(() => Uint8Array, 'a Uint8Array'),
    instanceOf(() => ArrayBuffer, 'an ArrayBuffer'),
  ),
  sourceWhat(),
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

export const save = fn(
  'fl.save',
  { stateDict: tensors, path: nullable(path), metadata },
  IO.save,
  true,
);
export const load = fn('fl.load', { source, options: loadOptions }, IO.load, true);
export const loadWithMetadata = fn(
  'io.loadWithMetadata',
  { source, options: loadOptions },
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
