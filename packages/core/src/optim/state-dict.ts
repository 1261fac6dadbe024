/**
 * Optimizer state dicts in torch's layout: `{ state: { [index]: {...} }, param_groups: [...] }`,
 * where a parameter's index counts through all groups in order. Keys inside are camelCase by
 * default or torch's snake_case on request; loading accepts both, so a torch checkpoint converted
 * to plain values (tensors or nested arrays, numbers) loads as is.
 */
import { ShapeError, fmtShape } from '../errors.js';
import { OptimizerError } from './errors.js';
import { Tensor, type NestedArray } from '../tensor.js';
import { keep, tidy } from '../scope.js';
import { noGrad } from '../autograd/mode.js';
import { tensor } from '../ops/creation.js';
import { cast, toDevice } from '../ops/convert.js';
import type { GroupBase, StateValue } from './optimizer.js';

export interface StateDictOptions {
  /** `'camel'` (default): `expAvg`, `weightDecay`; `'torch'`: `exp_avg`, `weight_decay`. */
  keys?: 'camel' | 'torch';
}

/** A state value as stored in a state dict; nested arrays are accepted when loading. */
export type StateDictValue = Tensor | number | null | NestedArray;

export interface OptimizerStateDict {
  /** Per-parameter state by parameter index (only parameters that have state). */
  state: Record<string, Record<string, StateDictValue>>;
  /** Each group's options, with `params` listing its parameters' indices. */
  param_groups: ({ params: number[] } & Record<string, unknown>)[];
}

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

/** A state tensor for `p`: a kept copy on p's device, floats cast to p's dtype (as torch does). */
function stateTensor(where: string, key: string, p: Tensor, v: Tensor | NestedArray): Tensor {
  const t = noGrad(() =>
    tidy(() => {
      const src = v instanceof Tensor ? v : tensor(v, { dtype: p.dtype, device: p.device });
      return cast(toDevice(src, p.device), p.dtype).clone();
    }),
  );
  if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
    t.dispose();
    throw new ShapeError(
      `${where}: state '${key}' has shape ${fmtShape(t.shape)} but its parameter has ${fmtShape(p.shape)}`,
    );
  }
  return keep(t);
}

function importEntry(
  where: string,
  p: Tensor,
  entry: Record<string, StateDictValue>,
): Record<string, StateValue> {
  const out: Record<string, StateValue> = {};
  try {
    for (const [k, v] of Object.entries(entry)) {
      const key = toCamel(k);
      // torch ≥ 1.12 stores step counts as 0-d tensors; Flint keeps a number.
      if (key === 'step') out[key] = v instanceof Tensor ? v.item() : Number(v);
      else if (v === null || typeof v === 'number') out[key] = v;
      else if (v instanceof Tensor || Array.isArray(v)) out[key] = stateTensor(where, key, p, v);
      else
        throw new OptimizerError(
          `${where}: state '${k}' must be a tensor, nested array, number or null`,
        );
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

/** Group options from a saved group, re-attached to the optimizer's own parameters. */
function importGroup(saved: Record<string, unknown>, params: Tensor[]): GroupBase {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(saved))
    if (k !== 'params' && !TORCH_ONLY.has(k)) out[toCamel(k)] = copyValue(v);
  return { ...out, params } as GroupBase;
}

function checkLayout(
  where: string,
  groups: readonly GroupBase[],
  saved: unknown,
): asserts saved is { params: unknown[] }[] {
  const bad = (msg: string) => new OptimizerError(`${where}: ${msg}`);
  if (!Array.isArray(saved)) throw bad('the state dict has no param_groups array');
  if (saved.length !== groups.length)
    throw bad(
      `the state dict has ${saved.length} parameter groups but the optimizer has ${groups.length}`,
    );
  saved.forEach((g: { params?: unknown }, i) => {
    const n = Array.isArray(g?.params) ? g.params.length : -1;
    if (n !== groups[i]!.params.length)
      throw bad(
        `param group ${i} has ${n < 0 ? 'no params list' : `${n} parameters`} in the state dict but ${groups[i]!.params.length} in the optimizer`,
      );
  });
}

/**
 * @internal Parse `sd` against the optimizer's groups without touching them; the caller commits.
 * Throws (having freed anything it made) when the layout or a state tensor's shape does not fit.
 */
export function importState(
  name: string,
  groups: readonly GroupBase[],
  sd: OptimizerStateDict,
): Imported {
  const where = `${name}.loadStateDict`;
  const saved = (sd?.param_groups ??
    (sd as unknown as { paramGroups?: unknown })?.paramGroups) as unknown;
  checkLayout(where, groups, saved);
  const byId = new Map<string, Tensor>();
  saved.forEach((g, i) => g.params.forEach((id, j) => byId.set(String(id), groups[i]!.params[j]!)));
  const state = new Map<Tensor, Record<string, StateValue>>();
  try {
    for (const [id, entry] of Object.entries(sd.state ?? {})) {
      const p = byId.get(id);
      if (!p)
        throw new OptimizerError(
          `${where}: the state dict has state for parameter ${id}, which no param group lists`,
        );
      state.set(p, importEntry(`${where} (parameter ${id})`, p, entry));
    }
  } catch (e) {
    disposeState(state);
    throw e;
  }
  return {
    groups: saved.map((g, i) => importGroup(g as Record<string, unknown>, groups[i]!.params)),
    state,
  };
}

export function disposeState(state: ReadonlyMap<Tensor, Record<string, StateValue>>): void {
  for (const s of state.values())
    for (const v of Object.values(s)) if (v instanceof Tensor) v.dispose();
}
