/**
 * `model.summary()`, laid out as Keras prints it: one row per child layer with its output shape
 * and parameter count, then the totals. Output shapes need a forward pass: with
 * `{ inputShape }` (one sample's shape, without the batch dim, as in Keras) the model runs once
 * on a batch of one zero sample; otherwise the shape of the last batch the model saw in
 * fit/evaluate/predict is used, and before any, the shapes show as '?'.
 */
import type { Tensor } from '../tensor.js';
import type { DType } from '../dtype.js';
import type { Module } from '../nn/module.js';
import { zeros } from '../ops/creation.js';
import { noGrad } from '../autograd/mode.js';
import { tidy } from '../scope.js';
import { moduleName } from '../nn/names.js';

/** Options of `model.summary()`. */
export interface SummaryOptions {
  /** One sample's shape, without the batch dim (Keras's `input_shape`). */
  inputShape?: readonly number[];
  /** The input's dtype for that forward pass (default float32; int32 for an Embedding). */
  dtype?: DType;
  /** Where each line goes (default console.log). */
  printFn?: (line: string) => void;
}

/** The sample input of the shape pass: its per-sample shape and dtype. */
export interface SampleInput {
  shape: readonly number[];
  dtype: DType;
}

const isTensor = (v: unknown): v is Tensor =>
  typeof v === 'object' && v !== null && Object.hasOwn(v, '_isTensor');

/** Keras's notation: the batch dim is None. */
function fmtOut(v: unknown, depth = 0): string {
  if (isTensor(v)) return `(${['None', ...v.shape.slice(1).map(String)].join(', ')})`;
  if (Array.isArray(v) && depth < 2) return `[${v.map((x) => fmtOut(x, depth + 1)).join(', ')}]`;
  return '?';
}

/** Each child's output shape in one forward pass on a batch of one zero sample. */
function outputShapes(module: Module, input: SampleInput): Map<Module, string> {
  const shapes = new Map<Module, string>();
  const children = module.children();
  const saved = children.map((c) => Object.getOwnPropertyDescriptor(c, 'forward'));
  const modes = module.modules().map((m) => [m, m.training] as const);
  try {
    for (const c of children) {
      const f = (c as unknown as { forward: (...a: unknown[]) => unknown }).forward;
      Object.defineProperty(c, 'forward', {
        configurable: true,
        writable: true,
        value: (...a: unknown[]) => {
          const out = f.apply(c, a);
          shapes.set(c, fmtOut(out));
          return out;
        },
      });
    }
    // Eval mode: dropout draws nothing and batch norm leaves its running statistics alone.
    module.eval();
    noGrad(() =>
      tidy(() => void module.forward(zeros([1, ...input.shape], { dtype: input.dtype }))),
    );
  } finally {
    children.forEach((c, i) => {
      if (saved[i]) Object.defineProperty(c, 'forward', saved[i]);
      else delete (c as { forward?: unknown }).forward;
    });
    for (const [m, t] of modes) m.training = t;
  }
  return shapes;
}

/** Trainable parameters, and the rest (frozen parameters and buffers), counted once each. */
function counts(m: Module, seen: Set<Tensor>): [number, number] {
  let trainable = 0;
  let other = 0;
  for (const p of m.parameters())
    if (!seen.has(p)) {
      seen.add(p);
      if (p.requiresGrad) trainable += p.size;
      else other += p.size;
    }
  for (const b of m.buffers())
    if (!seen.has(b)) {
      seen.add(b);
      other += b.size;
    }
  return [trainable, other];
}

const n = (x: number) => x.toLocaleString('en-US');

/** The summary's text; each line also goes to `printFn` (console.log by default). */
export function summarize(
  title: string,
  module: Module,
  input: SampleInput | null,
  printFn: ((line: string) => void) | undefined,
): string {
  const shapes = input ? outputShapes(module, input) : null;
  const seen = new Set<Tensor>();
  const rows = module.namedChildren().map(([k, c]) => {
    const [t, o] = counts(c, new Set());
    return [`${k} (${moduleName(c)})`, shapes?.get(c) ?? '?', String(t + o)];
  });
  const [trainable, other] = counts(module, seen);
  const w0 = Math.max(28, ...rows.map((r) => r[0]!.length + 2));
  const w1 = Math.max(26, ...rows.map((r) => r[1]!.length + 2));
  const width = Math.max(65, w0 + w1 + 11);
  const row = (a: string, b: string, c: string) => ` ${a.padEnd(w0)}${b.padEnd(w1)}${c}`;
  const lines = [
    `Model: "${title}"`,
    '_'.repeat(width),
    row('Layer (type)', 'Output Shape', 'Param #'),
    '='.repeat(width),
    ...rows.flatMap((r, i) => [row(r[0]!, r[1]!, r[2]!), i < rows.length - 1 ? '' : null]),
    '='.repeat(width),
    `Total params: ${n(trainable + other)}`,
    `Trainable params: ${n(trainable)}`,
    `Non-trainable params: ${n(other)}`,
    '_'.repeat(width),
  ].filter((l): l is string => l !== null);
  if (!shapes)
    lines.push("Output shapes '?': call summary({ inputShape }) or train/predict on a batch first");
  const print = printFn ?? ((l: string) => console.log(l));
  for (const l of lines) print(l);
  return lines.join('\n');
}
