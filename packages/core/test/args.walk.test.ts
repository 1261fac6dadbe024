/**
 * Walks every export of @flint/core (fl, nn, nn.functional, nn.init, nn.utils, optim and its
 * schedulers, data, io, metrics, Model and the callbacks), every Tensor method and Model's
 * methods: each must have a signature (or sit in the reviewed allow-list below), and each is fed
 * wrong kinds of arguments, one parameter at a time (and one argument too many), from its spec.
 * Every call must throw a typed FlintError whose bounded message names the call.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import { type Sig, sigOf, signatures } from '../src/check/args.js';
import { good, WRONG } from './args-samples.js';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const backend = cpuBackend({ name: 'cpu' });
beforeAll(() => fl.use(backend));
afterAll(() => fl.removeBackend(backend.name));

/** Exports that take no spec, each with the reason it was reviewed. */
const ALLOWED: Record<string, string> = {
  'fl.Tensor': 'constructor checked by check/view.ts (checkView), tested in view.check.test.ts',
  'fl.config': 'checked by the table of options in config.ts, with its own typed errors',
  'fl.optim.Optimizer': 'abstract base; its constructor is protected and each subclass checks',
  'fl.data.CharDataset': 'private constructor; CharDataset.fromWords/fromWordList are guarded',
};
const ERROR_CLASS = /Error$/;

interface Export {
  path: string;
  value: (...a: unknown[]) => unknown;
  isClass: boolean;
}

function isNamespace(v: unknown): v is Record<string, unknown> {
  return Object.prototype.toString.call(v) === '[object Module]';
}

