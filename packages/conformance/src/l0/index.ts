/** L0: storage and every primitive called directly through backend.kernels. */
import type { Case } from '../types.js';
import { elementwiseCases } from './elementwise.js';
import { linalgCases } from './linalg.js';
import { reduceCases } from './reduce.js';
import { sortCases } from './sort.js';
import { storageCases } from './storage.js';
import { structuralCases } from './structural.js';
import { writeCases } from './write.js';

export function l0Cases(): Case[] {
  return [
    ...storageCases(),
    ...elementwiseCases(),
    ...structuralCases(),
    ...writeCases(),
    ...reduceCases(),
    ...linalgCases(),
    ...sortCases(),
  ];
}
