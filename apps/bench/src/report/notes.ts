/** What each workload is and how repetitions are chosen: the fine print of the page. */
import type { BenchReport } from '../harness/types.js';

const WORKLOADS = [
  '**matmul n²** — fp32 `A·B`, both n×n, a fresh output each repetition; 2n³ FLOPs. NumPy’s ' +
    'matmul is one call to its BLAS (OpenBLAS here, see the adapter notes): the yardstick for ' +
    'the native backend’s GEMM.',
  '**element-wise** — 1024×1024 fp32 (1M elements): `add` of two tensors, `exp`, and ' +
    '`relu(x·w+b)` with `w` and `b` one row broadcast over `x` (a chain a fusing compiler ' +
    'would fuse; eager libraries run three ops).',
  '**sum / softmax rows** — 1024×1024, reduced along the last axis.',
  '**conv2d** — batch 64, 28×28, 3×3 kernel, stride 1, padding 1, no bias, in each ' +
    'library’s own layout (NCHW for Flint, PyTorch and onnxruntime, NHWC for tfjs). *fwd+bwd* is ' +
    'forward, sum, and the gradients for both input and weight, counted as 3× the forward FLOPs.',
  '**MLP step** — 784-128-64-10 with ReLU, mean softmax cross-entropy and one Adam step ' +
    '(lr 1e-3), loss read back; 6·batch·Σ(in·out) FLOPs. Each library’s own API: Flint ' +
    '`nn.Sequential` + `nn.F.crossEntropy` + `optim.Adam` (zeroGrad, forward, backward, step in ' +
    'one `fl.tidy`), PyTorch the same in `torch.nn`, tfjs variables + `train.adam().minimize`.',
  '**CNN step** — conv 1→32, ReLU, 2×2 max-pool, conv 32→64, ReLU, max-pool, dense 3136→128, ' +
    'ReLU, dense 128→10, batch 64, cross-entropy, Adam (Flint and PyTorch: `nn.Sequential` of ' +
    'their `Conv2d`/`MaxPool2d`/`Linear` layers, NCHW; tfjs: NHWC).',
  '**LSTM step** — one layer, input 128, hidden 128, batch 32, sequence 32, a linear head on ' +
    'the last hidden state, cross-entropy, Adam. Flint and PyTorch use their `nn.LSTM` (two ' +
    'bias vectors); tfjs writes the same cell with tensor ops and one bias (one input matmul ' +
    'for all steps, one recurrent matmul per step).',
  '**GRU step** — the same with a one-layer GRU (`nn.GRU`; tfjs writes torch’s cell: gates r, ' +
    'z, n, the hidden-side bias of n kept apart because r scales it).',
  '**tiny adds** — 1000 dependent adds of 4-element tensors: per-op overhead, not arithmetic ' +
    '(onnxruntime: one synchronous native session run per add). For Flint it includes the JS side of each op ' +
    '(shape checks, autograd bookkeeping, the tensor object, `fl.tidy`); the per-op target ' +
    'divides the median by the 1000 ops.',
  '**peak memory** — the peak of live tensor bytes during one MLP step (batch 64), parameters, ' +
    'optimizer state, batch, activations and gradients included. Flint: exact (a probe backend ' +
    'records live bytes at every free); tfjs: `tf.profile`’s peak; PyTorch: its live tensors ' +
    'before the step plus the exact replay of its allocator’s allocation and free events in ' +
    'order (each run first checks the replay on a case whose peak is known, and skips the row ' +
    'if it is wrong). Summing per-op totals instead undercounts PyTorch: a parent op’s negative ' +
    'total, from freeing its children’s temporaries, cancels their transient peak.',
];

/** What the Flint backends are; the native one's GEMM and threads as this run loaded them. */
export function backendNotes(rep: BenchReport): string {
  const native = rep.adapters.filter((a) => a.id.startsWith('flint-native'));
  const ran = native.filter((a) => a.info);
  // The labels name the GEMM the loaded addon reported (nativeInfo) and the thread count.
  const status =
    native.length === 0
      ? ''
      : ran.length > 0
        ? ` In this run: ${ran.map((a) => `${a.label} (${a.id})`).join('; ')}.`
        : ` Not measured in this run: ${native[0]!.skip ?? 'not loaded'}`;
  return [
    '**flint-cpu** — `@flint/backend-cpu`, the TypeScript reference backend: single-threaded, ' +
      'no native code.',
    '**flint-native** — `@flint/backend-native`, the C++ N-API addon: GEMM through CBLAS ' +
      '(OpenBLAS, or its built-in AVX2/FMA kernel when built without BLAS), vectorised ' +
      'element-wise and reduction kernels, fused kernels for conv, pooling, softmax, ' +
      'cross-entropy and Adam. Its thread count (kernels and BLAS) is process-wide, so each ' +
      'native adapter sets its own before every prepare and timed repetition, outside the ' +
      'timing: **flint-native** runs on 1 thread and is held to the 1-thread peers; ' +
      '**flint-native-2t** (extra row) on 2 threads, against PyTorch and NumPy at 2 threads.' +
      status,
  ]
    .map((b) => `- ${b}`)
    .join('\n');
}

export function notes(rep: BenchReport): string {
  const p = rep.policy;
  const s = (ms: number) => `${ms / 1e3} s`;
  const policy = !p
    ? ''
    : rep.mode === 'quick'
      ? `Quick mode: ${p.warmup} warm-up run and ${p.minReps} repetitions each.`
      : `Each adapter gets ${p.warmup} warm-up runs, then enough repetitions to fill about ` +
        `${s(p.budgetMs)} (${p.minReps} to ${p.maxReps}). A first run over ${s(p.slowMs)} gets ` +
        `${p.slowReps} repetitions; one over ${s(p.coldOnlyMs)} is kept as the only sample. An ` +
        `adapter whose FLOP rate on a smaller related workload (same family; conv2d backward ` +
        `for the CNN) predicts more than ${s(p.maxPredictedMs)} a run is skipped with that reason.`;
  return [...WORKLOADS.map((w) => `- ${w}`), '', policy].join('\n');
}
