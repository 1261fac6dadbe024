/**
 * L4: small training runs. A 2-layer MLP on a fixed synthetic dataset (two interleaved spirals
 * computed in plain JS), weights from fl.manualSeed, plain SGD written with tensor ops, 200 steps:
 * the loss must fall below a threshold, and two runs must give identical loss curves.
 */
import * as fl from '@flint/core';
import type { DType } from '@flint/core/backend';
import { check } from './harness/compare.js';
import { readNumbers } from './harness/read.js';
import type { Case, CaseContext } from './types.js';
import { flatTensor } from './l1/fixtures.js';

type Tensor = fl.Tensor;

/** 2 classes × 32 points on two spirals; features (x, y), labels 0/1 as one-hot float targets. */
function dataset(dtype: DType): { x: Tensor; y: Tensor } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let c = 0; c < 2; c++)
    for (let i = 0; i < 32; i++) {
      const r = 0.2 + (i / 32) * 0.8;
      const t = (i / 32) * 3 + c * Math.PI;
      xs.push(r * Math.cos(t), r * Math.sin(t));
      ys.push(c === 0 ? 1 : 0, c === 1 ? 1 : 0);
    }
  return { x: flatTensor(xs, [64, 2], dtype), y: flatTensor(ys, [64, 2], dtype) };
}

interface Params {
  w1: Tensor;
  b1: Tensor;
  w2: Tensor;
  b2: Tensor;
}

function init(dtype: DType, hidden: number): Params {
  fl.manualSeed(1234);
  const p = {
    w1: fl.randn([2, hidden], { dtype }).mul(1.0),
    b1: fl.zeros([hidden], { dtype }),
    w2: fl.randn([hidden, 2], { dtype }).mul(1 / Math.sqrt(hidden)),
    b2: fl.zeros([2], { dtype }),
  };
  for (const t of Object.values(p)) t.requiresGrad_();
  return p;
}

/** Cross-entropy through logSoftmax, averaged over the batch. */
function loss(p: Params, x: Tensor, y: Tensor): Tensor {
  const h = x.matmul(p.w1).add(p.b1).tanh();
  const logits = h.matmul(p.w2).add(p.b2);
  return logits.logSoftmax(1).mul(y).sum().div(-x.shape[0]!);
}

/** One SGD step: new leaves replace the old ones, which are disposed. */
function step(p: Params, x: Tensor, y: Tensor, lr: number): { loss: Tensor; next: Params } {
  return fl.tidy(() => {
    const names = Object.keys(p) as (keyof Params)[];
    const l = loss(p, x, y);
    const grads = fl.grad(
      [l],
      names.map((n) => p[n]),
    );
    const next = fl.noGrad(() =>
      Object.fromEntries(names.map((n, i) => [n, p[n].sub(grads[i]!.mul(lr))])),
    ) as unknown as Params;
    for (const t of Object.values(next)) t.requiresGrad_();
    return { loss: l.detach(), next };
  });
}

/** The loss after each step, read back once at the end (no read stalls the device per step). */
export async function train(dtype: DType, steps: number): Promise<number[]> {
  const losses = fl.tidy(() => {
    const { x, y } = dataset(dtype);
    let p = init(dtype, 16);
    const ls: Tensor[] = [];
    for (let i = 0; i < steps; i++) {
      const r = step(p, x, y, 0.5);
      for (const t of Object.values(p)) t.dispose();
      p = r.next;
      ls.push(r.loss);
    }
    for (const t of Object.values(p)) t.dispose();
    return fl.stack(ls);
  });
  try {
    return await readNumbers(losses);
  } finally {
    losses.dispose();
  }
}

function mlpCase(dtype: DType): Case {
  return {
    id: `l4/mlp/${dtype}`,
    layer: 'L4',
    op: 'train',
    dtype,
    needs: { dtypes: [dtype] },
    run: async (_ctx: CaseContext) => {
      const a = await train(dtype, 200);
      const b = await train(dtype, 200);
      check(
        a.every(Number.isFinite),
        `loss became non-finite: ${a.find((v) => !Number.isFinite(v))}`,
      );
      check(a[0]! > 0.6, `initial loss ${a[0]} is suspiciously low for a 2-class problem (≈ ln 2)`);
      const last = a[a.length - 1]!;
      check(
        last < 0.1,
        `loss only fell from ${a[0]!.toFixed(4)} to ${last.toFixed(4)} in 200 SGD steps (threshold 0.1)`,
      );
      const diff = a.findIndex((v, i) => v !== b[i]);
      check(diff < 0, () => `two runs differ at step ${diff}: ${a[diff]} vs ${b[diff]}`);
    },
  };
}

export function l4Cases(): Case[] {
  return [mlpCase('float32'), mlpCase('float64')];
}
