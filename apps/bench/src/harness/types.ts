/**
 * The shapes every piece of the bench agrees on: workload specs (one per family), adapters (one
 * per backend or peer) and results. An adapter is a table from family to a setup function, so a
 * new backend or peer is one small file, and a new workload family one entry per adapter.
 */
import type { ProfileSummary } from './profile.js';

/** Parameters of each workload family; the family name is the key adapters implement. */
export interface Specs {
  matmul: { n: number };
  add: { rows: number; cols: number };
  exp: { rows: number; cols: number };
  /** relu(x * w + b) with w and b one row broadcast over x: what a fusing compiler would fuse. */
  fmaRelu: { rows: number; cols: number };
  sumRows: { rows: number; cols: number };
  softmaxRows: { rows: number; cols: number };
  /** 3×3 convolution, stride 1, padding 1, no bias; NCHW or NHWC as the library prefers. */
  conv2dForward: ConvSpec;
  /** Forward, sum, and the gradients for both input and weight. */
  conv2dBackward: ConvSpec;
  /** One Adam step of a ReLU MLP with softmax cross-entropy. */
  mlpStep: { batch: number; sizes: readonly number[] };
  /** One Adam step of conv-relu-pool ×2, then dense-relu-dense (see workloads.ts). */
  cnnStep: { batch: number; size: number; channels: readonly [number, number]; hidden: number };
  /** One Adam step of a one-layer LSTM over a sequence, a linear head on the last state. */
  lstmStep: RecurrentSpec;
  /** The same with a one-layer GRU (gates r, z, n as torch.nn.GRU). */
  gruStep: RecurrentSpec;
  /** `ops` dependent adds of tiny tensors: per-op overhead, not arithmetic. */
  dispatch: { ops: number; size: number };
  /**
   * Peak tensor bytes during one MLP training step, everything live included (parameters,
   * optimizer state, batch, activations, gradients): bytes, not time.
   */
  peakMemory: { batch: number; sizes: readonly number[] };
}
export interface RecurrentSpec {
  batch: number;
  seq: number;
  input: number;
  hidden: number;
  classes: number;
}
export interface ConvSpec {
  batch: number;
  size: number;
  cin: number;
  cout: number;
  k: number;
}
export type Family = keyof Specs;
export type Spec = { [F in Family]: { family: F } & Specs[F] }[Family];

/** What one repetition measures: wall time, or the peak bytes of the memory workload. */
export type Metric = 'ms' | 'bytes';

export interface Workload {
  /** Stable id used in JSON and to filter on the command line, e.g. `matmul-1024`. */
  id: string;
  title: string;
  group: string;
  spec: Spec;
  metric: Metric;
  /** Work per repetition for throughput: FLOPs, or items (elements, samples, ops). */
  work?: { amount: number; unit: 'FLOP' | 'elem' | 'sample' | 'op' };
  /**
   * Families whose FLOP rate, measured earlier on the same adapter, predicts this workload's run
   * time (default: its own family), so a pathologically slow kernel is skipped, not waited on.
   */
  estimateFrom?: Family[];
}

/** A prepared workload on one adapter. `run` performs one repetition and reports its cost. */
export interface Runner {
  /**
   * One repetition; resolves to milliseconds (or bytes for the memory workload) as measured by
   * the adapter itself, so a subprocess peer times inside its own process without IPC.
   */
  run(): Promise<number>;
  dispose(): void | Promise<void>;
}

export type Impl = { [F in Family]?: (spec: Specs[F]) => Runner | Promise<Runner> };

export interface AdapterInfo {
  version: string;
  /** Threads the library computes with, as configured by the adapter. */
  threads: number;
  /** Anything that affects the numbers: BLAS in use, backend mode, … */
  notes?: string[];
}

export interface Adapter {
  /** Short id, also the column name: `flint-cpu`, `tfjs-cpu`, `torch-1t`. */
  id: string;
  label: string;
  /** Flint backends are measured; peers are what they are measured against. */
  role: 'flint' | 'peer';
  /** An extra row (e.g. PyTorch with 2 threads): shown, never the "best peer". */
  extra?: boolean;
  /** Load the library; throws (Skip or any error) when it is not available here. */
  init(): Promise<AdapterInfo>;
  /** Set up one workload; throws Skip when this adapter cannot run it. */
  prepare(spec: Spec): Promise<Runner>;
  /**
   * Called with true before and false after a CPU-profiled section (harness/profile.ts), never
   * around timed repetitions: e.g. the native backend routes its addon calls through named JS
   * frames so that the profile can tell the addon's time from its callers'.
   */
  profiling?(on: boolean): void;
  close(): Promise<void>;
}

