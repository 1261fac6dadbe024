/**
 * clipGradNorm_ / clipGradValue_ against torch.nn.utils (fixtures from
 * scripts/gen-optim-fixtures.py), plus their edge cases: parameters without gradients, nothing to
 * clip, non-finite norms, float32 gradients and memory.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fl from '@flint/core';
import { cpuBackend } from '@flint/backend-cpu';
import { clipGradNorm_, clipGradValue_, OptimizerError } from '../src/optim/index.js';

const backend = cpuBackend({ name: 'cpu-optim-clip-test' });
beforeAll(() => fl.use(backend));
afterAll(() => {
  expect(fl.memory().perDevice[backend.name]?.tensors).toBe(0);
  fl.removeBackend(backend.name);
});

type Nested = number | Nested[];
type Grads = Record<'W' | 'b', Nested>;
interface NormCase {
  kind: 'norm';
  maxNorm: number;
  normType: number | 'inf';
  total: number;
  grads: Grads;
}
interface ValueCase {
  kind: 'value';
  clipValue: number;
  grads: Grads;
}
const C = JSON.parse(
  readFileSync(new URL('./fixtures/optim-clip.json', import.meta.url), 'utf8'),
) as {
  torch: string;
  grads: Grads;
  cases: (NormCase | ValueCase)[];
};

/** Parameters W and b whose `.grad` holds the fixture's gradients. */
function withGrads(dtype: 'float32' | 'float64' = 'float64'): fl.Tensor[] {
  return (['W', 'b'] as const).map((n) => {
    const p = fl.zeros(n === 'W' ? [2, 3] : [3], { dtype, requiresGrad: true });
    p.grad = fl.keep(fl.tensor(C.grads[n], { dtype }));
    return p;
  });
}

function expectGrads(ps: fl.Tensor[], want: Grads, tol = 1e-12): void {
  const flat = (x: Nested): number[] => (Array.isArray(x) ? x.flatMap(flat) : [x]);
  ps.forEach((p, i) => {
    const got = flat(p.grad!.toArray() as Nested);
    flat(want[i === 0 ? 'W' : 'b']).forEach((w, j) =>
      expect(Math.abs(got[j]! - w)).toBeLessThanOrEqual(tol * (1 + Math.abs(w))),
    );
  });
}

const norms = C.cases.filter((c): c is NormCase => c.kind === 'norm');
const values = C.cases.filter((c): c is ValueCase => c.kind === 'value');

describe(`clipGradNorm_ vs PyTorch ${C.torch}`, () => {
  it.each(norms)('normType $normType, maxNorm $maxNorm', (c) => {
    const ps = withGrads();
    const total = clipGradNorm_(ps, c.maxNorm, c.normType === 'inf' ? Infinity : c.normType);
    expect(Math.abs(total - c.total)).toBeLessThanOrEqual(1e-12 * c.total);
    expectGrads(ps, c.grads);
    ps.forEach((p) => p.dispose());
  });

  it('skips parameters without a gradient, accepts a single tensor and returns 0 when there is nothing', () => {
    const [w, b] = withGrads();
    const none = fl.zeros([4], { requiresGrad: true });
    const c = norms.find((x) => x.normType === 2 && x.maxNorm === 0.5)!;
    expect(clipGradNorm_([w!, none, b!], 0.5)).toBeCloseTo(c.total, 12);
    expectGrads([w!, b!], c.grads);
    expect(none.grad).toBeNull();
    expect(clipGradNorm_([none], 1)).toBe(0);
    expect(clipGradNorm_(w!, 1e9)).toBeGreaterThan(0);
    [w, b, none].forEach((p) => p!.dispose());
  });

  it('throws on a non-finite norm only when asked to', () => {
    const ps = withGrads();
    fl.noGrad(() => ps[1]!.grad!.fill_(NaN));
    expect(() => clipGradNorm_(ps, 1, 2, { errorIfNonfinite: true })).toThrow(fl.GradError);
    expect(Number.isNaN(clipGradNorm_(ps, 1))).toBe(true);
    expect(() => clipGradNorm_(ps, NaN)).toThrow(OptimizerError);
    ps.forEach((p) => p.dispose());
  });

  it('keeps float32 gradients float32 and frees every intermediate', () => {
    const ps = withGrads('float32');
    const before = fl.memory();
    const c = norms.find((x) => x.normType === 2 && x.maxNorm === 0.5)!;
    expect(clipGradNorm_(ps, 0.5)).toBeCloseTo(c.total, 5);
    expect(ps.map((p) => p.grad!.dtype)).toEqual(['float32', 'float32']);
    expectGrads(ps, c.grads, 1e-6);
    expect(fl.memory()).toEqual(before);
    ps.forEach((p) => p.dispose());
  });
});

describe(`clipGradValue_ vs PyTorch ${C.torch}`, () => {
  it.each(values)('clipValue $clipValue', (c) => {
    const ps = withGrads();
    const before = fl.memory();
    clipGradValue_(ps, c.clipValue);
    expectGrads(ps, c.grads, 0);
    expect(fl.memory()).toEqual(before);
    ps.forEach((p) => p.dispose());
  });

  it('rejects a negative clipValue', () => {
    expect(() => clipGradValue_([], -1)).toThrow(
      /clipGradValue_: invalid clipValue -1; clipValue must be ≥ 0/,
    );
  });
});

describe('gradients that backward produced as broadcast views', () => {
  it('are materialised in .grad, so clipping and in-place ops on them work (grad of sum())', () => {
    const p = fl.keep(fl.tensor([3, 4], { requiresGrad: true }));
    const q = fl.keep(fl.tensor([[1, 2]], { requiresGrad: true }));
    fl.tidy(() =>
      p
        .sum()
        .add(q.expand([3, 2]).sum())
        .backward(),
    );
    // torch: p.grad == [1, 1], q.grad == [[3, 3]]; norm sqrt(1 + 1 + 9 + 9)
    expect(clipGradNorm_([p, q], 1)).toBeCloseTo(Math.sqrt(20), 6);
    const s = 1 / (Math.sqrt(20) + 1e-6);
    try {
      // float32 grads and coefficient: agreement to float32 precision (~1e-7 relative)
      for (const v of p.grad!.toArray() as number[]) expect(v).toBeCloseTo(s, 6);
      p.grad!.mul_(2);
      for (const v of p.grad!.toArray() as number[]) expect(v).toBeCloseTo(2 * s, 6);
      for (const v of (q.grad!.toArray() as number[][])[0]!) expect(v).toBeCloseTo(3 * s, 6);
    } finally {
      fl.dispose([p, q]);
    }
  });
});
