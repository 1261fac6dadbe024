/**
 * TensorFlow.js peers: the pure-JS `cpu` backend and the `wasm` backend (SIMD, one thread: tfjs
 * disables wasm threads in Node). Both live in one tfjs engine, so each run first makes its own
 * backend the active one; tensors are created on it and never move. Layouts are tfjs's own
 * (NHWC, filters HWIO), as a tfjs user would write them.
 */
import type * as TF from '@tensorflow/tfjs';
import {
  Skip,
  type Adapter,
  type Impl,
  type Runner,
  type Spec,
  type Specs,
} from '../harness/types.js';

type Tf = typeof TF;
type T = TF.Tensor;
type Wasm = typeof import('@tensorflow/tfjs-backend-wasm');
let loading: Promise<{ tf: Tf; wasm: Wasm }> | undefined;

async function load(): Promise<{ tf: Tf; wasm: Wasm }> {
  const tf = await import('@tensorflow/tfjs');
  // Registers the 'wasm' backend with the tfjs-core that @tensorflow/tfjs uses (one engine).
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // Production mode, as tfjs recommends for speed: drops debug-only checks (and the
  // "install tfjs-node" banner, noise in a benchmark log).
  tf.enableProdMode();
  return { tf, wasm };
}

function runner(tf: Tf, backend: string, body: () => void, dispose: () => void): Runner {
  return {
    async run() {
      await tf.setBackend(backend); // cheap when already active; outside the timed region
      const t = performance.now();
      try {
        tf.tidy(body);
      } catch (e) {
        // A gap in the backend (e.g. wasm has no Conv2DBackpropFilter) is a skip, not a failure.
        const missing = /Kernel '(\w+)' not registered/.exec(String(e));
        if (missing) throw new Skip(`tfjs ${backend} has no ${missing[1]} kernel`);
        throw e;
      }
      return performance.now() - t;
    },
    dispose,
  };
}

interface Trainer extends Runner {
  /** Bytes that live between steps: variables, Adam's two moments per variable, the batch. */
  persistentBytes: number;
}

/** Weights as variables, trained by tfjs's own Adam on the mean softmax cross-entropy. */
function trainer(
  tf: Tf,
  backend: string,
  vars: TF.Variable[],
  data: T[],
  logits: () => T,
  batch: number,
  classes: number,
): Trainer {
  const opt = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
  const y = tf.tidy(() =>
    tf.oneHot(tf.randomUniform([batch], 0, classes, 'int32') as TF.Tensor1D, classes),
  );
  const step = () => {
    const loss = opt.minimize(
      () => tf.losses.softmaxCrossEntropy(y, logits()) as TF.Scalar,
      true,
      vars,
    );
    loss!.dataSync();
  };
  const bytes = (ts: T[]) => ts.reduce((n, t) => n + t.size * 4, 0);
  const r = runner(tf, backend, step, () => {
    opt.dispose();
    tf.dispose([...vars, ...data, y]);
  });
  return { ...r, persistentBytes: 3 * bytes(vars) + bytes([...data, y]) };
}

const v = (tf: Tf, shape: number[], fanIn: number) =>
  tf.variable(tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn)));

function mlp(tf: Tf, backend: string, batch: number, sizes: readonly number[]): Trainer {
  const ws = sizes
    .slice(1)
    .flatMap((out, i) => [v(tf, [sizes[i]!, out], sizes[i]!), tf.variable(tf.zeros([out]))]);
  const x = tf.randomNormal([batch, sizes[0]!]);
  const logits = () => {
    let h: T = x;
    for (let i = 0; i < ws.length; i += 2) {
      h = tf.add(tf.matMul(h, ws[i]!), ws[i + 1]!);
      if (i + 2 < ws.length) h = tf.relu(h);
    }
    return h;
  };
  return trainer(tf, backend, ws, [x], logits, batch, sizes[sizes.length - 1]!);
}

