/**
 * The workload list, in full and quick (CI) sizes. Full sizes are the ones the issue names; quick
 * sizes only keep every code path alive, so their numbers mean nothing.
 */
import type { ConvSpec, Spec, Target, Workload } from './harness/types.js';

export type Mode = 'quick' | 'full';

const MLP = [784, 128, 64, 10];
const MLP_QUICK = [32, 16, 8, 4];

function sizes(mode: Mode) {
  const q = mode === 'quick';
  return {
    matmul: q ? [16, 48] : [256, 512, 1024, 2048],
    // 1M elements as 1024 rows of 1024, so the row reductions and the broadcast row are natural.
    rows: q ? 16 : 1024,
    cols: q ? 64 : 1024,
    conv: q ? { batch: 2, size: 6 } : { batch: 64, size: 28 },
    convChannels: (q
      ? [
          [1, 4],
          [4, 8],
        ]
      : [
          [1, 32],
          [32, 64],
        ]) as [number, number][],
    mlp: q ? MLP_QUICK : MLP,
    mlpBatches: q ? [4] : [64, 1024],
    cnn: q
      ? { batch: 2, size: 8, channels: [4, 8] as const, hidden: 16 }
      : { batch: 64, size: 28, channels: [32, 64] as const, hidden: 128 },
    lstm: q
      ? { batch: 2, seq: 3, input: 8, hidden: 8, classes: 4 }
      : { batch: 32, seq: 32, input: 128, hidden: 128, classes: 10 },
    dispatch: q ? 20 : 1000,
  };
}

function mk(
  id: string,
  title: string,
  group: string,
  spec: Spec,
  work?: Workload['work'],
): Workload {
  return { id, title, group, spec, metric: spec.family === 'peakMemory' ? 'bytes' : 'ms', work };
}

const convFlops = (c: ConvSpec) => 2 * c.batch * c.size * c.size * c.cout * c.cin * c.k * c.k;

/** Multiply-add FLOPs of one MLP step: forward 2·B·Σ(in·out), backward twice that. */
const mlpFlops = (batch: number, s: readonly number[]) =>
  6 * batch * s.slice(1).reduce((acc, out, i) => acc + s[i]! * out, 0);

/** FLOPs of one CNN step (see Specs['cnnStep']): forward convs and dense layers, backward 2×. */
function cnnFlops(c: ReturnType<typeof sizes>['cnn']): number {
  const [c1, c2] = c.channels;
  const conv1 = convFlops({ batch: c.batch, size: c.size, cin: 1, cout: c1, k: 3 });
  const conv2 = convFlops({ batch: c.batch, size: c.size / 2, cin: c1, cout: c2, k: 3 });
  const dense = 2 * c.batch * (c2 * (c.size / 4) ** 2 * c.hidden + c.hidden * 10);
  return 3 * (conv1 + conv2 + dense);
}

/**
 * FLOPs of one LSTM (4 gates) or GRU (3 gates) step: the input and recurrent matmuls over the
 * sequence, the head; ×3 for forward and backward.
 */
function recurrentFlops(l: ReturnType<typeof sizes>['lstm'], gates: number): number {
  const mm = 2 * l.seq * l.batch * (l.input + l.hidden) * gates * l.hidden;
  return 3 * (mm + 2 * l.batch * l.hidden * l.classes);
}

