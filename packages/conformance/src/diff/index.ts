/** The differential layer: the PyTorch corpus (`diff/<index>/…`) and the cross-backend programs (`diff/oracle/…`). */
import type { Case } from '../types.js';
import { corpusCases } from './cases.js';
import { oracleCases } from './oracle.js';

export function diffCases(): Case[] {
  return [...corpusCases(), ...oracleCases()];
}
