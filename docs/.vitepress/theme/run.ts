/**
 * Runs a compiled snippet (docs/.vitepress/runnable.mts) in the page and collects what it prints:
 * `console.log` and friends, `t.print()` (which logs through the global console) and the value of
 * its last expression. Values are shown as Node's console would show them for Flint (a tensor as
 * `String(t)`), bounded so that a runaway loop cannot grow the page without limit.
 */
import { type DeviceChoice, type Flint, loadFlint, useDevice } from './flint';

export interface OutputLine {
  kind: 'log' | 'warn' | 'error' | 'result';
  text: string;
}

export interface RunResult {
  lines: OutputLine[];
  /** The thrown error as `Name: message`, or null when the block completed. */
  error: string | null;
  ms: number;
}

const MAX_LINES = 200;
const MAX_CHARS = 20_000;

/** A value as console.log would print it, tensors as their PyTorch-style text. */
export function show(fl: Flint, v: unknown, depth = 0): string {
  if (v instanceof fl.Tensor) return String(v);
  // Inside objects and arrays strings are quoted as Node's console quotes them.
  if (typeof v === 'string') return depth === 0 ? v : `'${v.replace(/[\\']/g, '\\$&')}'`;
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'function') return `[Function ${v.name || '(anonymous)'}]`;
  if (v === null || typeof v !== 'object') return String(v);
  if (v instanceof Error) return `${v.name}: ${v.message}`;
  if (depth >= 3) return Array.isArray(v) ? '[Array]' : '[Object]';
  if (Array.isArray(v) || ArrayBuffer.isView(v)) {
    const items = Array.from(v as ArrayLike<unknown>);
    const head = items.slice(0, 100).map((x) => show(fl, x, depth + 1));
    if (items.length > 100) head.push(`… ${items.length - 100} more`);
    const name = Array.isArray(v) ? '' : `${v.constructor.name}(${items.length}) `;
    return `${name}[${head.join(', ')}]`;
  }
  const ctor = (v as object).constructor;
  // Modules, optimizers and other classes print themselves (String(model) is PyTorch's repr).
  if (ctor && ctor !== Object && (v as object).toString !== Object.prototype.toString)
    return String(v);
  const entries = Object.entries(v as Record<string, unknown>).slice(0, 50);
  const body = entries.map(([k, x]) => `${k}: ${show(fl, x, depth + 1)}`).join(', ');
  const prefix = ctor && ctor !== Object && ctor.name ? `${ctor.name} ` : '';
  return entries.length === 0 ? `${prefix}{}` : `${prefix}{ ${body} }`;
}

/** A JS error or anything thrown, as one line of text. */
function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return `thrown: ${String(err).slice(0, 500)}`;
}

type Body = (
  fl: Flint,
  nn: Flint['nn'],
  require: (id: string) => unknown,
  exports: object,
  console: Console,
) => Promise<unknown>;
const AsyncFunction = (async () => {}).constructor as new (...args: string[]) => Body;

/** The run in progress: blocks run one at a time, since each borrows the global console. */
let queue: Promise<unknown> = Promise.resolve();

/** Runs `js` (base64 of the compiled body) on `device`, after any run in progress; never throws. */
export function runSnippet(js: string, device: DeviceChoice): Promise<RunResult> {
  const next = queue.then(() => runNow(js, device));
  queue = next;
  return next;
}

/** The page's modules as a snippet's `require` sees them. */
function requireFrom(modules: Record<string, unknown>): (id: string) => unknown {
  return (id) => {
    if (id in modules) return modules[id];
    throw new Error(
      `a runnable snippet can import ${Object.keys(modules).join(', ')}, not '${id.slice(0, 100)}'`,
    );
  };
}

async function runNow(js: string, device: DeviceChoice): Promise<RunResult> {
  const lines: OutputLine[] = [];
  const t0 = performance.now();
  let fl: Flint | null = null;
  let chars = 0;
  const emit = (kind: OutputLine['kind'], args: unknown[]) => {
    if (lines.length >= MAX_LINES || chars >= MAX_CHARS) return;
    const text = args.map((a) => (fl ? show(fl, a) : String(a))).join(' ');
    chars += text.length;
    lines.push({ kind, text: text.length > 5000 ? `${text.slice(0, 5000)} …` : text });
  };
  const global = globalThis.console;
  const saved = { log: global.log, info: global.info, warn: global.warn, error: global.error };
  const capture = {
    log: (...a: unknown[]) => emit('log', a),
    info: (...a: unknown[]) => emit('log', a),
    warn: (...a: unknown[]) => emit('warn', a),
    error: (...a: unknown[]) => emit('error', a),
  };
  try {
    fl = (await loadFlint()).fl;
    const require = requireFrom(await useDevice(device));
    const params = ['fl', 'nn', 'require', 'exports', 'console'];
    const body = new AsyncFunction(...params, `{\n${decode(js)}\n}`);
    // `t.print()` logs through the global console: capture it while the block runs.
    Object.assign(global, capture);
    const value = await body(fl, fl.nn, require, {}, { ...global, ...capture } as Console);
    if (value !== undefined) emit('result', [value]);
    return { lines, error: null, ms: performance.now() - t0 };
  } catch (err) {
    return { lines, error: errorText(err), ms: performance.now() - t0 };
  } finally {
    Object.assign(global, saved);
    if (fl && fl.listDevices().includes(device)) fl.setDefaultDevice(device);
  }
}

function decode(b64: string): string {
  return new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
}
