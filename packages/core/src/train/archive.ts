/**
 * `model.save(path)` / `fl.Model.load(path)`: architecture and weights in one safetensors file.
 * The weights are the state dict; the architecture is a JSON description of the layer stack in
 * the file's `__metadata__` under `flint.model`, so any safetensors reader still sees plain
 * weights. Only `nn.Sequential` stacks of built-in layers can be described: each layer is
 * rebuilt from the arguments its constructor was called with (Module keeps them, see
 * `takeLayerArgs`). A custom Module subclass has no such description: save its state dict.
 */
import { ArgumentError, FlintError, FormatError, IOError } from '../errors.js';
import { Module } from '../nn/module.js';
import { Sequential } from '../nn/containers.js';
import * as nn from '../nn/index.js';
import { save as saveFile, loadWithMetadata } from '../io/sources.js';
import { dispose } from '../memory/dispose.js';
import { quote } from '../check/describe.js';
import { moduleName } from '../nn/names.js';

/** Metadata key of the architecture, and the version of its format. */
export const ARCH_KEY = 'flint.model';
const FORMAT = 1;

/** A layer: its class in `fl.nn` and its constructor arguments (JSON, see encode). */
interface LayerSpec {
  class: string;
  args: unknown[];
}

function layerClass(name: string): (new (...a: unknown[]) => Module) | undefined {
  const c = (nn as unknown as Record<string, unknown>)[name];
  return typeof c === 'function' && c.prototype instanceof Module
    ? (c as new (...a: unknown[]) => Module)
    : undefined;
}

/** The description of `m` (a built-in layer or a Sequential of them), or a typed error. */
function describe(op: string, m: Module, path: string): LayerSpec {
  const name = moduleName(m);
  const args = (m as unknown as { _layerArgs: unknown[] | null })._layerArgs;
  // The class must be fl.nn's own: a user subclass of a layer has behaviour no description holds.
  if (args === null || layerClass(name) !== m.constructor)
    throw new ArgumentError(
      `${op}: ${path} is a ${quote(name)}, not a built-in layer: only nn.Sequential stacks of built-in layers (fl.nn) can be saved with their architecture; for other modules save the weights with fl.save(model.stateDict(), path) and rebuild the module in code`,
    );
  // A Sequential's arguments are its layers (or one record of them): name them so.
  if (m instanceof Sequential && args.length === 1 && isPlain(args[0]))
    return {
      class: name,
      args: [encodeRecord(op, args[0] as object, (k) => `${path}, layer '${k}'`)],
    };
  const label = (i: number) => `${path}, ${m instanceof Sequential ? 'layer' : 'argument'} ${i}`;
  return { class: name, args: args.map((a, i) => encode(op, a, label(i), 0)) };
}

function isPlain(v: unknown): v is object {
  const proto: unknown = typeof v === 'object' && v !== null ? Object.getPrototypeOf(v) : undefined;
  return proto === Object.prototype || proto === null;
}

function encodeRecord(op: string, v: object, where: (k: string) => string, depth = 0): unknown {
  return {
    $: 'object',
    v: Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k, encode(op, x, where(k), depth + 1)]),
    ),
  };
}

