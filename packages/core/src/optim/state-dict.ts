/**
 * Optimizer state dicts in torch's layout: `{ state: { [index]: {...} }, param_groups: [...] }`,
 * where a parameter's index counts through all groups in order. Keys inside are camelCase by
 * default or torch's snake_case on request; loading accepts both, so a torch checkpoint converted
 * to plain values (tensors or nested arrays, numbers) loads as is.
 *
 * Loading parses and checks the whole dict (layout, every state entry against the optimizer's
 * state spec, every group value's kind) into new objects before the caller commits anything, so
 * a bad dict leaves the optimizer exactly as it was.
 */
import { DisposedTensorError, ShapeError, fmtShape } from '../errors.js';
import { OptimizerError } from './errors.js';
import { Tensor, type NestedArray } from '../tensor.js';
import { keep, tidy } from '../scope.js';
import { noGrad } from '../autograd/mode.js';
import { full, tensor } from '../ops/creation.js';
import { cast, toDevice } from '../ops/convert.js';
import { describe, quote } from '../check/describe.js';
import type { GroupBase, StateValue } from './optimizer.js';

/** Options of an optimizer's `stateDict()`. */
export interface StateDictOptions {
  /** `'camel'` (default): `expAvg`, `weightDecay`; `'torch'`: `exp_avg`, `weight_decay`. */
  keys?: 'camel' | 'torch';
}

/** A state value as stored in a state dict; nested arrays are accepted when loading. */
export type StateDictValue = Tensor | number | null | NestedArray;

/** An optimizer's state as torch lays it out: `state` by parameter index, and `param_groups`. */
export interface OptimizerStateDict {
  /** Per-parameter state by parameter index (only parameters that have state). */
  state: Record<string, Record<string, StateDictValue>>;
  /** Each group's options, with `params` listing its parameters' indices. */
  param_groups: ({
    /** Indices of the group's parameters, counted through all the groups in order. */
    params: number[];
  } & Record<string, unknown>)[];
}

/**
 * What each per-parameter state key holds: `step` a count; `tensor` a tensor of the parameter's
 * shape, always present; `optional` one that may be absent (created when first needed);
 * `nullable` one that is null until first needed (SGD's momentum buffer, None in torch);
 * `scalar` a finite number shared by the whole parameter (NAdam's `muProduct`).
 */
export type StateKind = 'step' | 'tensor' | 'optional' | 'nullable' | 'scalar';
export type StateSpec = Readonly<Record<string, StateKind>>;

/** Group flags torch keeps for its own kernels; they mean nothing to Flint and are dropped on load. */
const TORCH_ONLY = new Set(['foreach', 'differentiable', 'capturable', 'fused']);

