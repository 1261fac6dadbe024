/**
 * Turning a backend module into RunOptions: shared by the node CLI and the browser page, so both
 * accept the same modules (a `conformance` export shaped like RunOptions, or a backend factory).
 */
import type { Backend } from '@flint/core/backend';
import type { RunOptions } from '../types.js';

/** A backend factory: `cpuBackend(opts?)`; `name` makes a second device. */
export type Factory = (opts?: Record<string, unknown>) => Backend;

/**
 * The module's backend factory: `name` when given, else its default export, else its only
 * `…Backend` function. A package with several (`@flint/backend-native` has `nativeBackend` and
 * `cudaBackend`) names its main one after itself: `spec`'s last segment `backend-native` picks
 * `nativeBackend`.
 */
export function pickFactory(mod: Record<string, unknown>, name?: string, spec?: string): Factory {
  if (name) {
    if (typeof mod[name] !== 'function') throw new Error(`module has no function export '${name}'`);
    return mod[name] as Factory;
  }
  if (typeof mod.default === 'function') return mod.default as Factory;
  let fns = Object.entries(mod).filter(([k, v]) => typeof v === 'function' && /Backend$/.test(k));
  const own = /(?:^|[/@])backend-([a-z0-9]+)$/.exec(spec ?? '')?.[1];
  if (fns.length > 1 && own) fns = fns.filter(([k]) => k === `${own}Backend`);
  if (fns.length !== 1)
    throw new Error(
      `cannot tell the backend factory apart (${fns.map(([k]) => k).join(', ') || 'none'}): use --factory`,
    );
  return fns[0]![1] as Factory;
}

export interface ModuleChoice {
  /** Factory export to call (else the module's `conformance` export, else its only factory). */
  factory?: string;
  /** The module's specifier, which tells its main factory apart when it has several. */
  spec?: string;
  /** Options passed to the factory (e.g. `{ mode: 'webgl2' }`). */
  args?: Record<string, unknown>;
  /** Also create a second device: factory({ ...args, name }). */
  second?: string;
}

/** RunOptions from a backend module and the CLI-style choices. */
export function optionsFromModule(mod: Record<string, unknown>, c: ModuleChoice): RunOptions {
  const cfg = (mod.conformance ?? (typeof mod.default === 'object' ? mod.default : undefined)) as
    RunOptions | undefined;
  if (cfg && !c.factory && !c.args) return { ...cfg };
  const f = pickFactory(mod, c.factory, c.spec);
  const second = c.second;
  return {
    create: () => f(c.args),
    createSecond: second ? () => f({ ...c.args, name: second }) : undefined,
  };
}
