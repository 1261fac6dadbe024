/** The data model of the suite: cases, their capability needs, run options and results. */
import type { Backend, DType, OverrideName, Tolerance } from '@flint/core/backend';

export type Layer = 'L0' | 'L1' | 'L2' | 'L3' | 'L4' | 'nn' | 'props' | 'errors' | 'diff';

/** What a case needs from the backend; a case whose needs are unmet is skipped with the reason. */
export interface Needs {
  /** DTypes the case stores or computes in (checked against caps.dtypes). */
  dtypes?: readonly DType[];
  /** Feature flags (checked against caps.features). */
  features?: readonly string[];
  /** Largest rank the case passes to a kernel (checked against caps.maxRank). */
  rank?: number;
  /** The case hands strided views to kernels directly (checked against caps.strided). */
  strided?: boolean;
  /** The case exercises `backend.overrides[override]`. */
  override?: OverrideName;
  /** The case needs a second device (RunOptions.createSecond). */
  secondDevice?: boolean;
  /** The case compares the backend with the oracle device (RunOptions.oracle). */
  oracle?: boolean;
  /** The case tests the synchronous reads themselves (dataSync, item, toArray, readSync). */
  syncRead?: boolean;
}

export interface CaseContext {
  /** The backend under test, registered with core and the default device. */
  readonly backend: Backend;
  /** A second instance on another device, when RunOptions.createSecond is given. */
  readonly second?: Backend;
  /** The reference device (the CPU backend) whose results this backend must reproduce. */
  readonly oracle?: Backend;
  /** Tolerance for a dtype: caps.tolerance, tightened (never loosened) by `tighter`. */
  tol(dtype: DType, tighter?: Partial<Tolerance>): Tolerance;
}

export interface Case {
  /** Stable id, e.g. `ops/elementwise/exp/special`, `l0/prim/add/float32/strided`, `grad/matmul/batched`. */
  readonly id: string;
  readonly layer: Layer;
  /** Op or primitive name, for the report's op × dtype matrix. */
  readonly op: string;
  readonly dtype?: DType;
  readonly needs?: Needs;
  /**
   * Throws (or rejects) on failure. Runs inside a memory scope that spans its awaits (every tensor
   * it makes is disposed after it), unless `ownsMemory`; then the harness checks
   * `backend.stats()` for leaks. Cases read tensors only through `await` (harness/read.ts), so
   * they run the same on devices without synchronous read-back.
   */
  readonly run: (ctx: CaseContext) => void | Promise<void>;
  /** The case disposes everything it makes itself (it tests disposal); no scope around it. */
  readonly ownsMemory?: boolean;
}

export type Status = 'passed' | 'failed' | 'skipped' | 'known-failure';

export interface CaseResult {
  id: string;
  layer: Layer;
  op: string;
  dtype: DType | null;
  status: Status;
  /** Why it failed, was skipped, or is a known failure. */
  reason: string | null;
  /** Milliseconds. */
  duration: number;
}

/** id (or a prefix ending in `*`) → why it is expected to fail. */
export type KnownFailures = Readonly<Record<string, string>>;

/** `B`, `O`: the buffer types of the backend under test and of the oracle (opaque to cases). */
export interface RunOptions<B = unknown, O = unknown> {
  /** Returns a fresh backend instance. */
  create: () => Backend<B>;
  /** A second backend on a different device name (cross-device error cases); optional. */
  createSecond?: () => Backend<B>;
  /**
   * The reference for cross-backend cases (`diff/oracle/…`): a backend on another device name,
   * normally `cpuBackend()`, whose results on random programs this backend must reproduce.
   */
  oracle?: () => Backend<O>;
  /** Cases expected to fail, each with its reason. Strict: a listed case that passes fails the run. */
  knownFailures?: KnownFailures;
  /** Name used in the report (default: the backend's device name). */
  name?: string;
  /** Directory for conformance-report.json (default: the current directory); `false` writes none. */
  reportDir?: string | false;
  /** Only run cases whose id starts with one of these prefixes. */
  filter?: readonly string[];
}

export interface RunSummary {
  passed: number;
  failed: number;
  skipped: number;
  knownFailures: number;
  results: CaseResult[];
  /** Problems with the run itself (e.g. a known-failure entry that matches no case). */
  errors: string[];
  reportPath: string | null;
}
