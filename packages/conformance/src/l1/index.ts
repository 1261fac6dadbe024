/** L1: public ops vs the PyTorch fixtures, API behaviour, and error cases. */
import type { Case } from '../types.js';
import { apiCases } from './api.js';
import { fixtureCases } from './cases.js';
import { errorCases } from './errors.js';
import { inplaceCases } from './inplace.js';
import { limitCases } from './limits.js';

export function l1Cases(): Case[] {
  return [...fixtureCases(), ...apiCases(), ...errorCases(), ...inplaceCases(), ...limitCases()];
}
