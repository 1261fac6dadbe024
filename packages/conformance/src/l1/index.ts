/** L1: public ops vs the PyTorch fixtures, API behaviour, and error cases. */
import type { Case } from '../types.js';
import { apiCases } from './api.js';
import { indexingApiCases } from './api-indexing.js';
import { fixtureCases } from './cases.js';
import { errorCases } from './errors.js';
import { inplaceCases } from './inplace.js';
import { limitCases } from './limits.js';
import { samplerCases } from './random-samplers.js';

export function l1Cases(): Case[] {
  return [
    ...fixtureCases(),
    ...apiCases(),
    ...indexingApiCases,
    ...errorCases(),
    ...inplaceCases(),
    ...limitCases(),
    ...samplerCases(),
  ];
}