export function toSnake(k: string): string {
  return k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
export function toCamel(k: string): string {
  return k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function copyValue(v: unknown): unknown {
  return Array.isArray(v) ? [...(v as unknown[])] : v;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** @internal The snapshot behind `Optimizer.stateDict`. */
export function exportState(
  groups: readonly GroupBase[],
  state: ReadonlyMap<Tensor, Record<string, StateValue>>,
  opts: StateDictOptions,
): OptimizerStateDict {
  const key = opts.keys === 'torch' ? toSnake : (k: string) => k;
  const ids = new Map<Tensor, number>();
  const paramGroups = groups.map((g) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(g))
      if (k !== 'params' && v !== undefined) out[key(k)] = copyValue(v);
    return { ...out, params: g.params.map((p) => (ids.set(p, ids.size), ids.size - 1)) };
  });
  const out: OptimizerStateDict['state'] = {};
  noGrad(() => {
    for (const [p, s] of state) {
      const i = ids.get(p);
      if (i === undefined) continue;
      const entry: Record<string, StateDictValue> = {};
      for (const [k, v] of Object.entries(s))
        if (v !== undefined) entry[key(k)] = v instanceof Tensor ? v.clone() : v;
      out[i] = entry;
    }
  });
  return { state: out, param_groups: paramGroups };
}

/** A step count: a non-negative integer, or torch ≥ 1.12's one-element tensor holding one. */
function stepCount(where: string, v: unknown): number {
  let n = v;
  if (v instanceof Tensor) {
    if (v.disposed) throw new DisposedTensorError(`${where}: state 'step' is a disposed tensor`);
    n = v.size === 1 ? v.item() : NaN;
  }
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
    throw new OptimizerError(
      `${where}: state 'step' must be a non-negative integer (a number or a one-element tensor), got ${describe(v)}`,
    );
  return n;
}

/** A per-parameter scalar: a finite number, or torch's 0-d (one-element) tensor holding one. */
function stateScalar(where: string, key: string, v: unknown): number {
  let n = v;
  if (v instanceof Tensor) {
    if (v.disposed) throw new DisposedTensorError(`${where}: state '${key}' is a disposed tensor`);
    n = v.size === 1 ? v.item() : NaN;
  }
  if (typeof n !== 'number' || !Number.isFinite(n))
    throw new OptimizerError(
      `${where}: state '${key}' must be a finite number (or a one-element tensor), got ${describe(v)}`,
    );
  return n;
}

/** The raw value as a tensor on p's device: a live tensor, a nested array, or a number (size 1). */
function rawTensor(where: string, key: string, p: Tensor, v: unknown): Tensor {
  if (v instanceof Tensor) {
    if (v.disposed) throw new DisposedTensorError(`${where}: state '${key}' is a disposed tensor`);
    return toDevice(v, p.device);
  }
  if (typeof v === 'number') {
    // torch writes the state of a 0-d parameter as plain numbers once converted to plain data.
    if (p.size !== 1)
      throw new ShapeError(
        `${where}: state '${key}' is the number ${v}, which stands only for a one-element parameter; its parameter has shape ${fmtShape(p.shape)}`,
      );
    return full(p.shape, v, { dtype: p.dtype, device: p.device });
  }
  if (!Array.isArray(v))
    throw new OptimizerError(
      `${where}: state '${key}' must be a tensor, a nested array of numbers or (for a one-element parameter) a number, got ${describe(v)}`,
    );
  try {
    return tensor(v as NestedArray, { dtype: p.dtype, device: p.device });
  } catch (e) {
    const why = e instanceof Error ? e.message.slice(0, 200) : describe(e);
    throw new OptimizerError(`${where}: state '${key}' is not a nested array of numbers (${why})`);
  }
}

/** A state tensor for `p`: a kept copy on p's device, cast to p's dtype (as torch does). */
function stateTensor(where: string, key: string, p: Tensor, v: unknown): Tensor {
  const t = noGrad(() => tidy(() => cast(rawTensor(where, key, p, v), p.dtype).clone()));
  if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
    t.dispose();
    throw new ShapeError(
      `${where}: state '${key}' has shape ${fmtShape(t.shape)} but its parameter has ${fmtShape(p.shape)}`,
    );
  }
  return keep(t);
}

/** One parameter's state entry, checked against `spec`; tensors made here are freed on failure. */
function importEntry(
  where: string,
  p: Tensor,
  entry: unknown,
  spec: StateSpec | null,
): Record<string, StateValue> {
  if (!isRecord(entry))
    throw new OptimizerError(`${where}: the state entry must be an object, got ${describe(entry)}`);
  const byKey = new Map(Object.entries(entry).map(([k, v]) => [toCamel(k), [k, v] as const]));
  const out: Record<string, StateValue> = {};
  // Without a spec (a user's Optimizer subclass): `step` is a count, numbers and null stay as
  // they are (its own counters), anything else must be a tensor of the parameter's shape.
  const kinds: StateSpec =
    spec ??
    Object.fromEntries([...byKey.keys()].map((k) => [k, k === 'step' ? 'step' : 'nullable']));
  const loose = spec === null;
  try {
    for (const key of byKey.keys())
      if (!(key in kinds))
        throw new OptimizerError(
          `${where}: unknown state key ${quote(byKey.get(key)![0])} (valid: ${Object.keys(kinds).join(', ')})`,
        );
    for (const [key, kind] of Object.entries(kinds)) {
      const v = byKey.get(key)?.[1];
      if (v === undefined || v === null) {
        if (kind === 'nullable') out[key] = null;
        else if (kind !== 'optional')
          throw new OptimizerError(`${where}: state '${key}' is missing`);
      } else if (kind === 'step') out[key] = stepCount(where, v);
      else if (kind === 'scalar') out[key] = stateScalar(where, key, v);
      else out[key] = loose && typeof v === 'number' ? v : stateTensor(where, key, p, v);
    }
  } catch (e) {
    for (const v of Object.values(out)) if (v instanceof Tensor) v.dispose();
    throw e;
  }
  return out;
}

export interface Imported {
  groups: GroupBase[];
  state: Map<Tensor, Record<string, StateValue>>;
}

/** Plain data only (numbers, strings, booleans, null, arrays of them), as options and counters. */
function isPlainValue(v: unknown, depth = 0): boolean {
  if (Array.isArray(v)) return depth < 4 && v.every((x) => isPlainValue(x, depth + 1));
  return v === null || ['number', 'string', 'boolean'].includes(typeof v);
}