function cnn(tf: Tf, backend: string, s: Specs['cnnStep']): Runner {
  const [c1, c2] = s.channels;
  const flat = c2 * (s.size / 4) ** 2;
  const ws = [
    v(tf, [3, 3, 1, c1], 9),
    tf.variable(tf.zeros([c1])),
    v(tf, [3, 3, c1, c2], 9 * c1),
    tf.variable(tf.zeros([c2])),
    v(tf, [flat, s.hidden], flat),
    tf.variable(tf.zeros([s.hidden])),
    v(tf, [s.hidden, 10], s.hidden),
    tf.variable(tf.zeros([10])),
  ] as TF.Variable[];
  const x = tf.randomNormal([s.batch, s.size, s.size, 1]) as TF.Tensor4D;
  const block = (h: TF.Tensor4D, w: T, b: T) =>
    tf.maxPool(
      tf.relu(tf.add(tf.conv2d(h, w as TF.Tensor4D, 1, 'same'), b)) as TF.Tensor4D,
      2,
      2,
      'valid',
    );
  const logits = () => {
    const h = block(block(x, ws[0]!, ws[1]!), ws[2]!, ws[3]!).reshape([s.batch, flat]);
    const d = tf.relu(tf.add(tf.matMul(h, ws[4]!), ws[5]!));
    return tf.add(tf.matMul(d, ws[6]!), ws[7]!);
  };
  return trainer(tf, backend, ws, [x], logits, s.batch, 10);
}

/** The same cell as the Flint adapter (gates i, f, g, o; one input matmul for all steps). */
function lstm(tf: Tf, backend: string, s: Specs['lstmStep']): Runner {
  const h4 = 4 * s.hidden;
  const ws = [
    v(tf, [s.input, h4], s.input),
    v(tf, [s.hidden, h4], s.hidden),
    tf.variable(tf.zeros([h4])),
    v(tf, [s.hidden, s.classes], s.hidden),
    tf.variable(tf.zeros([s.classes])),
  ];
  const [wx, wh, b, wo, bo] = ws as unknown as [T, T, T, T, T];
  const x = tf.randomNormal([s.seq * s.batch, s.input]);
  const logits = () => {
    const steps = tf.split(tf.add(tf.matMul(x, wx), b), s.seq, 0);
    let h: T = tf.zeros([s.batch, s.hidden]);
    let c: T = tf.zeros([s.batch, s.hidden]);
    for (const xt of steps) {
      const [i, f, g, o] = tf.split(tf.add(xt, tf.matMul(h, wh)), 4, 1) as [T, T, T, T];
      c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
      h = tf.mul(tf.sigmoid(o), tf.tanh(c));
    }
    return tf.add(tf.matMul(h, wo), bo);
  };
  return trainer(tf, backend, ws, [x], logits, s.batch, s.classes);
}

/**
 * The GRU cell as torch.nn.GRU defines it: r = σ(x·Wir + h·Whr + b), z likewise,
 * n = tanh(x·Win + bin + r ⊙ (h·Whn + bhn)), h' = (1 − z) ⊙ n + z ⊙ h. One input matmul for all
 * steps; the hidden-side bias of n stays separate because r scales it.
 */
function gru(tf: Tf, backend: string, s: Specs['gruStep']): Runner {
  const h3 = 3 * s.hidden;
  const ws = [
    v(tf, [s.input, h3], s.input),
    v(tf, [s.hidden, h3], s.hidden),
    tf.variable(tf.zeros([h3])),
    tf.variable(tf.zeros([h3])),
    v(tf, [s.hidden, s.classes], s.hidden),
    tf.variable(tf.zeros([s.classes])),
  ];
  const [wx, wh, bx, bh, wo, bo] = ws as unknown as [T, T, T, T, T, T];
  const x = tf.randomNormal([s.seq * s.batch, s.input]);
  const logits = () => {
    const steps = tf.split(tf.add(tf.matMul(x, wx), bx), s.seq, 0);
    let h: T = tf.zeros([s.batch, s.hidden]);
    for (const xt of steps) {
      const [xr, xz, xn] = tf.split(xt, 3, 1) as [T, T, T];
      const [hr, hz, hn] = tf.split(tf.add(tf.matMul(h, wh), bh), 3, 1) as [T, T, T];
      const r = tf.sigmoid(tf.add(xr, hr));
      const z = tf.sigmoid(tf.add(xz, hz));
      const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
      h = tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h));
    }
    return tf.add(tf.matMul(h, wo), bo);
  };
  return trainer(tf, backend, ws, [x], logits, s.batch, s.classes);
}

