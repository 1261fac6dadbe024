/**
 * L2 first-order gradients, from every fixture case that carries PyTorch's gradients:
 * `grad/<op>/<variant>` compares fl.grad with torch's; `grad/<op>/<variant>/fd` with central
 * differences. Backends without float64 run the torch comparison in float32.
 */
import type { DType, Tolerance } from '@flint/core/backend';
import { assertClose, maxAbs } from '../harness/compare.js';
import { subnormalNeeds } from '../harness/subnormal.js';
import type { Case, CaseContext } from '../types.js';
import { loadFixtures, values, type FixtureCase } from '../l1/fixtures.js';
import { analyticGrads, gradInputs, numericGrads } from './fd.js';

/** Accuracy of central differences themselves (truncation + rounding), not of the backend. */
export const FD_TOL: Tolerance = { rtol: 1e-6, atol: 1e-7 };

export function gradId(c: FixtureCase, prefix = 'grad'): string {
  const [, , ...rest] = c.id.split('/'); // ops/<family>/<op>/<variant…>
  return `${prefix}/${rest.join('/')}`;
}

/** A float32 fixture is a float32 case (float32 overflow points); float64 runs in float32 without it. */
const fixtureDType = (c: FixtureCase): DType =>
  gradInputs(c).some((i) => c.inputs[i]!.dtype === 'float32') ? 'float32' : 'float64';

/** A case whose op reads values synchronously (fixtures.ts `syncRead`) needs the device to. */
const syncNeeds = (c: FixtureCase) => (c.syncRead ? { syncRead: true as const } : {});

function torchCase(c: FixtureCase): Case {
  const own = fixtureDType(c);
  return {
    id: gradId(c),
    layer: 'L2',
    op: c.op,
    dtype: own,
    // Special points mean different things in float32 (overflow, rounding to ±0): no fallback.
    needs: {
      ...(c.fd === false ? { dtypes: [own] } : {}),
      ...syncNeeds(c),
      ...subnormalNeeds(c.inputs, c.tol, c.grads),
    },
    run: async (ctx: CaseContext) => {
      const dtype: DType =
        own === 'float64' && ctx.backend.caps.dtypes.includes('float64') ? 'float64' : 'float32';
      const got = await analyticGrads(c, dtype);
      const want = gradInputs(c).map((i) => values(c.grads![i]!));
      want.forEach((w, k) =>
        assertClose(got[k]!, w, {
          tol: ctx.tol(dtype, c.tol),
          // An accumulated gradient's rounding scales with its largest entry; at special points
          // (exp(100) beside 0.5) that would hide every other entry, so each is compared alone.
          scale: c.fd === false ? 0 : maxAbs(w),
          what: `d/d(input ${gradInputs(c)[k]}) vs PyTorch (${dtype})`,
        }),
      );
    },
  };
}

function fdCase(c: FixtureCase): Case {
  return {
    id: `${gradId(c)}/fd`,
    layer: 'L2',
    op: c.op,
    dtype: 'float64',
    needs: { dtypes: ['float64'], ...syncNeeds(c) },
    run: async (ctx: CaseContext) => {
      const got = await analyticGrads(c, 'float64');
      const num = await numericGrads(c);
      const tol = {
        rtol: Math.max(ctx.tol('float64').rtol, FD_TOL.rtol),
        atol: Math.max(ctx.tol('float64').atol, FD_TOL.atol),
      };
      num.forEach((n, k) =>
        assertClose(got[k]!, n, {
          tol,
          scale: maxAbs(n),
          what: `d/d(input ${gradInputs(c)[k]}) vs central differences`,
        }),
      );
    },
  };
}

export function gradFixtures(): FixtureCase[] {
  return loadFixtures().filter((c) => c.grads && c.gradOutputs);
}

export function gradCases(): Case[] {
  return gradFixtures().flatMap((c) =>
    c.fd === false ? [torchCase(c)] : [torchCase(c), fdCase(c)],
  );
}
