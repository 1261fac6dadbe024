// The conformance suite's options for the 'cuda' device (the module the flint-conformance CLI
// loads): the real GPU by default; FLINT_CUDA_SUITE_EMULATE=1 runs the emulation build's device
// (scripts/test-cudaemu.mjs). Known failures, when any, are listed with their reasons in
// cuda-known-failures.json next to this file.
import { existsSync, readFileSync } from 'node:fs';
import { cpuBackend } from '@flint/backend-cpu';
import { cudaBackend } from '../dist/index.js';

const emulate = process.env.FLINT_CUDA_SUITE_EMULATE === '1';
// Development only: run while kernel families are still missing (their cases fail).
const allowIncomplete = process.env.FLINT_CUDA_INCOMPLETE === '1';
const knownFile = new URL('./cuda-known-failures.json', import.meta.url);

export const conformance = {
  create: () => cudaBackend({ emulate, allowIncomplete }),
  createSecond: () => cudaBackend({ name: 'cuda2', emulate, allowIncomplete }),
  oracle: () => cpuBackend({ name: 'cpu-oracle' }),
  knownFailures: existsSync(knownFile) ? JSON.parse(readFileSync(knownFile, 'utf8')) : {},
};