/** Thrown to skip an adapter or a workload with a reason printed and recorded. */
export class Skip extends Error {
  override name = 'Skip';
}

export interface Stats {
  median: number;
  min: number;
  max: number;
  reps: number;
  warmup: number;
  samples: number[];
}

export interface Cell {
  adapter: string;
  /** Present when the workload ran. */
  stats?: Stats;
  /** Work per second at the median (GFLOP/s for FLOP work, items/s otherwise). */
  throughput?: number;
  /** Best peer's median ÷ this median: above 1 this row is faster (or uses less memory). */
  vsBestPeer?: number;
  /** Present when the workload did not run; `error` marks a failure rather than a gap. */
  skip?: string;
  error?: boolean;
}

export interface WorkloadResult {
  workload: Workload;
  cells: Cell[];
  /** The fastest (or leanest) peer that is not an extra row. */
  bestPeer?: string;
}

export interface AdapterRecord {
  id: string;
  label: string;
  role: Adapter['role'];
  extra: boolean;
  info?: AdapterInfo;
  skip?: string;
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  platform: string;
  node: string;
  v8: string;
  loadAvgStart: number[];
  loadAvgEnd: number[];
  /** Thread-related environment as the peers see it (OMP/OpenBLAS/MKL). */
  env: Record<string, string>;
  commit: string;
}

interface TargetBase {
  title: string;
  workload: string;
  /** The Flint adapter held to the target. */
  adapter: string;
  /** A secondary row (e.g. the 2-thread comparison): shown and judged, listed after the rest. */
  secondary?: boolean;
  /** What pass/fail is judged on, from the medians (see each kind for its unit). */
  measured?: number;
  /**
   * The same from the minima. Load from elsewhere only ever adds time, so on a busy machine the
   * fastest runs are the better estimate of the undisturbed value; shown beside the median's.
   */
  measuredMin?: number;
  pass?: boolean;
  note?: string;
}

/**
 * Relative: `adapter` at least `factor`× as fast as the peer `against` (peer ÷ Flint time), or
 * as the fastest in this run of several peers when `against` lists them.
 */
export interface RatioTarget extends TargetBase {
  kind: 'ratio';
  against: string | readonly string[];
  /** Required speed-up, peer median ÷ Flint median; below 1 allows Flint to be slower. */
  factor: number;
  /**
   * Which statistic pass/fail is judged on (default the median). 2-thread rows use the minimum:
   * on shared 2-vCPU machines a second thread is what other load steals first.
   */
  judgeOn?: 'median' | 'min';
}

/**
 * Absolute: at most `limitMs` per unit of the workload's work (e.g. per op of the dispatch
 * workload), i.e. median ÷ work amount ≤ limitMs. Only meaningful where the adapter's time is
 * all per-unit cost, such as per-op overhead.
 */
export interface PerUnitTarget extends TargetBase {
  kind: 'max-per-unit';
  limitMs: number;
  /** The workload's work unit (`op`), for display. */
  unit: string;
}

export type Target = RatioTarget | PerUnitTarget;

/** How many warm-ups and repetitions each adapter gets on a workload. */
export interface Policy {
  /** Warm-up runs before measuring (JIT, caches, buffer pools). */
  warmup: number;
  minReps: number;
  maxReps: number;
  /** Measured time to aim at per adapter and workload; sets the count between min and max. */
  budgetMs: number;
  /** A first run slower than this gets no second warm-up and only `slowReps` repetitions. */
  slowMs: number;
  slowReps: number;
  /**
   * A first run slower than this (tfjs-cpu at 2048²) is kept as the only sample: repeating it
   * would cost minutes, and at that length warm-up effects are noise.
   */
  coldOnlyMs: number;
  /** Skip an adapter when its predicted run time (see Workload.estimateFrom) exceeds this. */
  maxPredictedMs: number;
}

export interface BenchReport {
  mode: 'quick' | 'full';
  policy: Policy;
  date: string;
  durationS: number;
  machine: MachineInfo;
  adapters: AdapterRecord[];
  results: WorkloadResult[];
  targets: Target[];
  /** Where the time of the profiled training steps goes (absent in older reports). */
  profiles?: ProfileSummary[];
}
