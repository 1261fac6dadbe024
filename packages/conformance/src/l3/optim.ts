/**
 * L3 optimizer steps: fused adamStep and sgdStep against the optimizers' composite updates
 * (overrides switched off). sgdStep is also called directly on KViews, first and later steps.
 */
import * as fl from '@flint/core';
import type { DType, SgdStepParams } from '@flint/core/backend';
import { assertClose, check } from '../harness/compare.js';
import { Rng } from '../harness/rng.js';
import { withBuffers } from '../l0/views.js';
import { flatTensor } from '../l1/fixtures.js';
import type { Case, CaseContext } from '../types.js';
import { FLOATS, close, maybeDecomposed, normals, take, upload, values } from './common.js';

/** Fused Adam/AdamW steps against the optimizer's composite update (overrides switched off). */
function adamCase(dtype: DType, variant: 'adam' | 'adamw' | 'maximize'): Case {
  return {
    id: `l3/adamStep/${dtype}/${variant}`,
    layer: 'L3',
    op: 'adamStep',
    dtype,
    needs: { override: 'adamStep', dtypes: [dtype] },
    run: async (ctx: CaseContext) => {
      const rng = new Rng(`l3/adam/${variant}`);
      const init = Array.from({ length: 24 }, () => rng.normal());
      const grads = Array.from({ length: 3 }, () => Array.from({ length: 24 }, () => rng.normal()));
      const train = async (decomposed: boolean): Promise<number[]> => {
        const p = fl.keep(flatTensor(init, [4, 6], dtype).requiresGrad_());
        const opts = {
          lr: 0.01,
          weightDecay: variant === 'adam' ? 0 : 0.1,
          maximize: variant === 'maximize',
        };
        const opt =
          variant === 'adamw' ? new fl.optim.AdamW([p], opts) : new fl.optim.Adam([p], opts);
        try {
          maybeDecomposed(decomposed, () =>
            fl.tidy(() => {
              for (const g of grads) {
                p.grad?.dispose();
                p.grad = fl.keep(flatTensor(g, [4, 6], dtype));
                opt.step();
              }
            }),
          );
          return await values(p);
        } finally {
          opt.zeroGrad();
          disposeState(opt);
          p.dispose();
        }
      };
      const fused = await train(false);
      const composite = await train(true);
      assertClose(fused, composite, {
        tol: ctx.tol(dtype),
        what: `fused adamStep (${variant}) vs the composite update`,
      });
    },
  };
}

/** Optimizer state tensors are kept (they outlive steps); free them so the leak check holds. */
function disposeState(opt: { readonly state: Map<fl.Tensor, object> }): void {
  for (const s of opt.state.values())
    for (const v of Object.values(s)) if (v instanceof fl.Tensor) v.dispose();
}

type SgdOptions = Omit<SgdStepParams, 'firstStep'>;

const SGD: Record<string, Partial<SgdOptions>> = {
  plain: {},
  'plain-decay-maximize': { weightDecay: 0.1, maximize: true },
  momentum: { momentum: 0.9 },
  dampening: { momentum: 0.9, dampening: 0.3 },
  nesterov: { momentum: 0.8, nesterov: true },
  'weight-decay': { momentum: 0.9, weightDecay: 0.01 },
  maximize: { momentum: 0.5, weightDecay: 0.1, maximize: true },
};

function sgdOptions(variant: string): SgdOptions {
  const defaults = { lr: 0.05, momentum: 0, dampening: 0, weightDecay: 0 };
  return { ...defaults, nesterov: false, maximize: false, ...SGD[variant] };
}

const SHAPE = [4, 6];

