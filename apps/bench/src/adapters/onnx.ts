/**
 * onnxruntime-node peer, for the inference workloads: each workload is a one-to-three-node ONNX
 * graph built in memory (onnx-model.ts), run on one intra-op thread. Weights are graph inputs,
 * so every repetition is one synchronous native run with the same feeds. It has no training API, so the
 * training steps, conv2d backward and peak memory are skipped.
 */
import { createRequire } from 'node:module';
import type * as ORT from 'onnxruntime-node';
import { Skip, type Adapter, type Runner, type Spec, type Specs } from '../harness/types.js';
import { onnxModel, type GraphDef } from './onnx-model.js';

type Ort = typeof ORT;

function randomFeed(ort: Ort, shape: readonly number[]): ORT.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Float32Array.from({ length: n }, () => Math.random() * 2 - 1);
  return new ort.Tensor('float32', data, shape);
}

/** onnxruntime-node's native session: `run` is synchronous (see `runner`). */
interface SyncSession {
  loadModel(buf: ArrayBuffer, offset: number, length: number, opts: object): void;
  run(
    feeds: Record<string, ORT.Tensor>,
    fetches: Record<string, ORT.Tensor | null>,
    opts: object,
  ): Record<string, ORT.Tensor>;
  dispose(): void;
}
interface Binding {
  binding: { InferenceSession: new () => SyncSession };
  initOrt(): void;
}

/**
 * The package's `InferenceSession.run` wraps the native call in a promise resolved from
 * `setImmediate`, one event-loop hop per call, which would dominate the tiny rows. The bench
 * calls the native session the package wraps (its `dist/binding.js`) directly: synchronous, as
 * Flint's and PyTorch's calls are.
 */
function syncSession(g: GraphDef): SyncSession {
  const require = createRequire(import.meta.url);
  const { binding, initOrt } = require('onnxruntime-node/dist/binding.js') as Binding;
  initOrt();
  const s = new binding.InferenceSession();
  const model = onnxModel(g);
  s.loadModel(model.buffer as ArrayBuffer, model.byteOffset, model.byteLength, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  return s;
}

/**
 * `calls` session runs per repetition (more than one only for the dispatch workload). Outputs
 * are written into tensors allocated once (the first run's), so no run allocates or copies an
 * output: the cheapest way to call onnxruntime, as the Flint rows reuse nothing but pay no copy.
 */
function runner(ort: Ort, g: GraphDef, calls = 1): Runner {
  const s = syncSession(g);
  const feeds = Object.fromEntries(
    Object.entries(g.inputs).map(([k, shape]) => [k, randomFeed(ort, shape)]),
  );
  const outputs = s.run(feeds, Object.fromEntries(g.outputs.map((n) => [n, null])), {});
  return {
    async run() {
      const t = performance.now();
      for (let i = 0; i < calls; i++) s.run(feeds, outputs, {});
      return performance.now() - t;
    },
    dispose: () => s.dispose(),
  };
}

const one = (op: string, inputs: string[], attrs?: GraphDef['nodes'][number]['attrs']) => [
  { op, inputs, outputs: ['y'], attrs },
];

function graph(spec: Spec): GraphDef | undefined {
  const m = (s: { rows: number; cols: number }) => [s.rows, s.cols];
  switch (spec.family) {
    case 'matmul':
      return {
        inputs: { a: [spec.n, spec.n], b: [spec.n, spec.n] },
        outputs: ['y'],
        nodes: one('MatMul', ['a', 'b']),
      };
    case 'add':
      return { inputs: { a: m(spec), b: m(spec) }, outputs: ['y'], nodes: one('Add', ['a', 'b']) };
    case 'exp':
      return { inputs: { x: m(spec) }, outputs: ['y'], nodes: one('Exp', ['x']) };
    case 'fmaRelu':
      return {
        inputs: { x: m(spec), w: [spec.cols], b: [spec.cols] },
        outputs: ['y'],
        nodes: [
          { op: 'Mul', inputs: ['x', 'w'], outputs: ['xw'] },
          { op: 'Add', inputs: ['xw', 'b'], outputs: ['z'] },
          { op: 'Relu', inputs: ['z'], outputs: ['y'] },
        ],
      };
    case 'sumRows':
      return {
        inputs: { x: m(spec) },
        int64: { axes: [1] },
        outputs: ['y'],
        nodes: one('ReduceSum', ['x', 'axes'], { keepdims: 0 }),
      };
    case 'softmaxRows':
      return { inputs: { x: m(spec) }, outputs: ['y'], nodes: one('Softmax', ['x'], { axis: 1 }) };
    case 'conv2dForward':
      return convGraph(spec);
    case 'dispatch':
      return {
        inputs: { a: [spec.size], b: [spec.size] },
        outputs: ['y'],
        nodes: one('Add', ['a', 'b']),
      };
    default:
      return undefined;
  }
}

function convGraph(c: Specs['conv2dForward']): GraphDef {
  return {
    inputs: { x: [c.batch, c.cin, c.size, c.size], w: [c.cout, c.cin, c.k, c.k] },
    outputs: ['y'],
    nodes: one('Conv', ['x', 'w'], {
      kernel_shape: [c.k, c.k],
      pads: [1, 1, 1, 1],
      strides: [1, 1],
    }),
  };
}

export function onnxAdapter(): Adapter {
  let ort: Ort | undefined;
  return {
    id: 'onnxruntime',
    label: 'onnxruntime-node',
    role: 'peer',
    async init() {
      ort = (await import('onnxruntime-node')) as Ort;
      // ESM import of the CommonJS package: the API may sit on `default`.
      ort = (ort.InferenceSession ? ort : (ort as unknown as { default: Ort }).default) as Ort;
      return {
        version: `onnxruntime-node ${ort.env.versions.node ?? '?'}`,
        threads: 1,
        notes: [
          'inference only; graph optimisation on; the native session called synchronously, ' +
            'outputs written into tensors allocated once',
        ],
      };
    },
    async prepare(spec: Spec): Promise<Runner> {
      if (!ort) throw new Skip('onnxruntime not loaded');
      const g = graph(spec);
      if (!g) throw new Skip('inference-only peer (onnxruntime-node has no training or gradients)');
      return runner(ort, g, spec.family === 'dispatch' ? spec.ops : 1);
    },
    async close() {},
  };
}
