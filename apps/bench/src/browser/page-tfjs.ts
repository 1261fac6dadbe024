/**
 * TensorFlow.js's side of the browser bench (runs in the page): tfjs-core 4.22.0 with its `webgl`
 * and `webgpu` backends, defaults as a tfjs user gets them (prod mode; tiny tensors forwarded to
 * the CPU, as tfjs does by default). The networks match adapters/tfjs.ts (and so the Flint
 * models) layer for layer. Every timed repetition ends by reading back one value of each result,
 * as Flint's does: `dataSync()` on WebGL, `await data()` on WebGPU (no synchronous read there).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
// tfjs-core alone registers no gradients (the @tensorflow/tfjs union package does this import)
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import type { ConvSpec, Spec, Specs } from '../harness/types.js';
import { Skip } from '../harness/types.js';
import type { PageAdapter, PageRunner } from './protocol.js';

type T = tf.Tensor;
type Out = T | T[];

async function readOne(out: Out, sync: boolean): Promise<number> {
  let acc = 0;
  for (const t of Array.isArray(out) ? out : [out]) {
    const one = tf.slice(tf.reshape(t, [-1]), 0, 1);
    try {
      acc += sync ? one.dataSync()[0]! : (await one.data())[0]!;
    } finally {
      one.dispose();
    }
  }
  return acc;
}

function timed(backend: string, body: () => Out, dispose: () => void): PageRunner {
  const sync = backend !== 'webgpu';
  return {
    async run() {
      await tf.setBackend(backend); // cheap when already active; outside the timed region
      const t0 = performance.now();
      const out = tf.tidy(body);
      try {
        await readOne(out, sync);
      } finally {
        tf.dispose(out);
      }
      return performance.now() - t0;
    },
    dispose,
  };
}

const v = (shape: number[], fanIn: number) =>
  tf.variable(tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn)));

/** Weights as variables, tfjs's own Adam on the mean softmax cross-entropy; the loss is read. */
function trainer(
  backend: string,
  vars: tf.Variable[],
  data: T[],
  logits: () => T,
  batch: number,
  classes: number,
): PageRunner {
  const opt = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
  const y = tf.tidy(() =>
    tf.oneHot(tf.randomUniform([batch], 0, classes, 'int32') as tf.Tensor1D, classes),
  );
  return timed(
    backend,
    () => opt.minimize(() => tf.losses.softmaxCrossEntropy(y, logits()) as tf.Scalar, true, vars)!,
    () => {
      opt.dispose();
      tf.dispose([...vars, ...data, y]);
    },
  );
}

function mlp(backend: string, batch: number, sizes: readonly number[]): PageRunner {
  const ws = sizes
    .slice(1)
    .flatMap((out, i) => [v([sizes[i]!, out], sizes[i]!), tf.variable(tf.zeros([out]))]);
  const x = tf.randomNormal([batch, sizes[0]!]);
  const logits = () => {
    let h: T = x;
    for (let i = 0; i < ws.length; i += 2) {
      h = tf.add(tf.matMul(h, ws[i]!), ws[i + 1]!);
      if (i + 2 < ws.length) h = tf.relu(h);
    }
    return h;
  };
  return trainer(backend, ws, [x], logits, batch, sizes[sizes.length - 1]!);
}

function cnn(backend: string, s: Specs['cnnStep']): PageRunner {
  const [c1, c2] = s.channels;
  const flat = c2 * (s.size / 4) ** 2;
  const ws = [
    v([3, 3, 1, c1], 9),
    tf.variable(tf.zeros([c1])),
    v([3, 3, c1, c2], 9 * c1),
    tf.variable(tf.zeros([c2])),
    v([flat, s.hidden], flat),
    tf.variable(tf.zeros([s.hidden])),
    v([s.hidden, 10], s.hidden),
    tf.variable(tf.zeros([10])),
  ];
  const x = tf.randomNormal([s.batch, s.size, s.size, 1]) as tf.Tensor4D;
  const block = (h: tf.Tensor4D, w: T, b: T) =>
    tf.maxPool(
      tf.relu(tf.add(tf.conv2d(h, w as tf.Tensor4D, 1, 'same'), b)) as tf.Tensor4D,
      2,
      2,
      'valid',
    );
  const logits = () => {
    const h = tf.reshape(block(block(x, ws[0]!, ws[1]!), ws[2]!, ws[3]!), [s.batch, flat]);
    const d = tf.relu(tf.add(tf.matMul(h, ws[4]!), ws[5]!));
    return tf.add(tf.matMul(d, ws[6]!), ws[7]!);
  };
  return trainer(backend, ws, [x], logits, s.batch, 10);
}

function workload(backend: string, spec: Spec): PageRunner {
  const simple = (shapes: number[][], f: (...t: T[]) => Out) => {
    const xs = shapes.map((s) => tf.randomNormal(s));
    return timed(
      backend,
      () => f(...xs),
      () => tf.dispose(xs),
    );
  };
  // NHWC input and HWIO filters: tfjs's own layouts, as a tfjs user writes them
  const conv = (c: ConvSpec, f: (x: tf.Tensor4D, w: tf.Tensor4D) => Out) =>
    simple(
      [
        [c.batch, c.size, c.size, c.cin],
        [c.k, c.k, c.cin, c.cout],
      ],
      (x, w) => f(x as tf.Tensor4D, w as tf.Tensor4D),
    );
  switch (spec.family) {
    case 'matmul':
      return simple(
        [
          [spec.n, spec.n],
          [spec.n, spec.n],
        ],
        (a, b) => tf.matMul(a!, b!),
      );
    case 'fmaRelu':
      return simple([[spec.rows, spec.cols], [spec.cols], [spec.cols]], (x, w, b) =>
        tf.relu(tf.add(tf.mul(x!, w!), b!)),
      );
    case 'softmaxRows':
      return simple([[spec.rows, spec.cols]], (x) => tf.softmax(x!));
    case 'dispatch':
      return simple([[spec.size]], (x) => {
        let y = x!;
        for (let i = 0; i < spec.ops; i++) y = tf.add(y, x!);
        return y;
      });
    case 'conv2dForward':
      return conv(spec, (x, w) => tf.conv2d(x, w, 1, 'same'));
    case 'conv2dBackward': {
      const g = tf.grads((x, w) =>
        tf.sum(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same')),
      );
      return conv(spec, (x, w) => g([x, w]));
    }
    case 'mlpStep':
      return mlp(backend, spec.batch, spec.sizes);
    case 'cnnStep':
      return cnn(backend, spec);
    default:
      throw new Skip(`no ${spec.family} workload in the browser bench`);
  }
}

export function tfjsPageAdapter(backend: 'webgl' | 'webgpu'): PageAdapter {
  return {
    id: `tfjs-${backend}`,
    async init() {
      tf.enableProdMode();
      if (!(await tf.setBackend(backend).catch(() => false)))
        throw new Skip(`tfjs backend '${backend}' did not initialise in this browser`);
      const notes = ['prod mode'];
      if (backend === 'webgl')
        notes.push(
          `WebGL ${tf.env().getNumber('WEBGL_VERSION')}, packed ${tf.env().getBool('WEBGL_PACK')}, ` +
            `CPU forwarding of tiny tensors ${tf.env().getBool('WEBGL_CPU_FORWARD')}`,
        );
      return { version: `@tensorflow/tfjs-core ${tf.version_core}`, threads: 1, notes };
    },
    async prepare(spec) {
      await tf.setBackend(backend);
      return workload(backend, spec);
    },
  };
}