/** A constructor argument as JSON: modules by description, undefined and non-finite tagged. */
function encode(op: string, v: unknown, where: string, depth: number): unknown {
  if (depth > 16) throw new ArgumentError(`${op}: ${where} is nested too deeply to save`);
  if (v === undefined) return { $: 'undefined' };
  if (typeof v === 'number' && !Number.isFinite(v)) return { $: 'number', v: String(v) };
  if (v === null || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string')
    return v;
  if (v instanceof Module) return { $: 'module', v: describe(op, v, where) };
  if (Array.isArray(v)) return v.map((x, i) => encode(op, x, `${where}[${i}]`, depth + 1));
  if (isPlain(v)) return encodeRecord(op, v, (k) => `${where}.${k}`, depth);
  throw new ArgumentError(
    `${op}: ${where} is ${typeof v === 'object' ? 'an object of a class' : `a ${typeof v}`} (a tensor or function argument cannot be saved as JSON); save the weights with fl.save(model.stateDict(), path) instead`,
  );
}

function decode(v: unknown, depth: number): unknown {
  if (depth > 16) throw new FormatError(`Model.load: the architecture is nested too deeply`);
  if (Array.isArray(v)) return v.map((x) => decode(x, depth + 1));
  if (v === null || typeof v !== 'object') return v;
  const t = v as { $?: unknown; v?: unknown };
  if (t.$ === 'undefined') return undefined;
  if (t.$ === 'number') return Number(t.v);
  if (t.$ === 'module') return build(t.v, depth + 1);
  if (t.$ === 'object' && typeof t.v === 'object' && t.v !== null)
    return Object.fromEntries(Object.entries(t.v).map(([k, x]) => [k, decode(x, depth + 1)]));
  throw new FormatError(`Model.load: the architecture holds an unknown value tag`);
}

function build(spec: unknown, depth: number): Module {
  const s = spec as Partial<LayerSpec> | null;
  const cls = typeof s?.class === 'string' ? layerClass(s.class) : undefined;
  if (!cls || !Array.isArray(s!.args))
    throw new FormatError(
      `Model.load: the architecture names ${typeof s?.class === 'string' ? `an unknown layer ${quote(s.class)}` : 'no layer class'} (valid: the classes of fl.nn)`,
    );
  return new cls(...(s!.args.map((a) => decode(a, depth + 1)) as unknown[]));
}

/** `e` (from fl.save / fl.io.loadWithMetadata) with its message naming `op` instead. */
function renamed(op: string, e: unknown): unknown {
  if (!(e instanceof FlintError)) return e;
  const message = e.message.replace(/^(fl\.save|fl\.io\.loadWithMetadata):/, `${op}:`);
  const out =
    e instanceof IOError
      ? new IOError(message, e.path, e.code)
      : new (e.constructor as new (m: string) => FlintError)(message);
  (out as { cause?: unknown }).cause = e;
  return out;
}

/** Write `module` (an nn.Sequential of built-in layers) with its architecture to `path`. */
export async function saveModel(op: string, module: Module, path: string | URL): Promise<void> {
  if (!(module instanceof Sequential))
    throw new ArgumentError(
      `${op}: the model is a ${quote(moduleName(module))}; only nn.Sequential stacks of built-in layers can be saved with their architecture (for other modules save the weights with fl.save(model.stateDict(), path) and rebuild the module in code)`,
    );
  const arch = JSON.stringify({ format: FORMAT, model: describe(op, module, 'the model') });
  await saveFile(module.stateDict(), path, { [ARCH_KEY]: arch }).catch((e: unknown) => {
    throw renamed(op, e);
  });
}

/** Rebuild the nn.Sequential saved at `path` and load its weights (strict). */
export async function loadModel(path: string | URL): Promise<Sequential> {
  const { tensors, metadata } = await loadWithMetadata(path).catch((e: unknown) => {
    throw renamed('Model.load', e);
  });
  try {
    const arch = metadata?.[ARCH_KEY];
    if (arch === undefined)
      throw new FormatError(
        `Model.load: the file has no '${ARCH_KEY}' architecture (it holds only weights: build the model in code and call model.loadStateDict(await fl.load(path)))`,
      );
    let parsed: { format?: unknown; model?: unknown };
    try {
      parsed = JSON.parse(arch) as typeof parsed;
    } catch {
      throw new FormatError(`Model.load: the '${ARCH_KEY}' architecture is not valid JSON`);
    }
    if (parsed.format !== FORMAT)
      throw new FormatError(
        `Model.load: unsupported architecture format ${quote(String(parsed.format))} (this version reads ${FORMAT})`,
      );
    const model = build(parsed.model, 0);
    if (!(model instanceof Sequential)) {
      model.dispose();
      throw new FormatError(`Model.load: the saved architecture is not an nn.Sequential`);
    }
    try {
      model.loadStateDict(tensors);
    } catch (e) {
      model.dispose();
      throw e;
    }
    return model;
  } finally {
    dispose(tensors);
  }
}