/** Group options from a saved group, re-attached to the optimizer's own parameters. */
function importGroup(where: string, saved: Record<string, unknown>, params: Tensor[]): GroupBase {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(saved)) {
    if (k === 'params' || TORCH_ONLY.has(k)) continue;
    if (!isPlainValue(v))
      throw new OptimizerError(
        `${where}: option ${quote(k)} must be a number, string, boolean, null or an array of them, got ${describe(v)}`,
      );
    out[toCamel(k)] = copyValue(v);
  }
  return { ...out, params } as GroupBase;
}

/** Each saved group's parameter ids: as many as the optimizer's group has, unique overall. */
function groupIds(where: string, groups: readonly GroupBase[], saved: unknown[]): string[][] {
  const bad = (msg: string) => new OptimizerError(`${where}: ${msg}`);
  const seen = new Set<string>();
  return saved.map((g: unknown, i) => {
    if (!isRecord(g)) throw bad(`param group ${i} must be an object, got ${describe(g)}`);
    const n = Array.isArray(g.params) ? g.params.length : -1;
    if (n !== groups[i]!.params.length)
      throw bad(
        `param group ${i} has ${n < 0 ? 'no params list' : `${n} parameters`} in the state dict but ${groups[i]!.params.length} in the optimizer`,
      );
    return (g.params as unknown[]).map((id) => {
      if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0)
        throw bad(
          `param group ${i} lists ${describe(id)}; parameter ids are non-negative integers`,
        );
      if (seen.has(String(id))) throw bad(`parameter id ${id} is listed more than once`);
      seen.add(String(id));
      return String(id);
    });
  });
}

/** The dict's shape: `{ state, param_groups }` with as many groups as the optimizer has. */
function checkLayout(
  where: string,
  groups: readonly GroupBase[],
  sd: unknown,
): { saved: Record<string, unknown>[]; ids: string[][]; state: Record<string, unknown> } {
  const bad = (msg: string) => new OptimizerError(`${where}: ${msg}`);
  if (!isRecord(sd))
    throw bad(
      `expected a state dict { state, param_groups } (from stateDict()), got ${describe(sd)}`,
    );
  const saved = sd.param_groups ?? sd.paramGroups;
  if (!Array.isArray(saved)) throw bad('the state dict has no param_groups array');
  if (!isRecord(sd.state))
    throw bad(`the state dict's state must be an object, got ${describe(sd.state)}`);
  if (saved.length !== groups.length)
    throw bad(
      `the state dict has ${saved.length} parameter groups but the optimizer has ${groups.length}`,
    );
  const ids = groupIds(where, groups, saved);
  return { saved: saved as Record<string, unknown>[], ids, state: sd.state };
}

/**
 * @internal Parse `sd` against the optimizer's groups and state spec without touching them; the
 * caller validates the group options and commits. Throws (having freed anything it made) when the
 * layout, a state entry or a group value does not fit.
 */
export function importState(
  where: string,
  groups: readonly GroupBase[],
  sd: unknown,
  spec: StateSpec | null,
): Imported {
  const { saved, ids, state: entries } = checkLayout(where, groups, sd);
  groups.forEach((g, gi) =>
    g.params.forEach((p, i) => {
      if (p.disposed)
        throw new DisposedTensorError(
          `${where}: parameter ${i} of param group ${gi} (shape ${fmtShape(p.shape)}) was disposed`,
        );
    }),
  );
  const byId = new Map<string, Tensor>();
  ids.forEach((list, i) => list.forEach((id, j) => byId.set(id, groups[i]!.params[j]!)));
  const out = groups.map((g, i) => importGroup(`${where} (param group ${i})`, saved[i]!, g.params));
  const state = new Map<Tensor, Record<string, StateValue>>();
  try {
    for (const [id, entry] of Object.entries(entries)) {
      const p = byId.get(id);
      if (!p)
        throw new OptimizerError(
          `${where}: the state dict has state for parameter ${quote(id)}, which no param group lists`,
        );
      state.set(p, importEntry(`${where} (parameter ${id})`, p, entry, spec));
    }
  } catch (e) {
    disposeState(state);
    throw e;
  }
  return { groups: out, state };
}

export function disposeState(state: ReadonlyMap<Tensor, Record<string, StateValue>>): void {
  for (const s of state.values())
    for (const v of Object.values(s)) if (v instanceof Tensor) v.dispose();
}
