/** Every case of every layer, in a stable order, with unique ids. */
import type { Case } from '../types.js';
import { l0Cases } from '../l0/index.js';
import { l1Cases } from '../l1/index.js';
import { l2Cases } from '../l2/index.js';
import { l3Cases, l3OptimizerCases } from '../l3/index.js';
import { l4Cases } from '../l4.js';
import { nnCases } from '../nn/index.js';
import { propCases } from '../props.js';
import { diffCases } from '../diff/index.js';

let cached: Case[] | null = null;

/** Every case of the suite, built once and cached, in layer order. */
export function allCases(): Case[] {
  if (cached) return cached;
  const cases = [
    ...l0Cases(),
    ...l1Cases(),
    ...l2Cases(),
    ...l3Cases(),
    ...l3OptimizerCases(),
    ...l4Cases(),
    ...nnCases(),
    ...propCases(),
    ...diffCases(),
  ];
  const seen = new Set<string>();
  for (const c of cases) {
    if (seen.has(c.id)) throw new Error(`@flint/conformance: duplicate case id '${c.id}'`);
    seen.add(c.id);
  }
  cached = cases;
  return cases;
}