export function workloads(mode: Mode): Workload[] {
  const z = sizes(mode);
  const list: Workload[] = [];
  for (const n of z.matmul)
    list.push(
      mk(
        `matmul-${n}`,
        `matmul ${n}²`,
        'matmul (fp32)',
        { family: 'matmul', n },
        { amount: 2 * n ** 3, unit: 'FLOP' },
      ),
    );
  const ew = { rows: z.rows, cols: z.cols };
  const elems = { amount: z.rows * z.cols, unit: 'elem' } as const;
  const mElems = `${((z.rows * z.cols) / 2 ** 20).toFixed(z.rows * z.cols >= 2 ** 20 ? 0 : 3)}M`;
  list.push(mk(`add`, `add ${mElems}`, 'element-wise', { family: 'add', ...ew }, elems));
  list.push(mk(`exp`, `exp ${mElems}`, 'element-wise', { family: 'exp', ...ew }, elems));
  list.push(
    mk(`fma-relu`, `relu(x·w+b) ${mElems}`, 'element-wise', { family: 'fmaRelu', ...ew }, elems),
  );
  list.push(
    mk(
      `sum-rows`,
      `sum rows ${z.rows}×${z.cols}`,
      'reductions',
      { family: 'sumRows', ...ew },
      elems,
    ),
  );
  list.push(
    mk(
      `softmax-rows`,
      `softmax rows ${z.rows}×${z.cols}`,
      'reductions',
      { family: 'softmaxRows', ...ew },
      elems,
    ),
  );
  for (const [cin, cout] of z.convChannels) {
    const c: ConvSpec = { ...z.conv, cin, cout, k: 3 };
    const t = `${c.batch}×${c.size}², ${cin}→${cout}`;
    list.push(
      mk(
        `conv2d-fwd-${cin}-${cout}`,
        `conv2d fwd ${t}`,
        'conv2d',
        { family: 'conv2dForward', ...c },
        { amount: convFlops(c), unit: 'FLOP' },
      ),
    );
    list.push(
      mk(
        `conv2d-bwd-${cin}-${cout}`,
        `conv2d fwd+bwd ${t}`,
        'conv2d',
        { family: 'conv2dBackward', ...c },
        { amount: 3 * convFlops(c), unit: 'FLOP' },
      ),
    );
  }
  for (const batch of z.mlpBatches)
    list.push(
      mk(
        `mlp-step-${batch}`,
        `MLP ${z.mlp.join('-')} step, batch ${batch}`,
        'training step',
        { family: 'mlpStep', batch, sizes: z.mlp },
        { amount: mlpFlops(batch, z.mlp), unit: 'FLOP' },
      ),
    );
  list.push({
    ...mk(
      `cnn-step-${z.cnn.batch}`,
      `CNN step, batch ${z.cnn.batch}`,
      'training step',
      { family: 'cnnStep', ...z.cnn },
      { amount: cnnFlops(z.cnn), unit: 'FLOP' },
    ),
    // Mostly conv2d backward: an adapter whose conv backward crawls would take minutes here.
    estimateFrom: ['conv2dBackward'],
  });
  const l = z.lstm;
  list.push(
    mk(
      `lstm-step`,
      `LSTM step, ${l.batch}×${l.seq}, hidden ${l.hidden}`,
      'training step',
      { family: 'lstmStep', ...l },
      { amount: recurrentFlops(l, 4), unit: 'FLOP' },
    ),
    mk(
      `gru-step`,
      `GRU step, ${l.batch}×${l.seq}, hidden ${l.hidden}`,
      'training step',
      { family: 'gruStep', ...l },
      { amount: recurrentFlops(l, 3), unit: 'FLOP' },
    ),
  );
  list.push(
    mk(
      `dispatch`,
      `${z.dispatch} tiny adds`,
      'overhead',
      { family: 'dispatch', ops: z.dispatch, size: 4 },
      { amount: z.dispatch, unit: 'op' },
    ),
  );
  const b = z.mlpBatches[0]!;
  list.push(
    mk(`peak-memory-mlp-${b}`, `peak memory, MLP ${z.mlp.join('-')} step, batch ${b}`, 'memory', {
      family: 'peakMemory',
      batch: b,
      sizes: z.mlp,
    }),
  );
  return list;
}

/** The peers that run on one thread (every non-extra peer), and those that run on two. */
const PEERS_1T = ['tfjs-cpu', 'tfjs-wasm', 'onnxruntime', 'torch-1t', 'numpy'] as const;
const PEERS_2T = ['torch-2t', 'numpy-2t'] as const;

/**
 * Issue 14's goal for the native backend, one group of rows per workload: at least as fast as
 * the fastest peer at 1 thread; at 2 threads at least as fast as the fastest 2-thread peer and
 * never slower than itself at 1 thread. The 2-thread rows are judged on minima (see judgeOn).
 */
function nativeTargets(mode: Mode): Target[] {
  return workloads(mode).flatMap((w): Target[] => {
    const base = { kind: 'ratio', workload: w.id, title: w.title, factor: 1 } as const;
    const two = { ...base, adapter: 'flint-native-2t', judgeOn: 'min', secondary: true } as const;
    return [
      { ...base, adapter: 'flint-native', against: PEERS_1T },
      { ...two, against: PEERS_2T },
      { ...two, title: `${w.title}: 2 threads vs 1`, against: 'flint-native' },
    ];
  });
}

/**
 * The issues' targets: Flint's CPU backend at least 5× TensorFlow.js's CPU backend; the native
 * backend at least as fast as the best peer on every workload (nativeTargets), and its per-op
 * overhead, JS side included, as an absolute limit.
 */
export function targets(mode: Mode): Target[] {
  const z = sizes(mode);
  const mm = z.matmul.includes(1024) ? 1024 : z.matmul[z.matmul.length - 1]!;
  const cpu = { kind: 'ratio', adapter: 'flint-cpu', against: 'tfjs-cpu', factor: 5 } as const;
  return [
    {
      ...cpu,
      title: `MLP training step, batch ${z.mlpBatches[0]}`,
      workload: `mlp-step-${z.mlpBatches[0]}`,
    },
    { ...cpu, title: `matmul ${mm}²`, workload: `matmul-${mm}` },
    {
      kind: 'max-per-unit',
      title: `${z.dispatch} tiny adds (4 elements, JS side included)`,
      workload: 'dispatch',
      adapter: 'flint-native',
      limitMs: 1e-3,
      unit: 'op',
    },
    ...nativeTargets(mode),
  ];
}
