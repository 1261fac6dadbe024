/**
 * Draws one random program (the mirror of scripts/fixtures/diff_gen.py): inputs with values,
 * special values and views, then a chain of 1–3 ops whose args are drawn for the value each op
 * actually receives — found by running the chain on the oracle device as it grows.
 */
import * as fl from '@flint/core';
import type { DType } from '@flint/core/backend';
import { INVOKE, type OpResult } from '../../l1/invoke.js';
import type { DiffInput, DiffStep, ViewStep } from '../corpus.js';
import { leafOf, viewOf } from '../program.js';
import { elementwiseOps, reduceOps, viewOps, type Family, type Op } from './ops.js';
import { linalgOps, lossOps, nnOps, shapeOps } from './ops-nn.js';
import { extra, P_BAD, X, type Domain, type Extra, type Rand } from './rand.js';

type Tensor = fl.Tensor;
const MAX_NUMEL = 96;
/** As the corpus: NaN, ±inf, −0, near the largest finite value, subnormal, exp's overflow edges. */
const SPECIAL: Record<string, number[]> = {
  float32: [
    NaN,
    Infinity,
    -Infinity,
    -0,
    0,
    3e38,
    -3e38,
    1e-40,
    -1e-40,
    1e-30,
    88.75,
    -88.75,
    100,
    -100,
    20,
    1,
    -1,
  ],
  float64: [
    NaN,
    Infinity,
    -Infinity,
    -0,
    0,
    1e300,
    -1e300,
    1e-320,
    1e-310,
    1e-200,
    710,
    -746,
    100,
    20,
    1,
    -1,
  ],
};

export function catalog(): Op[] {
  return [
    ...elementwiseOps(),
    ...reduceOps(),
    ...viewOps(),
    ...shapeOps(),
    ...linalgOps(),
    ...lossOps(),
    ...nnOps(),
  ];
}

function draw(r: Rand, n: number, dtype: DType, domain: Domain, special: boolean): number[] {
  const out = (f: () => number) => Array.from({ length: n }, f);
  if (dtype === 'bool') return out(() => (r.p(0.5) ? 1 : 0));
  if (domain && typeof domain === 'object')
    return out(() => r.int(domain.int[0], domain.int[1] - 1));
  if (dtype === 'int32') return out(() => r.int(-4, 4));
  if (domain === 'prob')
    return out(() => (r.p(0.15) ? r.choice([0, 1]) : Math.round(r.next() * 100) / 100));
  if (domain === 'small') return out(() => r.short());
  const scale = r.choice([1, 1, 1, 3, 0.1]);
  return out(() =>
    special && r.p(0.25) ? r.choice(SPECIAL[dtype]!) : Number((r.normal() * scale).toPrecision(3)),
  );
}

/** A base shape and one view op turning it into `shape` (a non-contiguous input). */
function viewPlan(r: Rand, shape: number[]): [number[], ViewStep[]] {
  const rank = shape.length;
  const kind = r.weighted([
    ['none', 6],
    ['transpose', rank >= 2 ? 1 : 0],
    ['slice', rank ? 1 : 0],
    ['expand', rank ? 1 : 0],
  ] as const);
  const base = [...shape];
  if (kind === 'transpose') {
    const [d0, d1] = r.perm(rank) as [number, number];
    [base[d0], base[d1]] = [base[d1]!, base[d0]!];
    return [base, [{ op: 'transpose', args: { dim0: d0, dim1: d1 } }]];
  }
  if (kind === 'slice') {
    const [d, step, start] = [r.int(0, rank - 1), r.int(1, 3), r.int(0, 2)];
    const n = shape[d]!;
    const end = n ? start + (n - 1) * step + 1 : start;
    base[d] = end + r.int(0, 1);
    return [base, [{ op: 'slice', args: { dim: d, start, end, step } }]];
  }
  if (kind === 'expand') {
    const small = shape.map((d) => (d > 1 && r.p(0.5) ? 1 : d));
    if (small.some((d, i) => d !== shape[i]))
      return [small, [{ op: 'expand', args: { sizes: shape } }]];
  }
  return [base, []];
}