/** Every function and class reachable from `fl`, once each (the first path that reaches it). */
function exportsOf(): Export[] {
  const out: Export[] = [];
  const seen = new Set<unknown>();
  const walk = (ns: Record<string, unknown>, path: string) => {
    for (const k of Object.keys(ns).sort()) {
      const v = ns[k];
      if (isNamespace(v)) walk(v, `${path}.${k}`);
      else if (typeof v === 'function' && !seen.has(v)) {
        seen.add(v);
        const isClass = /^class[\s{]/.test(Function.prototype.toString.call(v));
        out.push({ path: `${path}.${k}`, value: v as Export['value'], isClass });
      }
    }
  };
  walk(fl as unknown as Record<string, unknown>, 'fl');
  return out;
}

/** The signature name a class's constructor is declared under: fl.nn.Linear → nn.Linear. */
function constructorCall(path: string): string {
  const name = path.split('.').pop()!;
  if (path.startsWith('fl.nn.')) return `nn.${name}`;
  if (path.startsWith('fl.optim.')) return `optim.${name}`;
  if (path.startsWith('fl.data.')) return `data.${name}`;
  return name;
}

const EXPORTS = exportsOf();

/**
 * Methods declared `private` or `protected` in core's sources: internal, called by core with
 * arguments it made (a subclass's `validate`, a layer's `checkInput`), so they take no spec.
 */
const INTERNAL = new Set(
  readdirSync(SRC, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .flatMap((f) => [
      ...readFileSync(join(SRC, f), 'utf8').matchAll(
        /^\s+(?:private|protected)\s+(?:static\s+)?(?:override\s+)?(?:async\s+)?(\w+)\s*[(<]/gm,
      ),
    ])
    .map((m) => m[1]!),
);
/** Methods that take no spec, by name, each with the reason it was reviewed. */
const METHODS_ALLOWED: Record<string, string> = {
  onTrainBegin: 'a callback hook: Model.fit calls it with arguments it made',
  onEpochEnd: 'a callback hook: Model.fit calls it with arguments it made',
  onTrainEnd: 'a callback hook: Model.fit calls it with arguments it made',
  extraRepr: "no arguments; each layer's override of Module.extraRepr (which is guarded)",
  resetParameters: 'no arguments; re-draws a layer’s parameters (per-layer overrides)',
  resetRunningStats: 'no arguments; resets BatchNorm statistics',
  loadStateDict:
    'checks its whole input itself before changing anything, with errors naming the class (state-dict code)',
  'fl.nn.ModuleList.forward': 'always throws a FlintError: a ModuleList has no forward',
  'fl.nn.ModuleDict.forward': 'always throws a FlintError: a ModuleDict has no forward',
};

/** Own and inherited methods of an instance (up to Object.prototype), by name, first wins. */
function methodsOf(self: object): [string, (...a: unknown[]) => unknown][] {
  const out = new Map<string, (...a: unknown[]) => unknown>();
  for (
    let p = Object.getPrototypeOf(self);
    p && p !== Object.prototype;
    p = Object.getPrototypeOf(p)
  )
    for (const m of Object.getOwnPropertyNames(p)) {
      // Descriptors, not reads: the prototype's getters would run on the prototype itself.
      const v = Object.getOwnPropertyDescriptor(p, m)!.value as unknown;
      if (m !== 'constructor' && !m.startsWith('_') && typeof v === 'function' && !out.has(m))
        out.set(m, v as (...a: unknown[]) => unknown);
    }
  return [...out];
}

/** An instance of an exported class: from its constructor's sample arguments, or made here. */
function instance(path: string, e: Export): object {
  const params = () => [fl.nn.Parameter(fl.zeros([1]))];
  const sgd = () => new fl.optim.SGD(params());
  const made: Record<string, () => object> = {
    'fl.data.TensorDataset': () => new fl.data.TensorDataset(fl.ones([2])),
    'fl.data.Dataset': () => new fl.data.TensorDataset(fl.ones([2])),
    'fl.nn.Module': () => new fl.nn.Linear(1, 1),
    'fl.optim.ChainedScheduler': () =>
      new fl.optim.ChainedScheduler([new fl.optim.StepLR(sgd(), { stepSize: 1 })]),
    'fl.optim.SequentialLR': () => {
      const opt = sgd();
      const s = () => new fl.optim.StepLR(opt, { stepSize: 1 });
      return new fl.optim.SequentialLR(opt, { schedulers: [s(), s()], milestones: [1] });
    },
    'fl.optim.LRScheduler': () => new fl.optim.StepLR(sgd(), { stepSize: 1 }),
    'fl.EarlyStopping': () => new fl.EarlyStopping(),
    'fl.optim.OneCycleLR': () => new fl.optim.OneCycleLR(sgd(), { maxLr: 1, totalSteps: 10 }),
    // torch's defaults are a 44M-parameter model: seconds to build for each walk
    'fl.nn.Transformer': () =>
      new fl.nn.Transformer({
        dModel: 4,
        nhead: 2,
        numEncoderLayers: 1,
        numDecoderLayers: 1,
        dimFeedforward: 4,
      }),
  };
  if (made[path]) return made[path]();
  if (/^fl\.optim\.(SGD|Adam|AdamW|NAdam|RAdam|RMSprop|Adagrad)$/.test(path))
    return new (e.value as unknown as new (p: unknown) => object)(params());
  const s = signatures().get(constructorCall(path))!;
  return new (e.value as unknown as new (...a: unknown[]) => object)(...s.specs.map(good));
}
const isError = (e: Export) => e.isClass && ERROR_CLASS.test(e.path);

describe('every export has a signature', () => {
  it('functions are guarded, classes declare their constructor, or they are allowed', () => {
    const missing = EXPORTS.filter((e) => !isError(e) && !(e.path in ALLOWED)).filter((e) =>
      e.isClass ? !signatures().has(constructorCall(e.path)) : !sigOf(e.value),
    );
    expect(missing.map((e) => e.path)).toEqual([]);
  });

  it('every public method of every exported class is guarded', () => {
    const unguarded = EXPORTS.filter(
      (e) => e.isClass && !isError(e) && !(e.path in ALLOWED),
    ).flatMap((e) =>
      methodsOf(instance(e.path, e))
        .filter(([m, f]) => !sigOf(f) && !INTERNAL.has(m))
        .filter(([m]) => !(m in METHODS_ALLOWED) && !(`${e.path}.${m}` in METHODS_ALLOWED))
        .map(([m]) => `${e.path}.${m}`),
    );
    expect(unguarded).toEqual([]);
  });

  it('every public Tensor method is guarded', () => {
    const proto = fl.Tensor.prototype as unknown as Record<string, unknown>;
    const methods = Object.getOwnPropertyNames(proto).filter((m) => {
      const d = Object.getOwnPropertyDescriptor(proto, m)!;
      // Internal methods start with `_`; inPlace is TypeScript-private.
      return typeof d.value === 'function' && m !== 'constructor' && !/^_|^inPlace$/.test(m);
    });
    expect(methods.length).toBeGreaterThan(100);
    expect(methods.filter((m) => !sigOf(proto[m]))).toEqual([]);
  });

  it('the allow-list names only real exports that still lack a spec', () => {
    const paths = new Set(EXPORTS.map((e) => e.path));
    for (const p of Object.keys(ALLOWED)) expect(paths.has(p), p).toBe(true);
  });
});

/** Calls `f`; returns what it threw (awaiting a returned promise), or 'returned'. */
async function outcome(f: () => unknown): Promise<unknown> {
  try {
    const r = f();
    if (r instanceof Promise) await r;
    return 'returned';
  } catch (e) {
    return e;
  }
}

function expectTyped(e: unknown, call: string, what: string): void {
  expect(e, `${what}: expected a FlintError, got ${String(e)}`).toBeInstanceOf(fl.FlintError);
  const msg = (e as Error).message;
  expect(msg, what).toContain(call);
  expect(msg.length, what).toBeLessThanOrEqual(2000);
  expect(msg, what).not.toContain('[object Object]');
}

/**
 * For each parameter: good values before it, each rejected wrong value at it. Then all good
 * values plus one argument too many (unless the signature takes any number).
 */
async function feedWrong(s: Sig, invoke: (args: unknown[]) => unknown): Promise<number> {
  let calls = 0;
  if (s.packed) {
    for (const bad of WRONG.filter((v) => Array.isArray(v) || typeof v === 'string'))
      if (!s.packed.test(bad)) {
        expectTyped(await outcome(() => invoke([bad])), s.call, `${s.call}(${String(bad)})`);
        calls++;
      }
    return calls;
  }
  for (let i = 0; i < s.specs.length; i++) {
    const before = s.specs.slice(0, i).map(good);
    for (const bad of WRONG.filter((v) => !s.specs[i]!.test(v))) {
      const e = await outcome(() => invoke([...before, bad]));
      expectTyped(e, s.call, `${s.call} with a wrong ${s.names[i]}`);
      calls++;
    }
  }
  const all = s.specs.map(good);
  if (!s.rest) {
    const e = await outcome(() => invoke([...all, 'extra']));
    expectTyped(e, s.call, `${s.call} with an extra argument`);
    calls++;
  } else
    for (const bad of WRONG.filter((v) => v !== undefined && !s.rest!.test(v))) {
      expectTyped(
        await outcome(() => invoke([...all, bad])),
        s.call,
        `${s.call}(…, ${String(bad)})`,
      );
      calls++;
    }
  return calls;
}

describe('wrong kinds of arguments are typed errors naming the call', () => {
  const withSig = EXPORTS.filter((e) => !isError(e) && !(e.path in ALLOWED));

  it.each(withSig.map((e) => [e.path, e] as const))('%s', async (_, e) => {
    const s = e.isClass ? signatures().get(constructorCall(e.path))! : sigOf(e.value)!;
    const Ctor = e.value as unknown as new (...a: unknown[]) => unknown;
    const calls = await feedWrong(s, (args) => (e.isClass ? new Ctor(...args) : e.value(...args)));
    // Only a signature that takes anything (nn.Identity, as torch's) has no wrong argument.
    if (s.rest?.kind !== 'any') expect(calls).toBeGreaterThan(0);
  });

  it.each(withSig.filter((e) => e.isClass).map((e) => [e.path, e] as const))(
    'methods of %s',
    async (path, e) => {
      const self = instance(path, e);
      for (const [, f] of methodsOf(self).filter(([, f]) => sigOf(f)))
        await feedWrong(sigOf(f)!, (args) => f.apply(self, args));
    },
  );

  it('Tensor methods', async () => {
    const self = fl.ones([2, 2]);
    for (const [, f] of methodsOf(self).filter(([m]) => !INTERNAL.has(m)))
      await feedWrong(sigOf(f)!, (args) => f.apply(self, args));
  });

  it('CharDataset factories', async () => {
    const C = fl.data.CharDataset as unknown as Record<string, (...a: unknown[]) => unknown>;
    for (const m of ['fromWords', 'fromWordList'])
      await feedWrong(sigOf(C[m])!, (args) => C[m]!(...args));
  });
});
