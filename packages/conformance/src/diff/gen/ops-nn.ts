/**
 * The generator's op catalog, continued (the mirror of scripts/fixtures/diff_ops_nn.py): joining
 * and splitting, indexing, the matmul family, losses and nn functions.
 */
import type * as fl from '@flint/core';
import type { Args } from '../../l1/invoke.js';
import { firstRank, isInt, op, type Gen, type Op } from './ops.js';
import { ALL, broadcastShape, extra, NUMERIC, P_BAD, X, type Extra, type Rand } from './rand.js';

type Tensor = fl.Tensor;
const REDUCTIONS = ['mean', 'sum', 'none'];

const inRange = (x: Tensor, d: number) => d >= -x.ndim && d < x.ndim;
const dimSize = (x: Tensor, d: number) => (inRange(x, d) ? x.shape.at(d)! : 1);
const norm = (x: Tensor, d: number) => (d < 0 ? d + x.ndim : d);

const catGen: Gen = (r, x) => {
  const d = r.dim(x.ndim);
  const ins: (typeof X | Extra)[] = [X];
  for (let k = r.int(1, 2); k > 0; k--) {
    const shape = [...x.shape];
    if (inRange(x, d)) shape[norm(x, d)] = r.int(0, 3);
    if (r.p(P_BAD) && shape.length) shape[(norm(x, d) + 1) % shape.length]! += 1;
    ins.push(extra(shape, r.p(0.85) ? x.dtype : r.choice(ALL)));
  }
  return { args: { dim: d }, ins };
};

const stackGen: Gen = (r, x) => {
  const n = x.ndim + 1;
  const d = r.int(0, n - 1);
  const ins: (typeof X | Extra)[] = [X];
  for (let k = r.int(1, 2); k > 0; k--) ins.push(extra(x.shape, x.dtype));
  return { args: { dim: r.p(0.3) ? d - n : d }, ins };
};

const splitGen: Gen = (r, x) => {
  const d = r.dim(x.ndim);
  const n = dimSize(x, d);
  if (r.p(0.5) || n === 0)
    return { args: { size: r.p(P_BAD) ? 0 : r.int(1, 3), dim: d }, ins: [X] };
  const parts: number[] = [];
  for (let left = n; left > 0; left -= parts[parts.length - 1]!)
    parts.push(r.int(r.p(0.2) ? 0 : 1, left));
  return { args: { size: parts, dim: d }, ins: [X] };
};

/** torch pads reflect/replicate only for these (pad pairs → input ranks). */
const PAD_RANKS: Record<number, number[]> = { 1: [2, 3], 2: [3, 4], 3: [4, 5] };

const padGen: Gen = (r, x) => {
  let mode = isInt(x)
    ? 'constant'
    : r.weighted([
        ['constant', 3],
        ['reflect', 1],
        ['replicate', 1],
      ] as const);
  const pairs = [1, 2, 3].filter((k) => PAD_RANKS[k]!.includes(x.ndim));
  if (mode !== 'constant' && !pairs.length) mode = 'constant';
  if (mode === 'constant') {
    const k = r.int(1, Math.max(1, x.ndim));
    const pad = Array.from({ length: 2 * k }, () => r.int(r.p(0.2) ? -1 : 0, 2));
    return { args: { pad, mode, value: isInt(x) ? r.int(-3, 3) : r.short() }, ins: [X] };
  }
  const k = r.choice(pairs);
  const pad = x.shape
    .slice(-k)
    .reverse()
    .flatMap((s) => {
      const hi = mode === 'reflect' ? Math.max(0, s - 1) : 2;
      return [r.int(0, Math.min(hi, 2)), r.int(0, Math.min(hi, 2))];
    });
  return { args: { pad, mode }, ins: [X] };
};