function ops(tf: Tf, backend: string): Impl {
  const simple = (shapes: number[][], f: (...t: T[]) => unknown): Runner => {
    const xs = shapes.map((s) => tf.randomNormal(s));
    return runner(
      tf,
      backend,
      () => void f(...xs),
      () => tf.dispose(xs),
    );
  };
  const conv = (c: Specs['conv2dForward'], f: (x: TF.Tensor4D, w: TF.Tensor4D) => unknown) =>
    simple(
      [
        [c.batch, c.size, c.size, c.cin],
        [c.k, c.k, c.cin, c.cout],
      ],
      (x, w) => f(x as TF.Tensor4D, w as TF.Tensor4D),
    );
  return {
    matmul: ({ n }) =>
      simple(
        [
          [n, n],
          [n, n],
        ],
        (a, b) => tf.matMul(a!, b!),
      ),
    add: ({ rows, cols }) =>
      simple(
        [
          [rows, cols],
          [rows, cols],
        ],
        (a, b) => tf.add(a!, b!),
      ),
    exp: ({ rows, cols }) => simple([[rows, cols]], (a) => tf.exp(a!)),
    fmaRelu: ({ rows, cols }) =>
      simple([[rows, cols], [cols], [cols]], (x, w, b) => tf.relu(tf.add(tf.mul(x!, w!), b!))),
    sumRows: ({ rows, cols }) => simple([[rows, cols]], (x) => tf.sum(x!, 1)),
    softmaxRows: ({ rows, cols }) => simple([[rows, cols]], (x) => tf.softmax(x!)),
    conv2dForward: (c) => conv(c, (x, w) => tf.conv2d(x, w, 1, 'same')),
    conv2dBackward: (c) => {
      const g = tf.grads((x, w) =>
        tf.sum(tf.conv2d(x as TF.Tensor4D, w as TF.Tensor4D, 1, 'same')),
      );
      return conv(c, (x, w) => g([x, w]));
    },
    dispatch: ({ ops: n, size }) =>
      simple([[size]], (x) => {
        let y = x!;
        for (let i = 0; i < n; i++) y = tf.add(y, x!);
      }),
    mlpStep: (s) => mlp(tf, backend, s.batch, s.sizes),
    cnnStep: (s) => cnn(tf, backend, s),
    lstmStep: (s) => lstm(tf, backend, s),
    gruStep: (s) => gru(tf, backend, s),
  };
}

/**
 * tf.profile's peakBytes is engine-wide (the other tfjs adapter's tensors count too), so the
 * step's own peak is its rise over the bytes live before it, plus what this model keeps.
 */
function peak(tf: Tf, backend: string, s: Specs['peakMemory']): Runner {
  const inner = mlp(tf, backend, s.batch, s.sizes);
  return {
    async run() {
      await tf.setBackend(backend);
      const before = tf.memory().numBytes;
      const info = await tf.profile(() => inner.run());
      return inner.persistentBytes + Math.max(0, info.peakBytes - before);
    },
    dispose: inner.dispose,
  };
}

export function tfjsAdapter(backend: 'cpu' | 'wasm'): Adapter {
  let tf: Tf | undefined;
  let table: Impl = {};
  return {
    id: `tfjs-${backend}`,
    label: `TensorFlow.js ${backend}`,
    role: 'peer',
    async init() {
      const lib = await (loading ??= load());
      tf = lib.tf;
      if (!(await tf.setBackend(backend)))
        throw new Skip(`tfjs backend '${backend}' did not initialise`);
      table = ops(tf, backend);
      const notes: string[] = [];
      let threads = 1;
      if (backend === 'wasm') {
        threads = lib.wasm.getThreadsCount();
        notes.push(`SIMD ${(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) ? 'on' : 'off'}`);
      }
      notes.push('prod mode');
      return { version: `@tensorflow/tfjs ${tf.version.tfjs}`, threads, notes };
    },
    async prepare(spec: Spec): Promise<Runner> {
      if (!tf) throw new Skip('tfjs not loaded');
      await tf.setBackend(backend);
      if (spec.family === 'peakMemory') return peak(tf, backend, spec);
      const f = table[spec.family] as ((s: Spec) => Runner) | undefined;
      if (!f) throw new Skip(`no ${spec.family} workload for tfjs`);
      return f(spec);
    },
    async close() {
      tf?.removeBackend(backend);
    },
  };
}
