/**
 * What the bench page (page.ts, bundled for Chromium) and its Node driver (driver.ts) exchange
 * through Playwright's `page.evaluate`: plain JSON in, plain JSON out. Timing happens in the page.
 */
import type { AdapterInfo, Spec } from '../harness/types.js';

/** An adapter living in the page; the driver wraps each as a harness Adapter. */
export interface PageAdapter {
  id: string;
  /** Loads the library or backend; throws (Skip or any error) when it is unavailable here. */
  init(): Promise<AdapterInfo>;
  prepare(spec: Spec): Promise<PageRunner>;
}

export interface PageRunner {
  /** One repetition; resolves to its wall time in ms as measured in the page. */
  run(): Promise<number>;
  dispose(): void | Promise<void>;
}

/** The first MLP training step on a fresh gpujs backend (kernel compilation included). */
export interface FirstStep {
  adapter: string;
  setupMs: number;
  firstMs: number;
  secondMs: number;
  /** Kernels compiled during the first step. */
  compiles: number;
}

/** A failure the page reports instead of throwing, so the driver can tell skips from errors. */
export interface PageError {
  error: string;
  skip: boolean;
}

/** `globalThis.__flintBench` in the page. */
export interface PageApi {
  ids: string[];
  init(id: string): Promise<AdapterInfo | PageError>;
  prepare(id: string, spec: Spec): Promise<number | PageError>;
  run(handle: number): Promise<number | PageError>;
  dispose(handle: number): Promise<void>;
  firstStep(spec: { batch: number; sizes: readonly number[] }): Promise<FirstStep | PageError>;
  /** The browser's WebGL2 renderer and WebGPU adapter, as the page sees them. */
  environment(): Promise<{ userAgent: string; webgl: string; webgpu: string }>;
}