function indexExtra(r: Rand, x: Tensor, d: number, shape: number[]): Extra {
  const n = dimSize(x, d);
  const hi = r.p(P_BAD) ? n + 1 : n;
  return extra(shape, 'int32', { int: [r.p(0.1) && n ? -n : 0, Math.max(hi, 1)] });
}

const gatherGen: Gen = (r, x) => {
  const d = r.dim(x.ndim);
  if (!x.ndim) return { args: { dim: d }, ins: [X, indexExtra(r, x, d, [])] };
  let shape = x.shape.map((s) => (s ? r.int(r.p(0.1) ? 0 : 1, s) : 0));
  if (inRange(x, d)) shape[norm(x, d)] = r.int(1, 3);
  if (dimSize(x, d) === 0) shape = shape.map(() => 0);
  return { args: { dim: d }, ins: [X, indexExtra(r, x, d, shape)] };
};

const scatterGen: Gen = (r, x) => {
  const g = gatherGen(r, x)!;
  if (x.ndim && dimSize(x, g.args.dim as number) === 0) return null;
  const idx = g.ins[1] as Extra;
  return { args: g.args, ins: [X, idx, extra(idx.shape, x.dtype)] };
};

const indexSelectGen: Gen = (r, x) => {
  const d = r.dim(x.ndim);
  // exactly one index for a 0-d tensor, as the corpus (torch 1.13 misbehaves otherwise)
  let shape = x.ndim ? [r.int(0, 4)] : r.choice([[], [1]]);
  if (dimSize(x, d) === 0) shape = [0];
  return { args: { dim: d }, ins: [X, indexExtra(r, x, d, shape)] };
};

const oneHotGen: Gen = (r, x) => {
  const top = x.numel() ? Math.max(...x.dataSync()) : 0;
  const n = r.p(P_BAD) ? top : r.choice([-1, top + 1, top + 2, top + 3]);
  return { args: { numClasses: n }, ins: [X] };
};

const nonnegInts = (x: Tensor) => Array.from(x.dataSync()).every((v) => v >= 0 && v < 8);
const unitInterval = (x: Tensor) =>
  x.numel() > 0 && Array.from(x.dataSync()).every((v) => v >= 0 && v <= 1);

const matmulGen: Gen = (r, x) => {
  const k = x.shape.at(-1)! + (r.p(P_BAD) ? 1 : 0);
  const m = r.int(r.p(0.1) ? 0 : 1, 4);
  let batch = x.shape.slice(0, -2);
  if (batch.length && r.p(0.4))
    batch = batch.map((b) => (r.p(0.5) ? 1 : b)).slice(r.int(0, batch.length));
  const shape =
    x.ndim === 1
      ? r.choice([[k], [k, m], [r.int(1, 2), k, m]])
      : r.choice([[k], [k, m], [...batch, k, m]]);
  return { args: {}, ins: [X, extra(shape, x.dtype)] };
};

const bmmGen: Gen = (r, x) => {
  const [b, , k] = x.shape as [number, number, number];
  return { args: {}, ins: [X, extra([b, r.p(P_BAD) ? k + 1 : k, r.int(1, 4)], x.dtype)] };
};

const vecGen =
  (same: boolean): Gen =>
  (r, x) => ({
    args: {},
    ins: [X, extra([same && !r.p(P_BAD) ? x.shape[0]! : r.int(0, 5)], x.dtype)],
  });

function pairLoss(domain: Extra['domain'] = null, grad = true, more?: (r: Rand) => Args): Gen {
  return (r, x) => {
    const shape = [...x.shape];
    const i = shape.findIndex((d) => d > 1);
    if (r.p(P_BAD) && i >= 0) shape[i]! += 1;
    return {
      args: { reduction: r.choice(REDUCTIONS), ...more?.(r) },
      ins: [X, extra(shape, x.dtype, domain, grad)],
    };
  };
}

const classDimOk = (s: readonly number[]) =>
  s.length >= 1 && s.length <= 3 && s[s.length > 1 ? 1 : 0]! >= 1;

