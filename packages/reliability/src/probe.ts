/**
 * What a probe is. A probe is one adversarial call of the public API with the outcome Flint
 * promises for it: it either completes (and may assert on what it got), or it throws a typed
 * FlintError of a named class. Probes live in `probes/<category>.ts`, one category a file, each
 * file exporting `probes`. The runner (runner.ts) runs every category in child processes, so a
 * crash or a hang is a failed probe, not the end of the run.
 */
import type * as Flint from '@flint/core';

/** Devices a probe can run on; each child process registers one of them as the default. */
export type ProbeDevice = 'cpu' | 'native' | 'gpujs';
export const PROBE_DEVICES: readonly ProbeDevice[] = ['cpu', 'native', 'gpujs'];
/**
 * Where a probe without `devices` runs. gpujs probes opt in by naming it: that device has no
 * float64, which many probes use.
 */
export const DEFAULT_DEVICES: readonly ProbeDevice[] = ['cpu', 'native'];

export interface ProbeContext {
  /** `@flint/core`, with `device` registered and made the default. */
  fl: typeof Flint;
  device: ProbeDevice;
  /** A fresh scratch directory for this probe (removed afterwards). */
  tmp: string;
}

export type Expect =
  /** Completes without throwing (the probe asserts on its results itself, with node:assert). */
  | 'ok'
  /** Throws a FlintError whose class is (or extends) `throws`, and whose message matches `match`. */
  | { throws: string; match?: RegExp };

export interface Probe {
  /** Stable, unique within its category: `narrow/fractional-start`. */
  id: string;
  expect: Expect;
  run(ctx: ProbeContext): unknown;
  /** Where it runs; DEFAULT_DEVICES when absent. */
  devices?: readonly ProbeDevice[];
  /** A limit for this probe; the default is 10 s. A hang past it fails the probe. */
  timeoutMs?: number;
}

/** Longest message a public error may carry: user data must never be echoed without bound. */
export const MAX_MESSAGE = 2000;

export type Outcome =
  { id: string; status: 'passed' } | { id: string; status: 'failed'; why: string };
