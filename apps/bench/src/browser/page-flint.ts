/**
 * Flint's side of the browser bench (runs in the page): the workloads of workloads.ts through the
 * public API on one device. Every timed repetition ends by reading back one value of each result
 * (the loss, for training steps), as every peer's does (page-tfjs.ts): synchronously where the
 * device can, else with `await t.data()`.
 */
import * as fl from '@flint/core';
import type { Backend } from '@flint/core/backend';
import { cnnModel, mlpModel, type Model } from '../adapters/flint-train.js';
import type { ConvSpec, Spec } from '../harness/types.js';
import { Skip } from '../harness/types.js';
import type { PageAdapter, PageRunner } from './protocol.js';

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

type Out = fl.Tensor | fl.Tensor[];

/** One value of each result, read back (the first element: a 1-element copy, then a read). */
async function readOne(out: Out, sync: boolean): Promise<number> {
  let acc = 0;
  for (const t of Array.isArray(out) ? out : [out]) {
    const one = t.flatten().narrow(0, 0, 1);
    acc += sync ? one.dataSync()[0]! : (await one.data())[0]!;
  }
  return acc;
}

function disposeOut(out: Out): void {
  for (const t of Array.isArray(out) ? out : [out]) t.dispose();
}

/** A repetition: the body in a tidy scope on `device`, then one value read back; time of both. */
function timed(device: string, sync: boolean, body: () => Out, dispose: () => void): PageRunner {
  return {
    async run() {
      const t0 = performance.now();
      const out = on(device, () => fl.tidy(body));
      try {
        await readOne(out, sync);
      } finally {
        disposeOut(out);
      }
      return performance.now() - t0;
    },
    dispose: () => on(device, dispose),
  };
}

function workload(device: string, sync: boolean, spec: Spec): PageRunner {
  const inputs = (shapes: number[][], grad = false) =>
    on(device, () => shapes.map((s) => fl.keep(fl.randn(s)).requiresGrad_(grad)));
  const simple = (shapes: number[][], f: (...t: fl.Tensor[]) => Out, grad = false) => {
    const xs = inputs(shapes, grad);
    return timed(
      device,
      sync,
      () => f(...xs),
      () => xs.forEach((x) => x.dispose()),
    );
  };
  const conv = (c: ConvSpec, backward: boolean) =>
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
  const model = (m: Model) =>
    timed(
      device,
      sync,
      () => m.stepLoss(),
      () => m.dispose(),
    );
  switch (spec.family) {
    case 'matmul':
      return simple(
        [
          [spec.n, spec.n],
          [spec.n, spec.n],
        ],
        (a, b) => a!.matmul(b!),
      );
    case 'fmaRelu':
      return simple([[spec.rows, spec.cols], [spec.cols], [spec.cols]], (x, w, b) =>
        x!.mul(w!).add(b!).relu(),
      );
    case 'softmaxRows':
      return simple([[spec.rows, spec.cols]], (x) => x!.softmax(1));
    case 'dispatch':
      return simple([[spec.size]], (x) => {
        let y = x!;
        for (let i = 0; i < spec.ops; i++) y = y.add(x!);
        return y;
      });
    case 'conv2dForward':
      return conv(spec, false);
    case 'conv2dBackward':
      return conv(spec, true);
    case 'mlpStep':
      return model(on(device, () => mlpModel(spec.batch, spec.sizes)));
    case 'cnnStep':
      return model(on(device, () => cnnModel(spec)));
    default:
      throw new Skip(`no ${spec.family} workload in the browser bench`);
  }
}

export interface FlintPageTarget {
  id: string;
  label: string;
  /** A fresh backend whose device is called `name` (throws when unavailable here). */
  create(name: string): Backend<unknown>;
  notes(b: Backend<unknown>): string[];
}

export function flintPageAdapter(t: FlintPageTarget, version: string): PageAdapter {
  let device = '';
  let sync = true;
  return {
    id: t.id,
    async init() {
      const b = t.create(t.id);
      device = fl.register(b);
      sync = b.caps.syncRead !== false;
      fl.manualSeed(0);
      const notes = [...t.notes(b), sync ? 'sync read-back' : 'async read-back (await data())'];
      return { version: `@flint/core ${version}`, threads: 1, notes };
    },
    async prepare(spec) {
      if (!device) throw new Skip('not initialised');
      return workload(device, sync, spec);
    },
  };
}

/**
 * The first training step of the MLP on a fresh backend instance (its own kernel cache), kernel
 * compilation included, then the second step for scale. Run before anything else in the page,
 * so no browser-level shader cache from earlier kernels helps it.
 */
export async function firstStep(
  create: (name: string) => Backend<unknown>,
  spec: { batch: number; sizes: readonly number[] },
): Promise<{ setupMs: number; firstMs: number; secondMs: number; compiles: number }> {
  const b = create('first-step');
  const device = fl.register(b);
  const compiles = () => (b.stats() as { compiles?: number }).compiles ?? NaN;
  const t0 = performance.now();
  const m = on(device, () => mlpModel(spec.batch, spec.sizes));
  const before = compiles();
  const t1 = performance.now();
  const step = async () => {
    const loss = on(device, () => m.stepLoss());
    try {
      await readOne(loss, b.caps.syncRead !== false);
    } finally {
      loss.dispose();
    }
  };
  await step();
  const t2 = performance.now();
  const during = compiles() - before;
  await step();
  const t3 = performance.now();
  on(device, () => m.dispose());
  return { setupMs: t1 - t0, firstMs: t2 - t1, secondMs: t3 - t2, compiles: during };
}