function ceGen(name: string): Gen {
  return (r, x) => {
    const cd = x.ndim > 1 ? 1 : 0;
    const c = x.shape[cd]!;
    const args: Args = { reduction: r.choice(REDUCTIONS) };
    if (name === 'crossEntropy' && r.p(0.3)) {
      args.labelSmoothing = r.p(0.5) ? 0.1 : 0;
      if (r.p(0.4)) return { args, ins: [X, extra(x.shape, x.dtype, 'prob', false)] };
    }
    if (r.p(0.15)) args.ignoreIndex = r.int(0, c - 1);
    const t = x.shape.filter((_, i) => i !== cd);
    return { args, ins: [X, extra(t, 'int32', { int: [0, c + (r.p(P_BAD) ? 1 : 0)] }, false)] };
  };
}

const klGen: Gen = (r, x) => {
  const logTarget = r.p(0.4);
  const args = { reduction: r.choice([...REDUCTIONS, 'batchmean']), logTarget };
  return { args, ins: [X, extra(x.shape, x.dtype, logTarget ? null : 'prob', false)] };
};

const linearGen: Gen = (r, x) => {
  const out = r.int(1, 4);
  const k = x.shape.at(-1)! + (r.p(P_BAD) ? 1 : 0);
  const ins: (typeof X | Extra)[] = [X, extra([out, k], x.dtype)];
  if (r.p(0.6)) ins.push(extra([out], x.dtype));
  return { args: {}, ins };
};

function poolGen(name: string): Gen {
  return (r) => {
    const k = r.int(1, 3);
    const a: Args = { kernel: r.p(0.7) ? k : [k, r.int(1, 3)] };
    if (r.p(0.5)) a.stride = r.int(1, 2);
    if (r.p(0.3)) a.padding = r.int(0, r.p(P_BAD) ? k : Math.floor(k / 2));
    // as the corpus: no dilation with padding (a window could miss every real element)
    if (name === 'maxPool2d' && r.p(0.2) && !a.padding) a.dilation = 2;
    if (r.p(0.4)) a.ceilMode = true;
    if (name === 'avgPool2d' && r.p(0.3)) a.countIncludePad = false;
    return { args: a, ins: [X] };
  };
}

const layerNormGen: Gen = (r, x) => {
  const ns = x.shape.slice(-r.int(1, Math.min(2, x.ndim)));
  const ins: (typeof X | Extra)[] = [X];
  if (r.p(0.5)) ins.push(extra(ns, x.dtype), extra(ns, x.dtype));
  return { args: { normalizedShape: ns, eps: r.choice([1e-5, 1e-3]) }, ins };
};

const spatialOk = (s: readonly number[]) =>
  (s.length === 3 || s.length === 4) && s.every((d) => d >= 1);

export function shapeOps(): Op[] {
  const e = (name: string, gen: Gen, o: Partial<Op> = {}) =>
    op('shape', name, gen, { dtypes: ALL, ...o });
  const tri: Gen = (r) => ({ args: { k: r.int(-2, 2) }, ins: [X] });
  return [
    e('cat', catGen),
    e('stack', stackGen, { weight: 0.5 }),
    e('split', splitGen, { out: 'list', weight: 0.5 }),
    e(
      'chunk',
      (r, x) => ({ args: { chunks: r.p(P_BAD) ? 0 : r.int(1, 4), dim: r.dim(x.ndim) }, ins: [X] }),
      {
        out: 'list',
        weight: 0.5,
      },
    ),
    e('pad', padGen, { dtypes: NUMERIC }),
    e('repeat', (r, x) => {
      const sizes = Array.from({ length: x.ndim + r.int(0, 1) }, () => r.int(r.p(0.1) ? 0 : 1, 3));
      return sizes.length ? { args: { sizes }, ins: [X] } : null;
    }),
    e('tile', (r, x) => ({
      args: {
        dims: Array.from({ length: r.int(1, Math.max(1, x.ndim + 1)) }, () =>
          r.int(r.p(0.1) ? 0 : 1, 3),
        ),
      },
      ins: [X],
    })),
    e('gather', gatherGen, { dtypes: NUMERIC }),
    e('scatterAdd', scatterGen, { dtypes: NUMERIC }),
    e('indexSelect', indexSelectGen),
    e('maskedFill', (r, x) => ({
      args: { value: isInt(x) ? r.int(-3, 3) : r.choice([r.short(), 'nan', 'inf']) },
      ins: [X, extra(broadcastShape(r, x.shape), 'bool', null, false)],
    })),
    e('oneHot', oneHotGen, {
      dtypes: ['int32'],
      first: firstRank(0, 2, 'int32', { int: [0, 5] }),
      accepts: nonnegInts,
      weight: 0.5,
    }),
    e('tril', tri, { shapeOk: (s) => s.length >= 2 }),
    e('triu', tri, { shapeOk: (s) => s.length >= 2 }),
  ];
}

