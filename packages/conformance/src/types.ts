/** The data model of the suite: cases, their capability needs, run options and results. */
import type { Backend, DType, OverrideName, Tolerance } from '@flint/core/backend';

/**
 * The suite's layers: L0 primitives … L4 training runs, plus nn layers, properties, error cases and
 * differential tests (see the package README).
 */
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
  /**
   * The case's float32 inputs, intermediates or expected values are subnormal (checked against
   * caps.flushesSubnormals: a device that flushes them to zero cannot give those answers).
   */
  subnormals?: boolean;
}

/** What a case receives when it runs. */
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

/**
 * One conformance case: a stable id, what it needs from the backend, and a function that throws on
 * failure.
 */
export interface Case {
  /** Stable id, e.g. `ops/elementwise/exp/special`, `l0/prim/add/float32/strided`, `grad/matmul/batched`. */
  readonly id: string;
  /** The layer the case belongs to. */
  readonly layer: Layer;
  /** Op or primitive name, for the report's op × dtype matrix. */
  readonly op: string;
  /** The dtype the case checks, for the report's op × dtype matrix. */
  readonly dtype?: DType;
  /** Capabilities the case needs; unmet needs skip it with the reason. */
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

/** Outcome of one case. */
export type Status = 'passed' | 'failed' | 'skipped' | 'known-failure';

/** The outcome of one case, as stored in conformance-report.json. */
export interface CaseResult {
  /** The case's id. */
  id: string;
  /** The case's layer. */
  layer: Layer;
  /** The op or primitive the case checks. */
  op: string;
  /** The dtype the case checks, or null. */
  dtype: DType | null;
  /** Whether it passed, failed, was skipped or is a known failure. */
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

/** Totals and per-case results of one run of the suite. */
export interface RunSummary {
  /** Cases that passed. */
  passed: number;
  /** Cases that failed (known failures excluded), plus problems with the run itself (`errors`). */
  failed: number;
  /** Cases skipped for unmet needs. */
  skipped: number;
  /** Cases that failed as listed in `knownFailures`. */
  knownFailures: number;
  /** Every case's result. */
  results: CaseResult[];
  /** Problems with the run itself (e.g. a known-failure entry that matches no case). */
  errors: string[];
  /** Where conformance-report.json was written, or null when none was. */
  reportPath: string | null;
}
