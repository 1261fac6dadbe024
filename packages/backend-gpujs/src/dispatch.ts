/**
 * Host execution of small primitives, as tfjs-webgl forwards tiny tensors to the CPU. A gpu.js
 * kernel launch costs tens of microseconds (45 µs measured on WebGL2/SwiftShader, similar in
 * tfjs) while a 4-element add in JavaScript costs well under one, so a chain of small ops whose
 * inputs are already on the host runs there, on the internal CPU backend (the reference kernels:
 * one source of truth, float32 results rounded once on store), and its results stay on the host
 * until a device kernel needs them (Store.dev uploads then). Large tensors, and any call with an
 * input on the device, keep the device path: no hidden read-back is ever added.
 */
import { sizeOf } from '@flint/core/backend';
import type {
  Kernels,
  KView,
  Overrides,
  PadWidths,
  PrimName,
  TypedArray,
} from '@flint/core/backend';
import { PRIM_NAMES, PRIMS } from '@flint/core/backend';
import type { Host } from './host.js';
import type { GBuf } from './storage.js';

/**
 * Default largest tensor (elements, of any input or the output) run on the host. Measured in
 * headless Chromium on WebGL2/SwiftShader (docs/backends/gpujs.md, How it stores tensors): an
 * add is faster on the host up to about 4 K elements (0.41 vs 0.73 ms at 4 K), `exp` is already
 * even there; 1 K (host 3–7× faster) leaves margin for real GPUs, whose per-element cost is far
 * below SwiftShader's while their launch cost is not.
 */
export const DEFAULT_HOST_THRESHOLD = 1024;

/** A small matmul still loops m·k·n times: beyond this many multiply-adds the device wins. */
const MATMUL_HOST_MACS = 64 * 1024;

type V = KView<GBuf>;

function isView(a: unknown): a is V {
  return typeof a === 'object' && a !== null && 'buf' in a && 'shape' in a;
}

/** Elements the primitive's output will hold when that is not bounded by an input view. */
function outputSize(p: PrimName, args: readonly unknown[]): number {
  switch (PRIMS[p].kind) {
    case 'fill':
    case 'randomBits':
      return sizeOf(args[0] as readonly number[]);
    case 'pad': {
      const x = args[0] as V;
      const w = args[1] as PadWidths;
      return sizeOf(x.shape.map((n, i) => (w[i]?.[0] ?? 0) + n + (w[i]?.[1] ?? 0)));
    }
    case 'matmul': {
      const [a, b] = args as [V, V];
      const [batch, m, k] = a.shape as [number, number, number];
      const n = b.shape[2] ?? 0;
      // the loop count decides, not only the output size
      return batch * m * k * n > MATMUL_HOST_MACS ? Infinity : batch * m * n;
    }
    default:
      return 0;
  }
}

/**
 * Whether every input view's values are on the host now (settled, not being computed by a
 * queued WebGPU job) and no input buffer or view exceeds `max` elements.
 */
function inputsOnHost(args: readonly unknown[], max: number): boolean {
  for (const a of args) {
    if (!isView(a)) continue;
    const b = a.buf;
    if (b.host === null || b.ready !== null || b.size > max) return false;
    if (sizeOf(a.shape) > max) return false;
  }
  return true;
}

/** Whether call `p(...args)` runs on the host: inputs on the host, inputs and output small. */
export function runsOnHost(p: PrimName, args: readonly unknown[], max: number): boolean {
  return inputsOnHost(args, max) && outputSize(p, args) <= max;
}

/**
 * `table` with every primitive first offered to the host: small host-resident calls run on the
 * CPU backend, the rest on the device kernel. `max` 0 turns host execution off.
 */
export function hostFirst(host: Host, table: Kernels<GBuf>, max: number): Kernels<GBuf> {
  if (max <= 0) return table;
  const entries = PRIM_NAMES.map((p) => {
    const onDevice = table[p] as (...a: unknown[]) => unknown;
    const cpu = host.cpu.kernels[p] as (...a: unknown[]) => TypedArray | readonly TypedArray[];
    const f = (...args: unknown[]): unknown => {
      if (!runsOnHost(p, args, max)) return onDevice(...args);
      const views = args.map((a) => (isView(a) ? a : null));
      return host.run(views, (cv) => {
        const out = cpu(...args.map((a, i) => cv[i] ?? a));
        // sort returns a frozen pair; Host.run maps arrays element-wise
        return (Array.isArray(out) ? [...out] : out) as TypedArray;
      });
    };
    return [p, f];
  });
  return Object.freeze(Object.fromEntries(entries)) as Kernels<GBuf>;
}

/**
 * Overrides whose outputs are no larger than their inputs, and which the CPU backend also
 * fuses: small host-resident calls run there too, so a small step does not split between the
 * host (the primitives) and the device (the fused kernel), whose special values may differ on
 * WebGPU. softmax and logSoftmax stay on the device: the suite requires their results to be
 * bit-identical at every size (ops/sizes), and the CPU's float64 rows round differently from
 * the device's float32 ones in the last place.
 */
const HOST_OVERRIDES = ['crossEntropy', 'gelu', 'adamStep', 'sgdStep'];

/** `table` with the overrides above first offered to the host, as `hostFirst` does. */
export function hostFirstOverrides(
  host: Host,
  table: Overrides<GBuf>,
  max: number,
): Overrides<GBuf> {
  if (max <= 0) return table;
  const cpu = host.cpu.overrides ?? {};
  const out: Record<string, unknown> = { ...table };
  for (const name of HOST_OVERRIDES) {
    const onDevice = (table as Record<string, unknown>)[name];
    const onCpu = (cpu as Record<string, unknown>)[name];
    if (typeof onDevice !== 'function' || typeof onCpu !== 'function') continue;
    out[name] = (...args: unknown[]): unknown => {
      if (!inputsOnHost(args, max)) return (onDevice as (...a: unknown[]) => unknown)(...args);
      // the host works on copies: an in-place update (adamStep, sgdStep) would write those,
      // so ask for fresh results
      const call = args.map((a) => (isParams(a) ? { ...a, inPlace: false } : a));
      const views = call.map((a) => (isView(a) ? a : null));
      return host.run(views, (cv) => {
        const r = (onCpu as (...a: unknown[]) => unknown)(...call.map((a, i) => cv[i] ?? a));
        return (Array.isArray(r) ? [...(r as TypedArray[])] : r) as TypedArray;
      });
    };
  }
  return out as Overrides<GBuf>;
}

function isParams(a: unknown): a is Record<string, unknown> {
  return typeof a === 'object' && a !== null && !isView(a) && 'inPlace' in a;
}
