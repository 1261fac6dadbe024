/**
 * L1 cases of the samplers built on the counter-based generator (bernoulli, multinomial, normal,
 * randint, the `*Like` creators): after the same seed every backend must draw what the CPU
 * backend (the oracle) draws, and each backend's draws must have the right distribution within
 * 5 standard errors (a correct sampler fails about once in 10⁶ seeds; the seeds are fixed).
 */
import * as fl from '@flint/core';
import { assertClose, assertDType, assertShape, check, EXACT } from '../harness/compare.js';
import { read } from '../harness/read.js';
import type { Case, CaseContext } from '../types.js';

type Draw = (device: string) => fl.Tensor;

/** Weights with exact float32 prefix sums, so the inverse-CDF step cannot round differently. */
const W = [
  [0.125, 0.5, 0.25, 0.125, 0],
  [1, 0, 3, 4, 0.5],
];
const on = (device: string) => ({ device });

const DRAWS: Record<string, { draw: Draw; exact: boolean }> = {
  bernoulli: {
    draw: (d) => fl.bernoulli(fl.tensor([[0.25, 0.5, 0.75, 0.125]], on(d)).expand([64, 4])),
    exact: true,
  },
  'multinomial/replacement': {
    draw: (d) => fl.multinomial(fl.tensor(W, on(d)), 32, true),
    exact: true,
  },
  'multinomial/no-replacement': {
    draw: (d) => fl.multinomial(fl.tensor(W, on(d)), 4),
    exact: true,
  },
  randint: { draw: (d) => fl.randint(-5, 9, [200], on(d)), exact: true },
  randintLike: { draw: (d) => fl.randintLike(fl.zeros([50], on(d)), 3, 40), exact: true },
  randLike: { draw: (d) => fl.randLike(fl.zeros([3, 40], on(d))), exact: true },
  // Box–Muller runs log/sqrt/cos on the device: equal up to the device's float32 rounding.
  normal: {
    draw: (d) => fl.normal(fl.tensor([0, 10, -3], on(d)), fl.tensor([[1], [2]], on(d))),
    exact: false,
  },
  randnLike: { draw: (d) => fl.randnLike(fl.zeros([100], on(d))), exact: false },
};

function sameAsOracle(name: string, draw: Draw, exact: boolean): Case {
  return {
    id: `api/random/same-as-cpu/${name}`,
    layer: 'L1',
    op: name.split('/')[0]!,
    needs: { oracle: true },
    run: async (ctx: CaseContext) => {
      fl.manualSeed(1234);
      const got = draw(ctx.backend.name);
      fl.manualSeed(1234);
      const want = draw(ctx.oracle!.name);
      assertShape([...got.shape], [...want.shape]);
      assertDType(got.dtype, want.dtype);
      assertClose(await read(got), await read(want), {
        tol: exact ? EXACT : ctx.tol('float32'),
        what: `${name} after manualSeed(1234) vs the CPU backend's draw`,
      });
    },
  };
}

const within5se = (f: number, p: number, n: number) =>
  Math.abs(f - p) <= 5 * Math.sqrt((p * (1 - p)) / n);

const statistics: Case[] = [
  {
    id: 'api/random/bernoulli/frequency',
    layer: 'L1',
    op: 'bernoulli',
    run: async () => {
      fl.manualSeed(21);
      const n = 8192;
      for (const p of [0.1, 0.5, 0.8]) {
        const d = Array.from(await read(fl.bernoulli(fl.full([n], p))));
        const f = d.reduce((a, b) => a + b, 0) / n;
        check(within5se(f, p, n), `bernoulli(${p}): frequency of 1 is ${f} over ${n} draws`);
      }
    },
  },
  {
    id: 'api/random/multinomial/frequency',
    layer: 'L1',
    op: 'multinomial',
    run: async () => {
      fl.manualSeed(22);
      const n = 8192;
      const w = [1, 0, 2, 5];
      for (const replacement of [true, false]) {
        const probs = fl.tensor([w]).expand([replacement ? 1 : n, 4]);
        const s = fl.multinomial(probs, replacement ? n : 1, replacement);
        assertDType(s.dtype, 'int32');
        const d = Array.from(await read(s));
        for (let k = 0; k < 4; k++) {
          const f = d.filter((v) => v === k).length / n;
          check(
            within5se(f, w[k]! / 8, n),
            `multinomial(replacement=${replacement}): category ${k} drawn with frequency ${f}, weight ${w[k]! / 8}`,
          );
        }
      }
    },
  },
  {
    id: 'api/random/normal/moments',
    layer: 'L1',
    op: 'normal',
    run: async () => {
      fl.manualSeed(23);
      const n = 8192;
      const d = Array.from(await read(fl.normal(2, 3, [n])));
      const mean = d.reduce((a, b) => a + b, 0) / n;
      const v = d.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
      check(Math.abs(mean - 2) <= (5 * 3) / Math.sqrt(n), `normal(2, 3): sample mean ${mean}`);
      check(
        Math.abs(v - 9) <= 5 * Math.sqrt((2 * 81) / (n - 1)),
        `normal(2, 3): sample variance ${v}`,
      );
    },
  },
];

export function samplerCases(): Case[] {
  return [
    ...Object.entries(DRAWS).map(([name, { draw, exact }]) => sameAsOracle(name, draw, exact)),
    ...statistics,
  ];
}