function makeInput(r: Rand, e: Extra, special: boolean): DiffInput {
  const [shape, views] = e.view ? viewPlan(r, e.shape) : [e.shape, []];
  const n = shape.reduce((a, b) => a * b, 1);
  const input: DiffInput = { shape, dtype: e.dtype, data: draw(r, n, e.dtype, e.domain, special) };
  if (views.length) input.views = views;
  if (e.grad) input.requiresGrad = true;
  return input;
}

const numelOf = (r: OpResult): number =>
  r instanceof fl.Tensor
    ? r.numel()
    : Array.isArray(r)
      ? r.reduce((a, t) => a + t.numel(), 0)
      : r.values.numel() * 2;

export interface Built {
  inputs: DiffInput[];
  steps: DiffStep[];
}

export interface BuildOptions {
  /** The oracle device the chain runs on while it is drawn. */
  device: string;
  family: Family;
  steps: number;
  maxRank: number;
  special: boolean;
}

export class Builder {
  readonly inputs: DiffInput[] = [];
  readonly steps: DiffStep[] = [];

  constructor(
    private readonly r: Rand,
    private readonly ops: readonly Op[],
    private readonly o: BuildOptions,
  ) {}

  private fits(op: Op, x: Tensor): boolean {
    if (!op.dtypes.includes(x.dtype) && !this.r.p(2 * P_BAD)) return false;
    return op.shapeOk(x.shape) && (!op.accepts || op.accepts(x));
  }

  private choose(x: Tensor, family?: Family): Op | null {
    const pool = this.ops.filter((op) => (!family || op.family === family) && this.fits(op, x));
    return pool.length ? this.r.weighted(pool.map((op) => [op, op.weight] as const)) : null;
  }

  private add(e: Extra): number {
    this.inputs.push(makeInput(this.r, e, this.o.special));
    return this.inputs.length - 1;
  }

  private realise(i: number): Tensor {
    return viewOf(this.inputs[i]!, leafOf(this.inputs[i]!, { device: this.o.device }), i);
  }

  /** One step on x; returns its result, 'error' when the oracle threw, null to redraw. */
  private step(op: Op, x: Tensor, xref: number): OpResult | 'error' | null {
    const drawn = op.gen(this.r, x);
    if (!drawn) return null;
    const keep = this.inputs.length;
    const refs = drawn.ins.map((i) => (i === X ? xref : this.add(i)));
    const args = refs.map((ref) => (ref === xref ? x : this.realise(ref)));
    const s: DiffStep = { op: op.name, args: drawn.args, in: refs };
    let out: OpResult;
    try {
      out = INVOKE[op.name]!(args, drawn.args);
    } catch {
      this.steps.push(s);
      return 'error';
    }
    if (numelOf(out) > MAX_NUMEL) {
      this.inputs.length = keep;
      return null;
    }
    this.steps.push(s);
    return out;
  }

  private firstInput(): [Op | null, Tensor] {
    const fam = this.ops.filter((op) => op.family === this.o.family);
    const op = this.r.weighted(fam.map((o) => [o, o.weight] as const));
    const dtype = this.r.weighted([
      ['float32', 5],
      ['float64', 2.5],
      ['int32', 1.5],
      ['bool', 1],
    ] as const);
    const e = op.first
      ? op.first(this.r)
      : extra(this.r.shape(this.r.int(0, this.o.maxRank)), dtype);
    this.add(e);
    return [op.first ? op : null, this.realise(0)];
  }

  /** Draws the program; false when nothing could be drawn (or the oracle failed drawing it). */
  build(): boolean {
    try {
      return this.draw();
    } catch {
      return false; // e.g. an oracle result with an invalid shape: the oracle's bug, not ours
    }
  }

  private draw(): boolean {
    let [op, x] = this.firstInput();
    let xref = 0;
    for (let k = 0; k < this.o.steps; k++) {
      let out: OpResult | 'error' | null = null;
      for (let tries = 0; tries < 8 && out === null; tries++) {
        const cand = op ?? this.choose(x, k === 0 ? this.o.family : undefined);
        op = null;
        if (!cand) break;
        out = this.step(cand, x, xref);
      }
      if (out === null) return this.steps.length > 0;
      if (out === 'error' || !(out instanceof fl.Tensor)) return true;
      [x, xref] = [out, -1];
    }
    return true;
  }
}
