/**
 * Flint through its public API, on any backend: `flintAdapter({ id, create })` is the whole cost
 * of benchmarking a new backend (gpu.js, native, CUDA). Every workload is one function in the
 * table below; the training steps live in flint-train.ts.
 */
import { createRequire } from 'node:module';
import * as fl from '@flint/core';
import type { Backend } from '@flint/core/backend';
import {
  Skip,
  type Adapter,
  type AdapterInfo,
  type ConvSpec,
  type Impl,
  type Runner,
  type Spec,
} from '../harness/types.js';
import { cnnModel, mlpModel, recurrentModel, type Model } from './flint-train.js';

export interface FlintTarget<B = unknown> {
  id: string;
  label: string;
  /** A fresh backend instance whose device is called `name`; throws Skip when unavailable. */
  create(name: string): Backend<B>;
  /** Extra lines for the adapter info (e.g. the gpu.js mode). */
  notes?: string[];
  /** A secondary configuration shown as an extra row (e.g. more threads than the peers use). */
  extra?: boolean;
  /**
   * Re-applies process-wide settings this target depends on (the native backend's thread
   * count, shared by every native instance), called before each prepare and each timed run:
   * two adapters of one backend at different settings take turns in the interleaved rounds.
   * Must be cheap when nothing changed; it runs outside the timed region.
   */
  activate?: () => void;
  /** See Adapter.profiling: called around CPU-profiled steps, never around timed ones. */
  profiling?: (on: boolean) => void;
  /** Info read once the backend exists (and is activated): real thread count, extra notes. */
  describe?: () => { threads: number; notes?: string[] };
}

/** Runs `fn` with `device` as the default device, so creation ops land on it. */
function on<T>(device: string, fn: () => T): T {
  const prev = fl.getDefaultDevice();
  fl.setDefaultDevice(device);
  try {
    return fn();
  } finally {
    fl.setDefaultDevice(prev);
  }
}

/** A runner around a synchronous body; `sync` waits for queued kernels on async backends. */
function runner(device: string, body: () => void, dispose: () => void): Runner {
  const backend = fl.getBackend(device);
  return {
    async run() {
      const t = performance.now();
      on(device, body);
      await backend.sync();
      return performance.now() - t;
    },
    dispose: () => on(device, dispose),
  };
}

/** Inputs that outlive the tidy scopes of the timed bodies (leaves that require grad, if asked). */
function inputs(device: string, shapes: (readonly number[])[], grad = false): fl.Tensor[] {
  return on(device, () => shapes.map((s) => fl.keep(fl.randn(s)).requiresGrad_(grad)));
}

function ops(device: string): Impl {
  const simple = (
    shapes: (readonly number[])[],
    f: (...t: fl.Tensor[]) => unknown,
    grad = false,
  ): Runner => {
    const xs = inputs(device, shapes, grad);
    return runner(
      device,
      () => fl.tidy(() => void f(...xs)),
      () => xs.forEach((x) => x.dispose()),
    );
  };
  /** NCHW input and OIHW weight, as torch.nn.functional.conv2d takes them; padding 1, no bias. */
  const conv = (c: ConvSpec, backward: boolean): Runner =>
    simple(
      [
        [c.batch, c.cin, c.size, c.size],
        [c.cout, c.cin, c.k, c.k],
      ],
      (x, w) => {
        const y = fl.nn.F.conv2d(x!, w!, null, { padding: 1 });
        return backward ? fl.grad(y.sum(), [x!, w!]) : y;
      },
      backward,
    );
  const model = (m: Model): Runner =>
    runner(
      device,
      () => void m.step(),
      () => m.dispose(),
    );
  return {
    matmul: ({ n }) =>
      simple(
        [
          [n, n],
          [n, n],
        ],
        (a, b) => a!.matmul(b!),
      ),
    add: ({ rows, cols }) =>
      simple(
        [
          [rows, cols],
          [rows, cols],
        ],
        (a, b) => a!.add(b!),
      ),
    exp: ({ rows, cols }) => simple([[rows, cols]], (a) => a!.exp()),
    fmaRelu: ({ rows, cols }) =>
      simple([[rows, cols], [cols], [cols]], (x, w, b) => x!.mul(w!).add(b!).relu()),
    sumRows: ({ rows, cols }) => simple([[rows, cols]], (x) => x!.sum(1)),
    softmaxRows: ({ rows, cols }) => simple([[rows, cols]], (x) => x!.softmax(1)),
    dispatch: ({ ops: n, size }) =>
      simple([[size]], (x) => {
        let y = x!;
        for (let i = 0; i < n; i++) y = y.add(x!);
      }),
    mlpStep: (s) => model(on(device, () => mlpModel(s.batch, s.sizes))),
    lstmStep: (s) => model(on(device, () => recurrentModel('lstm', s))),
    gruStep: (s) => model(on(device, () => recurrentModel('gru', s))),
    conv2dForward: (c) => conv(c, false),
    conv2dBackward: (c) => conv(c, true),
    cnnStep: (s) => model(on(device, () => cnnModel(s))),
  };
}

