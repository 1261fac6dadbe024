/** L1: every fixture case run through its Flint call and compared with PyTorch's result. */
import type { Case, CaseContext } from '../types.js';
import { checkResult, expectError, inputScale } from './check.js';
import { dtypesOf, loadFixtures, mainDType, makeTensor, type FixtureCase } from './fixtures.js';
import { INVOKE } from './invoke.js';
import { subnormalNeeds } from '../harness/subnormal.js';

function invoke(c: FixtureCase) {
  const fn = INVOKE[c.op];
  if (!fn) throw new Error(`@flint/conformance: no Flint call for fixture op '${c.op}' (${c.id})`);
  return fn;
}

async function runForward(c: FixtureCase, ctx: CaseContext): Promise<void> {
  const fn = invoke(c);
  const ins = c.inputs.map((s) => makeTensor(s));
  if ('error' in c.expected) {
    await expectError(() => fn(ins, c.args), c.expected.error, c.op, c.mentions);
    return;
  }
  await checkResult(ctx, fn(ins, c.args), c.expected, {
    signedZero: c.signedZero,
    scale: inputScale(c),
    tol: (d) => ctx.tol(d, c.tol),
  });
}

export function fixtureCases(): Case[] {
  return loadFixtures().map((c) => ({
    id: c.id,
    layer: c.family === 'errors' ? 'errors' : 'L1',
    op: c.op,
    dtype: mainDType(c),
    needs: {
      dtypes: dtypesOf(c),
      rank: Math.max(0, ...c.inputs.map((s) => s.shape.length)),
      ...(c.syncRead ? { syncRead: true } : {}),
      ...subnormalNeeds(c.inputs, c.tol, c.expected),
    },
    run: (ctx: CaseContext) => runForward(c, ctx),
  }));
}