export function linalgOps(): Op[] {
  const e = (name: string, gen: Gen, o: Partial<Op> = {}) => op('linalg', name, gen, o);
  return [
    e('matmul', matmulGen, { shapeOk: (s) => s.length >= 1, weight: 2 }),
    e('bmm', bmmGen, { shapeOk: (s) => s.length === 3, first: firstRank(3, 3) }),
    e('outer', vecGen(false), { shapeOk: (s) => s.length === 1, first: firstRank(1, 1) }),
    e('dot', vecGen(true), { shapeOk: (s) => s.length === 1, first: firstRank(1, 1) }),
  ];
}

export function lossOps(): Op[] {
  const e = (name: string, gen: Gen, o: Partial<Op> = {}) => op('losses', name, gen, o);
  const ceFirst = firstRank(1, 3, undefined, null, 1);
  return [
    e('mseLoss', pairLoss()),
    e('l1Loss', pairLoss()),
    e(
      'smoothL1Loss',
      pairLoss(null, true, (r) => ({ beta: r.choice([1, 0.5, 0]) })),
    ),
    e(
      'huberLoss',
      pairLoss(null, true, (r) => ({ delta: r.choice([1, 0.5, 2]) })),
    ),
    e('binaryCrossEntropy', pairLoss('prob', false), {
      first: firstRank(0, 3, undefined, 'prob'),
      accepts: unitInterval,
      weight: 1.5,
    }),
    e('binaryCrossEntropyWithLogits', pairLoss('prob', false)),
    e('crossEntropy', ceGen('crossEntropy'), { shapeOk: classDimOk, first: ceFirst, weight: 1.5 }),
    e('nllLoss', ceGen('nllLoss'), {
      shapeOk: (s) => classDimOk(s) && s.length <= 2,
      first: ceFirst,
    }),
    e('klDiv', klGen),
  ];
}

export function nnOps(): Op[] {
  const e = (name: string, gen: Gen, o: Partial<Op> = {}) => op('nn', name, gen, o);
  const spatial = firstRank(3, 4, undefined, null, 1);
  return [
    e('linear', linearGen, { shapeOk: (s) => s.length >= 1 }),
    e('maxPool2d', poolGen('maxPool2d'), { shapeOk: spatialOk, first: spatial, weight: 1.5 }),
    e('avgPool2d', poolGen('avgPool2d'), { shapeOk: spatialOk, first: spatial, weight: 1.5 }),
    e(
      'adaptiveAvgPool2d',
      (r) => ({
        args: { outputSize: r.p(0.6) ? r.int(1, 3) : [r.int(1, 3), r.int(1, 3)] },
        ins: [X],
      }),
      { shapeOk: spatialOk, first: spatial },
    ),
    e('layerNorm', layerNormGen, { shapeOk: (s) => s.length >= 1 }),
  ];
}