/** A second instance of the backend, whose `free` records the peak of live bytes. */
interface Probe {
  device: string;
  inner: Backend<unknown>;
  peak: number;
}

// A device name can be registered only once per process, so probes outlive adapter instances.
const probes = new Map<string, Probe>();

function probeFor<B>(t: FlintTarget<B>): Probe {
  const existing = probes.get(t.id);
  if (existing) return existing;
  const inner = t.create(`${t.id}-probe`);
  const p: Probe = { device: '', inner: inner as Backend<unknown>, peak: 0 };
  p.device = fl.register<B>({
    ...inner,
    free(buf) {
      p.peak = Math.max(p.peak, inner.stats().bytes);
      inner.free(buf);
    },
  });
  probes.set(t.id, p);
  return p;
}

/**
 * Peak tensor bytes during one MLP step (parameters, Adam state and batch included), on a
 * second instance of the backend whose `free` samples the live bytes just before each buffer
 * goes: live bytes only fall at frees, so the maximum over those samples (and the end) is the
 * exact peak at op granularity. The probe device holds nothing else; the timed device is left
 * unwrapped.
 */
function peakRunner(p: Probe, spec: { batch: number; sizes: readonly number[] }): Runner {
  const m = on(p.device, () => mlpModel(spec.batch, spec.sizes));
  return {
    async run() {
      p.peak = p.inner.stats().bytes;
      on(p.device, () => m.step());
      await p.inner.sync();
      return Math.max(p.peak, p.inner.stats().bytes);
    },
    dispose: () => on(p.device, () => m.dispose()),
  };
}

/** `r` with `t.activate` applied before every repetition, before the runner starts its clock. */
function activated(r: Runner, activate: (() => void) | undefined): Runner {
  if (!activate) return r;
  return {
    run: () => {
      activate();
      return r.run();
    },
    dispose: () => r.dispose(),
  };
}

export function flintAdapter<B>(t: FlintTarget<B>): Adapter {
  let table: Impl = {};
  return {
    id: t.id,
    label: t.label,
    role: 'flint',
    extra: t.extra,
    profiling: t.profiling,
    async init(): Promise<AdapterInfo> {
      const dev = fl.listDevices().includes(t.id) ? t.id : fl.register(t.create(t.id));
      t.activate?.();
      const d = t.describe?.();
      fl.manualSeed(0);
      table = ops(dev);
      const version = (
        createRequire(import.meta.url)('@flint/core/package.json') as { version: string }
      ).version;
      const notes = [...(t.notes ?? []), ...(d?.notes ?? [])];
      return {
        version: `@flint/core ${version}`,
        threads: d?.threads ?? 1,
        notes: notes.length > 0 ? notes : undefined,
      };
    },
    async prepare(spec: Spec): Promise<Runner> {
      t.activate?.(); // setup runs kernels too (random inputs, model init)
      if (spec.family === 'peakMemory') return activated(peakRunner(probeFor(t), spec), t.activate);
      const f = table[spec.family] as ((s: Spec) => Runner | Promise<Runner>) | undefined;
      if (!f) throw new Skip(`no ${spec.family} workload in the Flint adapter`);
      return activated(await f(spec), t.activate);
    },
    // Devices stay registered: a tensor collected later by core's FinalizationRegistry still
    // frees its buffer through its backend.
    async close() {},
  };
}