/** Parameter and momentum buffer after each step of fl.optim.SGD (composite when `decomposed`). */
async function sgdSteps(
  dtype: DType,
  o: SgdOptions,
  init: number[],
  grads: number[][],
  decomposed = true,
): Promise<{ p: number[]; buf: number[] | null }[]> {
  const p = fl.keep(flatTensor(init, SHAPE, dtype).requiresGrad_());
  const opt = new fl.optim.SGD([p], o);
  try {
    const steps: { p: number[]; buf: number[] | null }[] = [];
    for (const g of grads) {
      maybeDecomposed(decomposed, () =>
        fl.tidy(() => {
          p.grad?.dispose();
          p.grad = fl.keep(flatTensor(g, SHAPE, dtype));
          opt.step();
        }),
      );
      const buf = opt.state.get(p)?.momentumBuffer ?? null;
      steps.push({ p: await values(p), buf: buf ? await values(buf) : null });
    }
    return steps;
  } finally {
    opt.zeroGrad();
    disposeState(opt);
    p.dispose();
  }
}

function sgdKernelCase(dtype: DType, variant: string): Case {
  return {
    id: `l3/sgdStep/${dtype}/${variant}`,
    layer: 'L3',
    op: 'sgdStep',
    dtype,
    needs: { override: 'sgdStep', dtypes: [dtype] },
    run: async (ctx: CaseContext) => {
      const o = sgdOptions(variant);
      const init = normals(`l3/sgd/${variant}/p`, 24);
      const grads = [1, 2].map((k) => normals(`l3/sgd/${variant}/g${k}`, 24));
      const want = await sgdSteps(dtype, o, init, grads);
      let [p, buf]: [number[], number[] | null] = [init, null];
      for (const [k, g] of grads.entries()) {
        [p, buf] = await withBuffers(ctx.backend, async (bufs) => {
          const firstStep = o.momentum !== 0 && buf === null;
          const [pv, gv] = [p, g].map((d) => upload(bufs, dtype, SHAPE, d, k === 1));
          const bv = o.momentum !== 0 && buf ? upload(bufs, dtype, SHAPE, buf) : null;
          const r = ctx.backend.overrides!.sgdStep!(pv!, gv!, bv, { ...o, firstStep });
          // Without params.inPlace a kernel must return its buffers (in place it may not).
          check(Array.isArray(r), `sgdStep ${variant}: returns [p, buf] when not in place`);
          const [np, nb] = r as [unknown, unknown];
          const next = await take(bufs, np, dtype, 24);
          return [next, nb === null ? null : await take(bufs, nb, dtype, 24)];
        });
        const step = `sgdStep ${variant}, step ${k + 1}`;
        close(ctx, dtype, p, want[k]!.p, `${step}: parameter vs the composite update`);
        check((buf === null) === (o.momentum === 0), `${step}: a momentum buffer iff momentum ≠ 0`);
        if (buf) close(ctx, dtype, buf, want[k]!.buf!, `${step}: momentum buffer vs the composite`);
      }
    },
  };
}

function sgdOptimizerCase(dtype: DType, variant: string): Case {
  return {
    id: `l3/sgdStep/${dtype}/${variant}/optimizer`,
    layer: 'L3',
    op: 'sgdStep',
    dtype,
    needs: { override: 'sgdStep', dtypes: [dtype] },
    run: async (ctx: CaseContext) => {
      const o = sgdOptions(variant);
      const rng = new Rng(`l3/sgd-opt/${variant}`);
      const init = rng.array(24, (r) => r.normal());
      const grads = [0, 1, 2].map(() => rng.array(24, (r) => r.normal()));
      const fused = await sgdSteps(dtype, o, init, grads, false);
      const composite = await sgdSteps(dtype, o, init, grads);
      fused.forEach((step, k) => {
        const what = `fl.optim.SGD (${variant}) step ${k + 1} with the fused sgdStep`;
        close(ctx, dtype, step.p, composite[k]!.p, `${what}: parameter vs the composite`);
        check((step.buf === null) === (composite[k]!.buf === null), `${what}: momentum buffer`);
        if (step.buf) close(ctx, dtype, step.buf, composite[k]!.buf!, `${what}: momentum buffer`);
      });
    },
  };
}

export function l3OptimizerCases(): Case[] {
  const cases = FLOATS.flatMap((d) =>
    (['adam', 'adamw', 'maximize'] as const).map((v) => adamCase(d, v)),
  );
  for (const d of FLOATS)
    for (const v of Object.keys(SGD)) cases.push(sgdKernelCase(d, v), sgdOptimizerCase(d, v));
  return cases;
}
