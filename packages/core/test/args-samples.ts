/**
 * Sample arguments derived from specs, for the tests that walk the exports: a value each spec
 * accepts (so the arguments before the one under test pass), and a pool of wrong values from
 * which each spec's rejected ones are taken.
 */
import * as fl from '@flint/core';
import type { Spec } from '../src/check/spec.js';

/** Values that are wrong for most parameters; each test keeps those its spec rejects. */
export const WRONG: readonly unknown[] = [
  undefined,
  null,
  NaN,
  Infinity,
  -1,
  0.5,
  2 ** 60,
  'bogus',
  '1',
  true,
  {},
  { bogus: 1 },
  { p: 0.5 },
  [],
  [0.5],
  ['x'],
  [{}],
  () => 0,
  Symbol('s'),
  10n,
  new Date(0),
  new Map(),
  'x'.repeat(100_000),
];

let shared: fl.Tensor | undefined;
/** One tensor for every sample (made on first use, once a backend is registered). */
function aTensor(): fl.Tensor {
  if (!shared || shared.disposed) shared = fl.keep(fl.ones([2, 2]));
  return shared;
}

/** Instances for `instanceOf` specs and duck-typed kinds, by the spec's phrase or kind. */
function instanceFor(s: Spec): unknown {
  switch (s.what) {
    case 'a Module':
      return new fl.nn.ReLU();
    case 'a URL':
      return new URL('file:///nonexistent/flint-args-test');
    case 'a Uint8Array':
      return new Uint8Array(4);
    case 'an ArrayBuffer':
      return new ArrayBuffer(4);
    case 'a RegExp':
      return /x/;
    case 'an optimizer':
      return new fl.optim.SGD([fl.nn.Parameter(fl.zeros([1]))]);
    case 'a TransformerEncoderLayer':
      return new fl.nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 4 });
    case 'a TransformerDecoderLayer':
      return new fl.nn.TransformerDecoderLayer(4, 2, { dimFeedforward: 4 });
  }
  throw new Error(
    `no sample instance for spec '${s.what}' (${s.kind}): add one to args-samples.ts`,
  );
}

/** A value `s` accepts. */
export function good(s: Spec): unknown {
  const v = sample(s);
  if (!s.test(v)) throw new Error(`the sample for spec '${s.what}' (${s.kind}) fails its own test`);
  return v;
}

function sample(s: Spec): unknown {
  if (s.optional && s.kind !== 'options') return undefined;
  switch (s.kind) {
    case 'tensor':
    case 'operand':
      return aTensor();
    case 'any':
    case 'number':
    case 'finite':
    case 'nonNegative':
    case 'positive':
    case 'int':
    case 'nonNegInt':
    case 'posInt':
    case 'dim':
    case 'scalar':
    case 'shapeArg':
      return 1;
    case 'probability':
      return 0.5;
    case 'bool':
      return true;
    case 'string':
    case 'device':
      return 'x';
    case 'func':
      return () => 0;
    case 'object':
    case 'recordOf':
      return {};
    case 'typedArray':
      return new Float32Array(1);
    case 'oneOf':
    case 'dtype':
      return s.values![0];
    case 'shape':
    case 'sizes':
    case 'intList':
      return [1];
    case 'arrayOf':
    case 'iterable':
      return [];
    case 'required':
    case 'optional':
    case 'nullable':
      return good(s.parts![0]!);
    case 'or':
      return good(s.parts![0]!);
    case 'options':
      return Object.fromEntries(
        Object.entries(s.fields!)
          .filter(([, f]) => f.kind === 'required')
          .map(([k, f]) => [k, good(f)]),
      );
    case 'instanceOf':
      return instanceFor(s);
    case 'module':
      return new fl.nn.ReLU();
    case 'dataset':
      return new fl.data.TensorDataset(fl.ones([2]));
    case 'schedulable':
      return new fl.optim.SGD([fl.nn.Parameter(fl.zeros([1]))]);
    case 'scheduler':
      return { step: () => undefined };
    case 'backend':
      return { name: 'not-registered', kernels: {} };
  }
  throw new Error(`no sample for spec kind ${s.kind}: add one to args-samples.ts`);
}
